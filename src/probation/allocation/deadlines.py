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

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
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


def custody_sifts_due(
    *, cases: QuerySet[Case] | None, today: dt.date | None = None
) -> QuerySet[Sentence]:
    """The active custodial sentences, of active ``cases`` (None: of every active case), whose
    sift is due by ``today`` and has not been made since the sentence: release on or before
    :func:`release_sift_horizon`. Each carries ``sift_overdue`` (its due day has passed);
    soonest release first."""
    today = _today(today)
    horizon = release_sift_horizon(today)
    overdue_before = _latest_overdue_release(today)
    of_cases = Q(case__status=CaseStatus.ACTIVE)
    if cases is not None:
        of_cases &= Q(case__in=cases)
    return (
        Sentence.objects.filter(
            of_cases,
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


def _first_appointments_waiting(of_cases: Q) -> QuerySet[FirstAppointment]:
    newer = SiftDecision.objects.filter(
        case=OuterRef("case_id"), decided_at__gt=OuterRef("sift__decided_at")
    )
    return FirstAppointment.objects.filter(
        of_cases, case__status=CaseStatus.ACTIVE, held_on__isnull=True
    ).exclude(Exists(newer))


def first_appointments_due(
    *, cases: QuerySet[Case], today: dt.date | None = None
) -> QuerySet[FirstAppointment]:
    """First appointments of active ``cases`` not yet recorded as held, earliest due first;
    each carries ``is_overdue``. Only the latest sift's counts: a case sifted again starts a
    new clock."""
    today = _today(today)
    return (
        _first_appointments_waiting(Q(case__in=cases))
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


def _counted(rows: QuerySet[Any], overdue: Q) -> tuple[int, int]:
    counts = rows.order_by().aggregate(waiting=Count("pk"), overdue=Count("pk", filter=overdue))
    return counts["waiting"], counts["overdue"]


def _nps_clocks(today: dt.date) -> list[ClockCount]:
    sifts = custody_sifts_due(cases=None, today=today)
    taking_in = Escalation.objects.filter(
        state=EscalationState.CONFIRMED,
        case__responsible_officer__isnull=True,
        case__status=CaseStatus.ACTIVE,
    )
    return [
        ClockCount(
            "sift",
            "Sifts before release",
            *_counted(sifts, Q(release_date__lte=_latest_overdue_release(today))),
        ),
        ClockCount(
            "escalation-review",
            "Escalation reviews by the NPS",
            *_counted(
                Escalation.objects.filter(state__in=OPEN_ESCALATION_STATES),
                Q(review_due_on__lt=today),
            ),
        ),
        ClockCount(
            "transfer-in",
            "Escalated cases to take in",
            *_counted(taking_in, Q(transfer_due_on__lt=today)),
        ),
    ]


def overdue_clocks(*, for_user: Any, today: dt.date | None = None) -> list[ClockCount]:
    """The clocks of ``for_user``'s organisation, for an allocating manager, with what is
    waiting and what is overdue: sifts before release (the NPS, which sifts), assignments,
    first appointments, escalation reviews (for a CRC, its own waiting on the NPS; for the NPS,
    every one, and the escalated cases it must take in) and transfers in. Empty for a user who
    manages no allocations.

    Figures for the organisation, the same for each of its managers, which show no case: they
    count every case of the organisation, as the workload figures do (ADR 0010, decision 8),
    one aggregate query a clock."""
    if not for_user.has_role(RoleCode.ALLOCATING_MANAGER) or for_user.organisation_id is None:
        return []
    today = _today(today)
    organisation = for_user.organisation_id
    is_nps = for_user.organisation.kind == OrganisationKind.NPS
    waiting = Case.objects.filter(
        status=CaseStatus.ACTIVE,
        responsible_organisation_id=organisation,
        responsible_officer__isnull=True,
    )
    rows = [
        ClockCount("assignment", "Assignments", *_counted(waiting, Q(assignment_due_on__lt=today))),
        ClockCount(
            "first-appointment",
            "First appointments",
            *_counted(
                _first_appointments_waiting(Q(case__responsible_organisation_id=organisation)),
                Q(due_on__lt=today),
            ),
        ),
    ]
    if is_nps:
        nps = _nps_clocks(today)
        rows = [nps[0], *rows, *nps[1:]]
    else:
        rows.append(
            ClockCount(
                "escalation-review",
                "Escalation reviews by the NPS",
                *_counted(
                    Escalation.objects.filter(
                        state__in=OPEN_ESCALATION_STATES, from_organisation_id=organisation
                    ),
                    Q(review_due_on__lt=today),
                ),
            )
        )
    incoming = Transfer.objects.filter(
        state=TransferState.REQUESTED, to_organisation_id=organisation
    )
    rows.append(
        ClockCount(
            "transfer-decision",
            "Transfers in to decide",
            *_counted(incoming, Q(decision_due_on__lt=today)),
        )
    )
    return rows
