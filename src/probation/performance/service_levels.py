"""Service-level deductions: the CRCs' late or missed steps, as the platform's clocks recorded
them (``docs/domain/reoffending-and-payment.md``, "Fee for service": late allocations, overdue
breach referrals and missed first appointments; the clocks of ``docs/domain/allocation.md`` §3
and ``docs/domain/enforcement.md``, stored when each step started, ADR 0017 decision 1).

Each kind is one query over every contract area, grouped by the CRC's area; the rows behind a
deduction are the same query for one area (:func:`service_level_rows`). An item counts in the
quarter its due day falls in, and only once the clock has run out when the run measures it
(its due day is before the run's ``measured_on``): a step still within its time is not late.

The definitions (docs/adr/0019-payment-by-results.md):

- **Late allocation**: a sift (or accepted transfer) that handed a case to a CRC, whose CRC
  assigned no practitioner on or before the due day — assigned later, or not at all. A new sift
  of the case by the due day stops the clock (the case was handed on before it ran out).
- **Overdue breach referral**: a mandatory breach referral (the warning rule required it) made by
  a CRC after its due day (10 working days after the failure). A failure still waiting for its
  referral is on the enforcement clocks of the CRC's managers, not yet here.
- **Missed first appointment**: a first appointment due from a sift to a CRC that was not held
  by its due day (held late, or not held), unless a new sift of the case by the due day started
  a new clock (ADR 0017 decision 3: only the latest sift's first appointment counts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from probation.allocation.models import Assignment, FirstAppointment, SiftDecision
from probation.enforcement.models import BreachReferral
from probation.rules.reoffending import Quarter

LATE_ALLOCATIONS = "late_allocations"
OVERDUE_BREACH_REFERRALS = "overdue_breach_referrals"
MISSED_FIRST_APPOINTMENTS = "missed_first_appointments"


def _resifted_by(due_field: str, *, sift_ref: str = "pk", case_ref: str = "case_id") -> Exists:
    """A later sift of the same case made on or before the due day: it restarted the clock."""
    later = SiftDecision.objects.filter(case_id=OuterRef(case_ref)).filter(
        Q(decided_at__gt=OuterRef("decided_at"))
        | Q(decided_at=OuterRef("decided_at"), id__gt=OuterRef(sift_ref))
    )
    return Exists(later.filter(decided_at__date__lte=OuterRef(due_field)))


def _late_allocations(quarter: Quarter, measured_on: dt.date) -> QuerySet[Any]:
    assigned_in_time = Assignment.objects.filter(
        case_id=OuterRef("case_id"),
        organisation_id=OuterRef("organisation_id"),
        assigned_at__gte=OuterRef("decided_at"),
        assigned_at__date__lte=OuterRef("assignment_due_on"),
    )
    first_assigned = (
        Assignment.objects.filter(
            case_id=OuterRef("case_id"),
            organisation_id=OuterRef("organisation_id"),
            assigned_at__gte=OuterRef("decided_at"),
        )
        .order_by("assigned_at", "id")
        .values("assigned_at")[:1]
    )
    return (
        SiftDecision.objects.filter(
            organisation__contract_area__isnull=False,
            assignment_due_on__gte=quarter.starts_on,
            assignment_due_on__lte=quarter.ends_on,
            assignment_due_on__lt=measured_on,
        )
        .filter(~Exists(assigned_in_time), ~_resifted_by("assignment_due_on"))
        .annotate(
            crc_area_id=F("organisation__contract_area_id"),
            crn=F("case__person__crn"),
            due_on=F("assignment_due_on"),
            assigned_at=Subquery(first_assigned),
        )
    )


def _overdue_breach_referrals(quarter: Quarter, measured_on: dt.date) -> QuerySet[Any]:
    return BreachReferral.objects.filter(
        from_organisation__contract_area__isnull=False,
        mandatory=True,
        due_on__gte=quarter.starts_on,
        due_on__lte=quarter.ends_on,
        due_on__lt=measured_on,
        referred_at__date__gt=F("due_on"),
    ).annotate(
        crc_area_id=F("from_organisation__contract_area_id"),
        crn=F("case__person__crn"),
        failure_at=F("failure__starts_at"),
    )


def _missed_first_appointments(quarter: Quarter, measured_on: dt.date) -> QuerySet[Any]:
    return (
        FirstAppointment.objects.filter(
            sift__organisation__contract_area__isnull=False,
            due_on__gte=quarter.starts_on,
            due_on__lte=quarter.ends_on,
            due_on__lt=measured_on,
        )
        .filter(Q(held_on__isnull=True) | Q(held_on__gt=F("due_on")))
        .annotate(decided_at=F("sift__decided_at"))
        .filter(~_resifted_by("due_on", sift_ref="sift_id"))
        .annotate(crc_area_id=F("sift__organisation__contract_area_id"), crn=F("case__person__crn"))
    )


@dataclass(frozen=True)
class ServiceLevelKind:
    """One service level: its words, its deduction on the contract terms, how its rows are found."""

    code: str
    description: str
    unit: str
    price_field: str
    rows: Callable[[Quarter, dt.date], QuerySet[Any]]
    # What a row of the list behind a deduction shows, besides its CRN: (field, heading).
    columns: tuple[tuple[str, str], ...]


SERVICE_LEVEL_KINDS: dict[str, ServiceLevelKind] = {
    kind.code: kind
    for kind in (
        ServiceLevelKind(
            LATE_ALLOCATIONS,
            "Late allocations (no practitioner assigned by the due day)",
            "cases",
            "late_allocation_deduction",
            _late_allocations,
            (
                ("decided_at", "Handed to the CRC"),
                ("due_on", "Practitioner due by"),
                ("assigned_at", "Practitioner assigned"),
            ),
        ),
        ServiceLevelKind(
            OVERDUE_BREACH_REFERRALS,
            "Breach referrals made after their due day",
            "referrals",
            "overdue_breach_referral_deduction",
            _overdue_breach_referrals,
            (("failure_at", "Failure"), ("due_on", "Referral due by"), ("referred_at", "Referred")),
        ),
        ServiceLevelKind(
            MISSED_FIRST_APPOINTMENTS,
            "First appointments not held by their due day",
            "appointments",
            "missed_first_appointment_deduction",
            _missed_first_appointments,
            (("due_on", "Due by"), ("held_on", "Held on")),
        ),
    )
}


def service_level_rows(
    *, kind: str, quarter: Quarter, measured_on: dt.date, contract_area_id: int
) -> QuerySet[Any]:
    """The rows behind one deduction: the sifts, referrals or first appointments that missed
    their clock, for the CRC of ``contract_area_id``, ordered by CRN, as dicts of ``crn`` and
    the kind's ``columns``."""
    level = SERVICE_LEVEL_KINDS[kind]
    return (
        level.rows(quarter, measured_on)
        .filter(crc_area_id=contract_area_id)
        .order_by("crn", "pk")
        .values("crn", *(name for name, _ in level.columns))
    )


def service_level_failures(*, quarter: Quarter, measured_on: dt.date) -> dict[tuple[int, str], int]:
    """``{(contract_area_id, kind): count}`` for the quarter, one grouped query a kind. Absent
    keys are zero."""
    counts: dict[tuple[int, str], int] = {}
    for kind in SERVICE_LEVEL_KINDS.values():
        grouped = (
            kind.rows(quarter, measured_on)
            .order_by()
            .values("crc_area_id")
            .annotate(n=Count("pk"))
            .values_list("crc_area_id", "n")
        )
        for area_id, n in grouped:
            counts[(int(area_id), kind.code)] = int(n)
    return counts
