"""Fee for service: the activity a CRC recorded in its contract area, month by month
(``docs/domain/reoffending-and-payment.md``, "Fee for service": orders and licences managed per
month, unpaid work hours delivered, programme completions, resettlement plans).

Every figure is one aggregate query over all contract areas at once, grouped by the CRC's area;
the rows behind a figure are the same query filtered to one area (:func:`fee_rows`), so a line of
a statement and the list it links to cannot disagree about what was counted.

**Whose activity.** A case's activity belongs to the CRC that was responsible for the case at the
time: the organisation of the case's latest sift decision made by then (a sift, an accepted
transfer and a confirmed escalation each write one, ``allocation/services.py``). For the
monthly caseload figures "by then" is the end of the month; for a session or a release it is the
moment it happened. A case with the NPS at that moment earns no CRC a fee.

The definitions where the spec is silent (docs/adr/0019-payment-by-results.md):

- **Orders managed**: case-months. A case counts once in a month when the CRC was responsible
  for it at the month's end and it had a community order or a suspended sentence order active
  at some time in the month (made on or before the month's last day, and not ended — its
  ``ended_on``, else its expected end — before the month's first day).
- **Licences managed**: the same for a custodial sentence after release, until the end of
  post-sentence supervision (else of the licence, else the sentence's expiry).
- **Unpaid work hours**: the hours credited on unpaid work sessions in the month
  (``Contact.hours_credited``, set only for sessions that were attended).
- **Programme completions**: a programme requirement is completed by the session that brings
  its attended-and-complied sessions to the number the court ordered (``Requirement.amount``);
  the completion falls in the month of that session.
- **Resettlement plans**: a release from custody in the month of a case whose sentence plan was
  agreed between the sentence and the release (a plan made before release, "through the gate").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from probation.allocation.models import SiftDecision
from probation.courts.models import Disposal, RequirementKind, Sentence
from probation.people.models import Case
from probation.rules.custody import CUSTODIAL_DISPOSALS
from probation.rules.dates import add_months
from probation.rules.reoffending import Quarter
from probation.supervision.models import Contact, ContactType, Outcome, SentencePlan

ORDERS_MANAGED = "orders_managed"
LICENCES_MANAGED = "licences_managed"
UNPAID_WORK_HOURS = "unpaid_work_hours"
PROGRAMME_COMPLETIONS = "programme_completions"
RESETTLEMENT_PLANS = "resettlement_plans"

ORDER_DISPOSALS = (Disposal.COMMUNITY_ORDER, Disposal.SUSPENDED_SENTENCE_ORDER)

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, written ``2025-01`` (the ``month`` of a statement line's source)."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``"2025-01"`` → ``Month(2025, 1)``; anything else is a ``ValueError``."""
        match = _MONTH.match(str(text))
        if not match or not 1900 <= int(match.group(1)) <= 9998:
            raise ValueError(f"month: must look like 2025-01, got {str(text)[:20]!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.number:02d}"

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.year, self.number, 1)

    @property
    def ends_on(self) -> dt.date:
        return add_months(self.starts_on, 1) - dt.timedelta(days=1)

    @property
    def in_words(self) -> str:
        return self.starts_on.strftime("%B %Y")


def months_of(quarter: Quarter) -> list[Month]:
    """The quarter's three months, in order."""
    return [Month(quarter.year, 3 * quarter.number - 2 + i) for i in range(3)]


def midnight_after(day: dt.date) -> dt.datetime:
    """The first moment of the day after ``day`` in Europe/London (the end of ``day``)."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def crc_area_at(case_ref: Any, *, before: Any) -> Subquery:
    """The contract area of the CRC responsible for the case at a moment: the latest sift
    decision made before ``before`` (a datetime, or an ``OuterRef`` to one), if its organisation
    is a CRC; null when it is the NPS or the case was not yet sifted."""
    latest = (
        SiftDecision.objects.filter(case_id=case_ref, decided_at__lt=before)
        .order_by("-decided_at", "-id")
        .values("organisation__contract_area_id")[:1]
    )
    return Subquery(latest)


def _active_orders(month: Month) -> QuerySet[Any]:
    ends = Coalesce("ended_on", "expected_end_date", output_field=DateField())
    return (
        Sentence.objects.filter(disposal__in=ORDER_DISPOSALS, sentence_date__lte=month.ends_on)
        .annotate(ends=ends)
        .filter(Q(ends__isnull=True) | Q(ends__gte=month.starts_on))
    )


def _active_licences(month: Month) -> QuerySet[Any]:
    ends = Coalesce(
        "ended_on",
        "supervision_end",
        "licence_end",
        "sentence_expiry_date",
        output_field=DateField(),
    )
    return (
        Sentence.objects.filter(
            disposal__in=CUSTODIAL_DISPOSALS,
            release_date__isnull=False,
            release_date__lte=month.ends_on,
        )
        .annotate(ends=ends)
        .filter(Q(ends__isnull=True) | Q(ends__gte=month.starts_on))
    )


def _cases_with(sentences: Callable[[Month], QuerySet[Any]], month: Month) -> QuerySet[Any]:
    """Cases with a sentence of ``sentences`` active in the month, each with the CRC area
    responsible at the month's end, and the first such sentence's start and end (for the rows)."""
    active = sentences(month).filter(case_id=OuterRef("pk"))
    first = active.order_by("sentence_date", "id")
    return (
        Case.objects.filter(Exists(active))
        .annotate(
            crc_area_id=crc_area_at(OuterRef("pk"), before=midnight_after(month.ends_on)),
            sentence_kind=Subquery(first.values("disposal")[:1]),
            sentence_starts=Subquery(
                first.annotate(starts=Coalesce("release_date", "sentence_date")).values("starts")[
                    :1
                ]
            ),
            sentence_ends=Subquery(first.values("ends")[:1]),
        )
        .filter(crc_area_id__isnull=False)
    )


def _orders_managed(month: Month) -> QuerySet[Any]:
    return _cases_with(_active_orders, month)


def _licences_managed(month: Month) -> QuerySet[Any]:
    return _cases_with(_active_licences, month)


def _month_span(month: Month) -> tuple[dt.datetime, dt.datetime]:
    return midnight_after(month.starts_on - dt.timedelta(days=1)), midnight_after(month.ends_on)


def _unpaid_work_hours(month: Month) -> QuerySet[Any]:
    starts, ends = _month_span(month)
    return (
        Contact.objects.filter(
            contact_type=ContactType.UNPAID_WORK,
            hours_credited__gt=0,
            starts_at__gte=starts,
            starts_at__lt=ends,
        )
        .annotate(
            crc_area_id=crc_area_at(OuterRef("case_id"), before=OuterRef("starts_at")),
        )
        .filter(crc_area_id__isnull=False)
    )


def _completing_sessions(starts: dt.datetime, ends: dt.datetime) -> QuerySet[Contact]:
    """The attended-and-complied programme session that brought each programme requirement to
    the number of sessions ordered (the Nth such session of a requirement of N sessions), for
    the requirements with such a session between ``starts`` and ``ends`` (every earlier session
    of theirs is numbered too; the others are not read)."""
    attended = Contact.objects.filter(
        contact_type=ContactType.PROGRAMME,
        outcome=Outcome.ATTENDED_COMPLIED,
        requirement__kind=RequirementKind.PROGRAMME,
        requirement__amount__gt=0,
    )
    in_span = attended.filter(starts_at__gte=starts, starts_at__lt=ends)
    return (
        attended.filter(requirement_id__in=in_span.values("requirement_id"))
        .annotate(
            ordered=F("requirement__amount"),
            session_number=Window(
                RowNumber(),
                partition_by=[F("requirement_id")],
                order_by=[F("starts_at").asc(), F("id").asc()],
            ),
        )
        .filter(session_number=F("ordered"))
    )


def _programme_completions(month: Month) -> QuerySet[Any]:
    starts, ends = _month_span(month)
    completing = _completing_sessions(starts, ends).values("pk")
    return (
        Contact.objects.filter(pk__in=completing, starts_at__gte=starts, starts_at__lt=ends)
        .annotate(
            crc_area_id=crc_area_at(OuterRef("case_id"), before=OuterRef("starts_at")),
            sessions=F("requirement__amount"),
        )
        .filter(crc_area_id__isnull=False)
    )


def _resettlement_plans(month: Month) -> QuerySet[Any]:
    planned = SentencePlan.objects.filter(
        case_id=OuterRef("case_id"),
        agreed_on__isnull=False,
        agreed_on__gte=OuterRef("sentence_date"),
        agreed_on__lte=OuterRef("release_date"),
    )
    return (
        Sentence.objects.filter(
            disposal__in=CUSTODIAL_DISPOSALS,
            release_date__gte=month.starts_on,
            release_date__lte=month.ends_on,
        )
        .filter(Exists(planned))
        .annotate(
            # Responsible at the end of the release day: the sift before release is made
            # 10 working days ahead of it (allocation.md §3).
            crc_area_id=Subquery(
                SiftDecision.objects.filter(
                    case_id=OuterRef("case_id"), decided_at__date__lte=OuterRef("release_date")
                )
                .order_by("-decided_at", "-id")
                .values("organisation__contract_area_id")[:1]
            ),
            plan_agreed_on=Subquery(planned.values("agreed_on")[:1]),
        )
        .filter(crc_area_id__isnull=False)
    )


@dataclass(frozen=True)
class FeeKind:
    """One kind of recorded activity: its words, its unit, its price on the contract terms, how
    its rows are found for a month and what of them is summed."""

    code: str
    description: str
    unit: str
    price_field: str
    rows: Callable[[Month], QuerySet[Any]]
    measure: Callable[[], Any]
    # Where the row's CRN is, from the row.
    crn: str
    # What a row of the list behind a line shows, besides its CRN: (field, heading).
    columns: tuple[tuple[str, str], ...]


FEE_KINDS: dict[str, FeeKind] = {
    kind.code: kind
    for kind in (
        FeeKind(
            ORDERS_MANAGED,
            "Orders managed (community and suspended sentence orders, cases a month)",
            "case-months",
            "order_month_price",
            _orders_managed,
            lambda: Count("pk"),
            "person__crn",
            (
                ("sentence_kind", "Order"),
                ("sentence_starts", "Made on"),
                ("sentence_ends", "Ends on"),
            ),
        ),
        FeeKind(
            LICENCES_MANAGED,
            "Licences and post-sentence supervision managed (cases a month)",
            "case-months",
            "licence_month_price",
            _licences_managed,
            lambda: Count("pk"),
            "person__crn",
            (
                ("sentence_kind", "Sentence"),
                ("sentence_starts", "Released on"),
                ("sentence_ends", "Supervision ends on"),
            ),
        ),
        FeeKind(
            UNPAID_WORK_HOURS,
            "Unpaid work hours delivered",
            "hours",
            "unpaid_work_hour_price",
            _unpaid_work_hours,
            lambda: Sum("hours_credited"),
            "case__person__crn",
            (("starts_at", "Session"), ("hours_credited", "Hours credited")),
        ),
        FeeKind(
            PROGRAMME_COMPLETIONS,
            "Accredited programmes completed",
            "completions",
            "programme_completion_price",
            _programme_completions,
            lambda: Count("pk"),
            "case__person__crn",
            (("starts_at", "Completed at the session of"), ("sessions", "Sessions ordered")),
        ),
        FeeKind(
            RESETTLEMENT_PLANS,
            "Resettlement plans made before release",
            "plans",
            "resettlement_plan_price",
            _resettlement_plans,
            lambda: Count("pk"),
            "case__person__crn",
            (("release_date", "Released on"), ("plan_agreed_on", "Plan agreed on")),
        ),
    )
}


def fee_rows(*, kind: str, month: Month, contract_area_id: int) -> QuerySet[Any]:
    """The rows behind one fee line: the cases, sessions or releases counted for the CRC of
    ``contract_area_id`` in ``month``, ordered by CRN, as dicts of ``crn`` and the kind's
    ``columns``."""
    fee = FEE_KINDS[kind]
    return (
        fee.rows(month)
        .filter(crc_area_id=contract_area_id)
        .order_by(fee.crn, "pk")
        .values(*(name for name, _ in fee.columns), crn=F(fee.crn))
    )


def fee_activity(*, quarter: Quarter) -> dict[tuple[int, str, str], Decimal]:
    """The quarter's activity of every CRC: ``{(contract_area_id, kind, "2025-01"): quantity}``,
    one grouped query for each kind and month (15 in all). Absent keys are zero."""
    activity: dict[tuple[int, str, str], Decimal] = {}
    for kind in FEE_KINDS.values():
        for month in months_of(quarter):
            grouped = (
                kind.rows(month)
                .order_by()
                .values("crc_area_id")
                .annotate(quantity=kind.measure())
                .values_list("crc_area_id", "quantity")
            )
            for area_id, quantity in grouped:
                activity[(int(area_id), kind.code, str(month))] = Decimal(quantity or 0)
    return activity
