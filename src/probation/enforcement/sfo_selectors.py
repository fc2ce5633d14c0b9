"""Reads of serious further offences (``docs/domain/enforcement.md``, "Serious further
offences"): a case's SFOs, who may notify and review them, and the counts by organisation and
by contract area that are reported.

A notification is *late* when it was recorded after the day it was due (5 working days after
the charge); it is allowed, and counted, so that lateness is visible rather than hidden.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from probation.enforcement.models import SeriousFurtherOffence, SfoState
from probation.people.models import Case
from probation.people.selectors import can_read_cases
from probation.workforce.models import OrganisationKind, RoleCode

#: Roles of the responsible organisation that notify an SFO.
SFO_NOTIFYING_ROLES = (RoleCode.PRACTITIONER, RoleCode.ALLOCATING_MANAGER)
#: An SFO is notifiable while the person is supervised, and this many days after it ended.
SFO_DAYS_AFTER_END = 28

_RELATED = ("case__person", "organisation", "contract_area", "notified_by", "reviewer")
_LATE = Q(notified_at__date__gt=F("notification_due_on"))


def may_notify_sfo(user: Any, case: Case) -> bool:
    """Whether ``user`` works for the organisation responsible for ``case`` in a role that
    notifies SFOs (the service also checks the dates)."""
    return bool(
        can_read_cases(user)
        and user.has_role(*SFO_NOTIFYING_ROLES)
        and user.organisation_id == case.responsible_organisation_id
    )


def may_review_sfo(user: Any, sfo: SeriousFurtherOffence) -> bool:
    """An allocating manager of the organisation that notified the SFO, or of the NPS (which
    still sees the case if it has moved since), reviews it."""
    return bool(
        can_read_cases(user)
        and user.has_role(RoleCode.ALLOCATING_MANAGER)
        and (
            user.organisation_id == sfo.organisation_id
            or user.organisation.kind == OrganisationKind.NPS
        )
    )


def may_see_sfo_counts(user: Any) -> bool:
    """The national counts are figures, not case records: NPS allocating managers, contract
    managers and auditors see them."""
    if user is None or not user.is_authenticated or user.organisation is None:
        return False
    if user.has_role(RoleCode.CONTRACT_MANAGER, RoleCode.AUDITOR):
        return True
    return bool(
        user.has_role(RoleCode.ALLOCATING_MANAGER)
        and user.organisation.kind == OrganisationKind.NPS
    )


def is_late(sfo: SeriousFurtherOffence) -> bool:
    """Whether the SFO was notified after the day it was due (dates in Europe/London)."""
    return timezone.localdate(sfo.notified_at) > sfo.notification_due_on


def case_sfos(case: Case) -> list[SeriousFurtherOffence]:
    """Every SFO of a case released to the reader, the latest charge first."""
    return list(
        SeriousFurtherOffence.objects.filter(case=case)
        .select_related(*_RELATED)
        .order_by("-charged_on", "-id")
    )


def sfo_for(*, case: Case, sfo_id: int) -> SeriousFurtherOffence | None:
    """The SFO ``sfo_id`` of a case released to the reader (None if not its)."""
    return (
        SeriousFurtherOffence.objects.filter(case=case, pk=sfo_id).select_related(*_RELATED).first()
    )


def _counts(queryset: QuerySet[SeriousFurtherOffence], key: str, name: str) -> list[dict[str, Any]]:
    rows = (
        queryset.values(key, name)
        .annotate(
            notified=Count("pk"),
            late=Count("pk", filter=_LATE),
            under_review=Count("pk", filter=Q(state=SfoState.REVIEW_STARTED)),
            completed=Count("pk", filter=Q(state=SfoState.REVIEW_COMPLETED)),
        )
        .order_by(name)
    )
    return [
        {
            "code": row[key],
            "name": row[name],
            **{k: int(row[k]) for k in ("notified", "late", "under_review", "completed")},
        }
        for row in rows
    ]


def sfo_counts(
    *, for_user: Any, since: dt.date | None = None, until: dt.date | None = None
) -> dict[str, list[dict[str, Any]]]:
    """SFO counts by organisation and by contract area, each row with ``notified`` (all),
    ``late``, ``under_review`` and ``completed``; optionally for charges from ``since`` to
    ``until``. Two queries. Empty for anyone who may not see the counts."""
    if not may_see_sfo_counts(for_user):
        return {"by_organisation": [], "by_contract_area": []}
    sfos = SeriousFurtherOffence.objects.all()
    if since is not None:
        sfos = sfos.filter(charged_on__gte=since)
    if until is not None:
        sfos = sfos.filter(charged_on__lte=until)
    return {
        "by_organisation": _counts(sfos, "organisation__code", "organisation__name"),
        "by_contract_area": _counts(sfos, "contract_area__code", "contract_area__name"),
    }
