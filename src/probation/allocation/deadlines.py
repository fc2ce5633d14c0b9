"""Reads of the allocation clocks: what is due and what is overdue (``docs/domain/allocation.md``
§3), for the manager's home, the practitioner's cases and performance reporting.

Due dates are fixed when each step starts (the sift stores when a practitioner must be assigned,
a :class:`~probation.allocation.models.FirstAppointment` when it must be held, an escalation
when the NPS must review it and when the NPS must take the case in, a transfer when the
receiving area must decide), so a later change of tier or of the bank holidays does not move a
deadline already given. The one clock counted here is the custodial sift, which is due 10
working days before a release date that the custody calculation may still change.

A step is **overdue** when today (Europe/London) is after its due day (ADR 0010, clocks 2).
Every list starts from :func:`probation.people.selectors.cases_visible_to`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from probation.allocation.models import (
    OPEN_ESCALATION_STATES,
    Assignment,
    Escalation,
    EscalationState,
    FirstAppointment,
    SiftDecision,
    Transfer,
    TransferState,
)
from probation.allocation.selectors import overdue_count, unallocated_cases
from probation.core.calendar import bank_holidays_from
from probation.courts.models import Disposal, Sentence, SentenceStatus
from probation.people.models import Case, CaseStatus
from probation.people.selectors import cases_visible_to
from probation.rules import clocks
from probation.rules.dates import add_working_days
from probation.workforce.models import OrganisationKind, RoleCode

__all__ = [
    "CUSTODIAL_DISPOSALS",
    "ClockCount",
    "custody_sifts_due",
    "first_appointments_due",
    "latest_unseen_assignment_ids",
    "overdue_clocks",
    "release_sift_horizon",
]

#: How far back the sift before release looks for a release that was never sifted: one older
#: than this is a gap in the record for a report, not a sift the NPS can still make in time
#: (docs/adr/0017-allocation-clocks-and-notices.md, decision 2).
RELEASES_LOOKED_BACK = dt.timedelta(days=183)
CUSTODIAL_DISPOSALS = (Disposal.CUSTODY, Disposal.CUSTODY_EXTENDED, Disposal.CUSTODY_INDETERMINATE)


def _today(today: dt.date | None) -> dt.date:
    return timezone.localdate() if today is None else today


def release_sift_horizon(today: dt.date) -> dt.date:
    """The latest release day whose sift is due by ``today``: a release on this day is due for
    its sift today (10 working days before), one before it was due earlier."""
    return add_working_days(
        today, clocks.SIFT_DUE_CUSTODY_BEFORE_RELEASE, holidays=bank_holidays_from(today)
    )


def _latest_overdue_release(today: dt.date) -> dt.date:
    # A release before the horizon was due for its sift before today: overdue.
    return add_working_days(
        today, clocks.SIFT_DUE_CUSTODY_BEFORE_RELEASE - 1, holidays=bank_holidays_from(today)
    )


def _sifted_since_sentence() -> Exists:
    return Exists(
        SiftDecision.objects.filter(
            case=OuterRef("case_id"), decided_at__date__gte=OuterRef("sentence_date")
        )
    )


def custody_sifts_due(*, cases: QuerySet[Case], today: dt.date | None = None) -> QuerySet[Sentence]:
    """The active custodial sentences, of ``cases``, whose sift is due by ``today`` and has not
    been made since the sentence: release on or before :func:`release_sift_horizon`. Each
    carries ``sift_overdue`` (its due day has passed); soonest release first."""
    today = _today(today)
    horizon = release_sift_horizon(today)
    overdue_before = _latest_overdue_release(today)
    return (
        Sentence.objects.filter(
            case__in=cases.filter(status=CaseStatus.ACTIVE),
            status=SentenceStatus.ACTIVE,
            disposal__in=CUSTODIAL_DISPOSALS,
            release_date__gte=today - RELEASES_LOOKED_BACK,
            release_date__lte=horizon,
        )
        .exclude(_sifted_since_sentence())
        .annotate(sift_overdue=Q(release_date__lte=overdue_before))
        .select_related("case__person")
        .order_by("release_date", "pk")
    )


def first_appointments_due(
    *, cases: QuerySet[Case], today: dt.date | None = None
) -> QuerySet[FirstAppointment]:
    """First appointments of active ``cases`` not yet recorded as held, earliest due first;
    each carries ``is_overdue``. Only the latest sift's counts: a case sifted again starts a
    new clock."""
    today = _today(today)
    newer = SiftDecision.objects.filter(
        case=OuterRef("case_id"), decided_at__gt=OuterRef("sift__decided_at")
    )
    return (
        FirstAppointment.objects.filter(
            case__in=cases.filter(status=CaseStatus.ACTIVE), held_on__isnull=True
        )
        .exclude(Exists(newer))
        .annotate(is_overdue=Q(due_on__lt=today))
        .select_related("case__person", "case__responsible_officer")
        .order_by("due_on", "pk")
    )


def latest_unseen_assignment_ids(*, for_user: Any) -> set[int]:
    """The cases newly allocated to ``for_user`` that they have not opened since: the latest
    assignment of each is to them and not yet seen (the notification on My cases)."""
    newer = Assignment.objects.filter(
        case=OuterRef("case_id"), assigned_at__gt=OuterRef("assigned_at")
    )
    return set(
        Assignment.objects.filter(
            officer=for_user,
            seen_at__isnull=True,
            case__in=cases_visible_to(for_user).filter(
                status=CaseStatus.ACTIVE, responsible_officer=for_user
            ),
        )
        .exclude(Exists(newer))
        .values_list("case_id", flat=True)
    )


@dataclass(frozen=True)
class ClockCount:
    """One line of the manager's clocks: a step, how many are waiting and how many overdue."""

    key: str
    label: str
    waiting: int
    overdue: int


def _organisation_cases(user: Any) -> QuerySet[Case]:
    return cases_visible_to(user).filter(
        status=CaseStatus.ACTIVE, responsible_organisation_id=user.organisation_id
    )


def _escalation_counts(user: Any, today: dt.date) -> list[ClockCount]:
    visible = cases_visible_to(user)
    is_nps = user.organisation.kind == OrganisationKind.NPS
    open_ones = Escalation.objects.filter(state__in=OPEN_ESCALATION_STATES, case__in=visible)
    if not is_nps:
        open_ones = open_ones.filter(from_organisation_id=user.organisation_id)
    rows = [
        ClockCount(
            "escalation-review",
            "Escalation reviews by the NPS",
            open_ones.count(),
            open_ones.filter(review_due_on__lt=today).count(),
        )
    ]
    if is_nps:
        taking_in = Escalation.objects.filter(
            state=EscalationState.CONFIRMED,
            case__in=visible,
            case__responsible_officer__isnull=True,
        )
        rows.append(
            ClockCount(
                "transfer-in",
                "Escalated cases to take in",
                taking_in.count(),
                taking_in.filter(transfer_due_on__lt=today).count(),
            )
        )
    return rows


def _transfer_counts(user: Any, today: dt.date) -> ClockCount:
    incoming = Transfer.objects.filter(
        state=TransferState.REQUESTED, to_organisation_id=user.organisation_id
    )
    return ClockCount(
        "transfer-decision",
        "Transfers in to decide",
        incoming.count(),
        incoming.filter(decision_due_on__lt=today).count(),
    )


def overdue_clocks(*, for_user: Any, today: dt.date | None = None) -> list[ClockCount]:
    """The clocks an allocating manager answers for, with what is waiting and what is overdue:
    sifts before release (the NPS, which sifts), assignments, first appointments, escalation
    reviews (and, for the NPS, escalated cases to take in) and transfers in. Empty for a user
    who manages no allocations. A fixed number of count queries."""
    if not for_user.has_role(RoleCode.ALLOCATING_MANAGER) or for_user.organisation_id is None:
        return []
    today = _today(today)
    rows: list[ClockCount] = []
    if for_user.organisation.kind == OrganisationKind.NPS:
        sifts = custody_sifts_due(cases=cases_visible_to(for_user), today=today)
        rows.append(
            ClockCount(
                "sift",
                "Sifts before release",
                sifts.count(),
                sifts.filter(release_date__lte=_latest_overdue_release(today)).count(),
            )
        )
    unallocated = unallocated_cases(for_user=for_user, today=today)
    rows.append(
        ClockCount("assignment", "Assignments", unallocated.count(), overdue_count(unallocated))
    )
    appointments = first_appointments_due(cases=_organisation_cases(for_user), today=today)
    rows.append(
        ClockCount(
            "first-appointment",
            "First appointments",
            appointments.count(),
            appointments.filter(due_on__lt=today).count(),
        )
    )
    rows.extend(_escalation_counts(for_user, today))
    rows.append(_transfer_counts(for_user, today))
    return rows
