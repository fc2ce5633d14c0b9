"""Reads of appointments and contacts: the practitioner's diary and to-do lists, the case's
contact log, progress on the order's requirements, and each case's next appointment.

Lists of several cases are scoped with :func:`probation.people.selectors.cases_visible_to`; reads
of one case take a case already released (and audited) by :mod:`probation.people.access`. Each
read is one query on one of the indexes of :class:`~probation.supervision.models.Contact`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone

from probation.courts.models import Requirement, RequirementKind, Sentence, SentenceStatus
from probation.people.models import Case
from probation.people.selectors import cases_visible_to
from probation.rules.requirements import Progress, progress, unpaid_work_deadline
from probation.supervision.models import Contact, Outcome

__all__ = [
    "OrderProgress",
    "absences_to_judge",
    "contact_for",
    "contact_log",
    "diary",
    "next_appointment_at",
    "next_appointments",
    "outcomes_to_record",
    "requirement_progress",
]


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def diary(*, for_user: Any, first_day: dt.date, days: int = 1) -> list[Contact]:
    """``for_user``'s own diary from ``first_day`` for ``days`` days (1: a day, 7: a week), in
    time order, with each person's name: one query on the ``contact_diary`` index, limited to
    cases ``for_user`` may still see."""
    return list(
        Contact.objects.filter(
            practitioner=for_user,
            starts_at__gte=_midnight(first_day),
            starts_at__lt=_midnight(first_day + dt.timedelta(days=days)),
            case__in=cases_visible_to(for_user),
        )
        .select_related("case__person")
        .order_by("starts_at", "id")
    )


def contact_log(case: Case) -> QuerySet[Contact]:
    """The case's contacts, newest first (the ``contact_case_log`` index), for paging."""
    return (
        Contact.objects.filter(case=case)
        .select_related("practitioner", "requirement")
        .order_by("-starts_at", "-id")
    )


def contact_for(*, case: Case, contact_id: int) -> Contact | None:
    """One contact of a released case, or None (not found, or of another case)."""
    return (
        Contact.objects.filter(case=case, pk=contact_id)
        .select_related("case__person", "requirement", "practitioner")
        .first()
    )


def absences_to_judge(*, for_user: Any, today: dt.date | None = None) -> QuerySet[Contact]:
    """Absences in ``for_user``'s diary awaiting judgement, the one due soonest first, each with
    ``overdue`` (its 2 working days have passed)."""
    today = today or timezone.localdate()
    return (
        Contact.objects.filter(
            practitioner=for_user,
            outcome=Outcome.AWAITING_JUDGEMENT,
            case__in=cases_visible_to(for_user),
        )
        .annotate(
            overdue=ExpressionWrapper(Q(judgement_due_on__lt=today), output_field=BooleanField())
        )
        .select_related("case__person")
        .order_by("judgement_due_on", "starts_at", "id")
    )


def outcomes_to_record(*, for_user: Any, now: dt.datetime | None = None) -> QuerySet[Contact]:
    """Appointments in ``for_user``'s diary that have started and have no outcome yet, oldest
    first, each with ``overdue``: the outcome is due by the end of the appointment's day, so one
    from before today is overdue."""
    now = now or timezone.now()
    today_starts = _midnight(timezone.localdate(now))
    return (
        Contact.objects.filter(
            practitioner=for_user,
            outcome="",
            starts_at__lte=now,
            case__in=cases_visible_to(for_user),
        )
        .annotate(
            overdue=ExpressionWrapper(Q(starts_at__lt=today_starts), output_field=BooleanField())
        )
        .select_related("case__person")
        .order_by("starts_at", "id")
    )


@dataclass(frozen=True)
class OrderProgress:
    """Progress on one active order: unpaid work hours (and the day they must be done by) and
    rehabilitation activity days, each None when the order has no such requirement."""

    sentence: Sentence
    unpaid_work: Progress | None
    unpaid_work_deadline: dt.date | None
    rar_days: Progress | None

    @property
    def unpaid_work_overdue(self) -> bool:
        return bool(
            self.unpaid_work is not None
            and self.unpaid_work_deadline is not None
            and not self.unpaid_work.complete
            and timezone.localdate() > self.unpaid_work_deadline
        )


def requirement_progress(case: Case) -> list[OrderProgress]:
    """For each active order of ``case`` with unpaid work or rehabilitation activity: hours
    ordered, delivered and remaining, with the deadline 12 months after the sentence
    (``sentences.md``), and days ordered, delivered and remaining. Two queries."""
    requirements = list(
        Requirement.objects.filter(
            sentence__case=case,
            sentence__status=SentenceStatus.ACTIVE,
            kind__in=(RequirementKind.UNPAID_WORK, RequirementKind.REHABILITATION_ACTIVITY),
        )
        .select_related("sentence")
        .annotate(
            hours=Sum("contacts__hours_credited"),
        )
        .order_by("-sentence__sentence_date", "sentence_id", "id")
    )
    if not requirements:
        return []
    sentence_ids = {r.sentence_id for r in requirements}
    rar_days = dict(
        Contact.objects.filter(sentence_id__in=sentence_ids, rar_day=True)
        .values("sentence_id")
        .annotate(n=Count("id"))
        .values_list("sentence_id", "n")
    )
    by_sentence: dict[int, dict[str, Any]] = {}
    for requirement in requirements:
        entry = by_sentence.setdefault(requirement.sentence_id, {"sentence": requirement.sentence})
        if requirement.kind == RequirementKind.UNPAID_WORK and "unpaid" not in entry:
            entry["unpaid"] = progress(
                ordered=requirement.amount or 0,
                delivered=requirement.hours or Decimal(0),
            )
        elif requirement.kind == RequirementKind.REHABILITATION_ACTIVITY and "rar" not in entry:
            entry["rar"] = progress(
                ordered=requirement.amount or 0,
                delivered=rar_days.get(requirement.sentence_id, 0),
            )
    return [
        OrderProgress(
            sentence=entry["sentence"],
            unpaid_work=entry.get("unpaid"),
            unpaid_work_deadline=(
                unpaid_work_deadline(entry["sentence"].sentence_date) if "unpaid" in entry else None
            ),
            rar_days=entry.get("rar"),
        )
        for entry in by_sentence.values()
    ]


def next_appointment_at(now: dt.datetime | None = None) -> Subquery:
    """A subquery for a ``Case`` queryset: when its next booked appointment starts (None when
    none is booked), read from the ``contact_case_booked`` index, so a whole page of cases costs
    one query."""
    return Subquery(
        Contact.objects.filter(
            case_id=OuterRef("pk"), outcome="", starts_at__gte=now or timezone.now()
        )
        .order_by("starts_at")
        .values("starts_at")[:1]
    )


def next_appointments(case_ids: Iterable[int]) -> dict[int, Contact]:
    """The next booked appointment of each of ``case_ids`` (those with one), by case id: one
    query (each case's first booked contact from now, on ``contact_case_booked``). The caller
    has already scoped the case ids to what its user may see."""
    ids = list(case_ids)
    if not ids:
        return {}
    now = timezone.now()
    found: dict[int, Contact] = {}
    for contact in (
        Contact.objects.filter(case_id__in=ids, outcome="", starts_at__gte=now)
        .filter(
            pk__in=Subquery(
                Case.objects.filter(pk__in=ids)
                .annotate(
                    first=Subquery(
                        Contact.objects.filter(
                            case_id=OuterRef("pk"), outcome="", starts_at__gte=now
                        )
                        .order_by("starts_at", "id")
                        .values("id")[:1]
                    )
                )
                .values("first")
            )
        )
        .select_related("practitioner")
    ):
        found[contact.case_id] = contact
    return found
