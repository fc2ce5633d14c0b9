"""Reads of the audit trail, for auditors and administrators, and of a user's own API token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.authtoken.models import Token

from probation.core.models import AuditEvent

EXPORT_CHUNK = 2000


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def may_read_audit(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_role("auditor", "administrator"))


def audit_events(
    *,
    for_user: Any,
    crn: str = "",
    username: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    action: str = "",
    before_id: int | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events matching the filters, newest first, each with its actor (one query for a
    page, however many events it shows). Only auditors and administrators may read them.

    ``before_id`` leaves out events written from that one on (an export leaves out its own).
    """
    if not may_read_audit(for_user):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("actor")
    if crn:
        events = events.filter(crn=crn)
    if username:
        events = events.filter(actor_label__iexact=username)
    if date_from:
        events = events.filter(at__gte=_start_of(date_from))
    if date_to:
        events = events.filter(at__lt=_start_of(date_to + dt.timedelta(days=1)))
    if action:
        events = events.filter(action=action)
    if before_id is not None:
        events = events.filter(id__lt=before_id)
    return events.order_by("-at", "-id")


def audit_events_count(*, for_user: Any, limit: int, **filters: Any) -> int:
    """How many events match, counting no further than ``limit``."""
    return audit_events(for_user=for_user, **filters)[:limit].count()


def audit_events_export(
    *, for_user: Any, limit: int, before_id: int, **filters: Any
) -> Iterator[AuditEvent]:
    """At most ``limit`` matching events written before ``before_id``, read in chunks (an
    export streams them rather than holding them all in memory)."""
    events = audit_events(for_user=for_user, before_id=before_id, **filters)[:limit]
    return events.iterator(chunk_size=EXPORT_CHUNK)


def api_token_created_at(*, for_user: Any) -> dt.datetime | None:
    """When the user's API token was created, if they have one (never the key itself)."""
    if not for_user.is_authenticated:
        return None
    created: dt.datetime | None = (
        Token.objects.filter(user_id=for_user.pk).values_list("created", flat=True).first()
    )
    return created
