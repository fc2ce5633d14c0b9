"""Reads of the audit trail, for auditors and administrators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from probation.core.models import AuditEvent


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events(
    *,
    for_user: Any,
    crn: str = "",
    username: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events matching the filters. Only auditors and administrators may read them."""
    if not (for_user.is_authenticated and for_user.has_role("auditor", "administrator")):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    if crn:
        events = events.filter(crn=crn)
    if username:
        events = events.filter(actor_label__iexact=username)
    if date_from:
        events = events.filter(at__gte=_start_of(date_from))
    if date_to:
        events = events.filter(at__lt=_start_of(date_to + dt.timedelta(days=1)))
    return events.order_by("-at", "-id")
