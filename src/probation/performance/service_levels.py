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
- **Overdue breach referral**: a failure for which the warning rule required a breach referral
  (10 working days after the failure), on a case the CRC was responsible for, that was not
  referred by the due day: a mandatory referral made late, or no referral (nor warning) at all
  by the time the run measures. A failure while the order's breach was open is evidence for the
  court hearing it, not a new referral (ADR 0018), and a failure on licence leads to a recall
  request, so neither counts. Whether the rule required a referral depends on the warnings
  before the failure and its clock on bank holidays, so the failures with no referral are judged
  in Python by ``rules.enforcement.on_failure`` and ``rules.clocks.breach_referral_due``, over
  the quarter's unacted failures only.
- **Missed first appointment**: a first appointment due from a sift to a CRC that was not held
  by its due day (held late, or not held), unless a new sift of the case by the due day started
  a new clock (ADR 0017 decision 3: only the latest sift's first appointment counts).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from probation.allocation.models import Assignment, FirstAppointment, SiftDecision
from probation.core.calendar import bank_holidays_from
from probation.enforcement.models import OPEN_BREACH_STATES, BreachReferral, WarningLetter
from probation.performance.fees import crc_area_at, midnight_after
from probation.rules.breach import breach_kind
from probation.rules.clocks import breach_referral_due
from probation.rules.custody import CUSTODIAL_DISPOSALS
from probation.rules.enforcement import on_failure
from probation.rules.reoffending import Quarter
from probation.supervision.models import FAILURE_OUTCOMES, Contact

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


#: Failures up to this long before a quarter may have their referral due in it (10 working days
#: and the bank holidays of Christmas and Easter fit well within).
_REFERRAL_LOOKBACK = dt.timedelta(days=31)


def _unreferred_failures(quarter: Quarter, measured_on: dt.date) -> list[dict[str, Any]]:
    """The failures on CRC cases that needed a breach referral due in the quarter and before
    ``measured_on``, and have neither a referral nor a warning: rows as
    :func:`service_level_rows` gives them, with ``crc_area_id``."""
    open_at_failure = BreachReferral.objects.filter(
        sentence_id=OuterRef("sentence_id"), referred_at__lte=OuterRef("starts_at")
    ).filter(
        Q(state__in=OPEN_BREACH_STATES)
        | Q(outcome_recorded_at__gt=OuterRef("starts_at"))
        | Q(returned_at__gt=OuterRef("starts_at"))
    )
    failures = list(
        Contact.objects.filter(
            outcome__in=FAILURE_OUTCOMES,
            sentence__isnull=False,
            starts_at__gte=midnight_after(quarter.starts_on - _REFERRAL_LOOKBACK),
            starts_at__lt=midnight_after(quarter.ends_on),
        )
        .filter(
            ~Exists(WarningLetter.objects.filter(failure_id=OuterRef("pk"))),
            ~Exists(BreachReferral.objects.filter(failure_id=OuterRef("pk"))),
            ~Exists(open_at_failure),
        )
        .annotate(crc_area_id=crc_area_at(OuterRef("case_id"), before=OuterRef("starts_at")))
        .filter(crc_area_id__isnull=False)
        .order_by("case__person__crn", "starts_at", "pk")
        .values(
            "pk",
            "starts_at",
            "sentence_id",
            "crc_area_id",
            "sentence__disposal",
            "sentence__licence_end",
            "sentence__supervision_end",
            crn=F("case__person__crn"),
        )
    )
    warnings: dict[int, list[dt.date]] = defaultdict(list)
    for sentence_id, issued_on in WarningLetter.objects.filter(
        sentence_id__in={row["sentence_id"] for row in failures}
    ).values_list("sentence_id", "issued_on"):
        warnings[sentence_id].append(issued_on)
    overdue = []
    for row in failures:
        day = timezone.localdate(row["starts_at"])
        kind = breach_kind(
            custodial=row["sentence__disposal"] in CUSTODIAL_DISPOSALS,
            failure_on=day,
            licence_end=row["sentence__licence_end"],
            supervision_end=row["sentence__supervision_end"],
        )
        if kind is None:
            continue
        if on_failure(failure_date=day, warnings=warnings[row["sentence_id"]]).action != (
            "breach_referral"
        ):
            continue
        due = breach_referral_due(failure_on=day, holidays=bank_holidays_from(day))
        if quarter.starts_on <= due <= quarter.ends_on and due < measured_on:
            overdue.append(
                {
                    "crn": row["crn"],
                    "crc_area_id": row["crc_area_id"],
                    "failure_at": row["starts_at"],
                    "due_on": due,
                    "referred_at": None,
                }
            )
    return overdue


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
            "Breach referrals not made by their due day (made late, or not made)",
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
) -> QuerySet[Any] | list[dict[str, Any]]:
    """The rows behind one deduction: the sifts, referrals or first appointments that missed
    their clock, for the CRC of ``contract_area_id``, ordered by CRN, as dicts of ``crn`` and
    the kind's ``columns``."""
    level = SERVICE_LEVEL_KINDS[kind]
    rows = (
        level.rows(quarter, measured_on)
        .filter(crc_area_id=contract_area_id)
        .order_by("crn", "pk")
        .values("crn", *(name for name, _ in level.columns))
    )
    if kind != OVERDUE_BREACH_REFERRALS:
        return rows
    unreferred = [
        {name: row[name] for name in ("crn", "failure_at", "due_on", "referred_at")}
        for row in _unreferred_failures(quarter, measured_on)
        if row["crc_area_id"] == contract_area_id
    ]
    return sorted([*rows, *unreferred], key=lambda row: (row["crn"], row["failure_at"]))


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
    for row in _unreferred_failures(quarter, measured_on):
        key = (int(row["crc_area_id"]), OVERDUE_BREACH_REFERRALS)
        counts[key] = counts.get(key, 0) + 1
    return counts
