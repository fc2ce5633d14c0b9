"""Gaming indicators for a run: one judgement per contract area and kind, with its figures.

Spec: ``docs/domain/reoffending-and-payment.md`` ("Indicators of gaming"); the judgements are
``probation.rules.gaming`` and the definitions are recorded in
``docs/adr/0019-payment-by-results.md``. What is counted:

- **the cases judged** for parking, breach and recall rates: cases supervised by a CRC (the
  responsible organisation, as recorded when the run is made) open on any day of the quarter,
  by the case's contract area;
- **parking**: contacts that took place (the person attended: ``ATTENDED_OUTCOMES``) in the
  quarter, of the kinds an officer chooses how often to hold (supervision appointments, home
  visits, phone and video calls; unpaid work and programme sessions follow the sentence, not the
  provider), per case-month open in the quarter, by the OGRS3 band of the case's latest
  assessment on or before the quarter's last day. Cases without a band are not compared;
- **breach and recall rates**: of those cases, the ones with a breach referral made by a CRC in
  the quarter, and the ones with a recall (standard or fixed-term) requested by a CRC and decided
  in the quarter. A case counts once, so the rate is a proportion and the funnel's binomial limits
  apply; the national rate is all areas' cases together;
- **early exits**: cohort members (the run's members frame) whose case left their CRC within the
  12-month follow-up (``index_date < exit <= index_date + 12 months``): a transfer out accepted,
  an escalation confirmed (the case moves to the NPS when the NPS confirms it), or an order
  terminated early by a court. These take a member out of the CRC's supervision while the
  cohort's reoffending is still being counted against it.

This is a read layer: aggregated queries (a handful for the whole country, never one per case)
and a Polars join for the early exits; nothing is saved. :func:`indicator_flags` returns unsaved
``IndicatorFlag`` records in the same order for the same data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate

from probation.allocation.models import Escalation, EscalationState, Transfer, TransferState
from probation.contracts.models import ContractArea
from probation.courts.models import Sentence, SentenceStatus
from probation.enforcement.models import BreachReferral, Recall, RecallDecision
from probation.people.models import Case
from probation.performance.models import IndicatorFlag, IndicatorKind, PbrRun
from probation.risk.models import Assessment
from probation.rules import gaming
from probation.rules.dates import add_months
from probation.rules.reoffending import FOLLOW_UP_MONTHS, Quarter
from probation.supervision.models import ATTENDED_OUTCOMES, Contact, ContactType
from probation.workforce.models import OrganisationKind

LONDON = ZoneInfo("Europe/London")

#: The order of the kinds for each area.
KINDS = (
    IndicatorKind.PARKING,
    IndicatorKind.BREACH_RATE,
    IndicatorKind.RECALL_RATE,
    IndicatorKind.EARLY_EXITS,
)
#: Contacts whose frequency the officer decides (``docs/adr/0019-payment-by-results.md``).
OFFICER_CONTACT_TYPES = (
    ContactType.SUPERVISION,
    ContactType.HOME_VISIT,
    ContactType.PHONE,
    ContactType.VIDEO,
)
#: Days in an average month, to turn days open into case-months.
DAYS_A_MONTH = 365.25 / 12
#: How each kind names its events in the explanation.
_WHAT = {
    IndicatorKind.BREACH_RATE: "cases referred for breach",
    IndicatorKind.RECALL_RATE: "cases recalled",
    IndicatorKind.EARLY_EXITS: "early exits",
}
_EXIT_KINDS = ("transfer", "escalation", "termination")


def _bounds(quarter: Quarter) -> tuple[dt.datetime, dt.datetime]:
    """The quarter as aware datetimes, from its first midnight to the next quarter's (London)."""
    starts = dt.datetime.combine(quarter.starts_on, dt.time.min, tzinfo=LONDON)
    ends = dt.datetime.combine(quarter.ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)
    return starts, ends


def crc_cases_in_quarter(quarter: Quarter) -> Any:
    """CRC-supervised cases open on any day of the quarter."""
    return (
        Case.objects.filter(
            responsible_organisation__kind=OrganisationKind.CRC, opened_on__lte=quarter.ends_on
        )
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=quarter.starts_on))
        .order_by()
    )


def case_figures(quarter: Quarter) -> list[dict[str, Any]]:
    """One query: per (contract area, OGRS3 band) the cases, days open, contacts, breached and
    recalled cases of the CRC-supervised cases in the quarter. ``band`` is None without one."""
    starts, ends = _bounds(quarter)
    band = (
        Assessment.objects.filter(case=OuterRef("pk"), assessed_on__lte=quarter.ends_on)
        .exclude(ogrs3_band="")
        .order_by("-assessed_on", "-id")
        .values("ogrs3_band")[:1]
    )
    contacts = (
        Contact.objects.filter(
            case=OuterRef("pk"),
            starts_at__gte=starts,
            starts_at__lt=ends,
            outcome__in=ATTENDED_OUTCOMES,
            contact_type__in=OFFICER_CONTACT_TYPES,
        )
        .order_by()
        .values("case")
        .annotate(n=Count("id"))
        .values("n")
    )
    breached = BreachReferral.objects.filter(
        case=OuterRef("pk"),
        referred_at__gte=starts,
        referred_at__lt=ends,
        from_organisation__kind=OrganisationKind.CRC,
    )
    recalled = Recall.objects.filter(
        case=OuterRef("pk"),
        decided_at__gte=starts,
        decided_at__lt=ends,
        decision__in=[RecallDecision.STANDARD, RecallDecision.FIXED_TERM],
        from_organisation__kind=OrganisationKind.CRC,
    )
    rows = (
        crc_cases_in_quarter(quarter)
        .annotate(
            band=Subquery(band),
            contact_count=Coalesce(Subquery(contacts, output_field=IntegerField()), 0),
            open_from=Greatest("opened_on", Value(quarter.starts_on)),
            open_to=Least(Coalesce("closed_on", Value(quarter.ends_on)), Value(quarter.ends_on)),
            open_for=ExpressionWrapper(F("open_to") - F("open_from"), output_field=DurationField()),
            breached=Exists(breached),
            recalled=Exists(recalled),
        )
        .values("contract_area_id", "band")
        .annotate(
            cases=Count("id"),
            contacts=Sum("contact_count"),
            open_for_total=Sum("open_for"),
            breached_cases=Count("id", filter=Q(breached=True)),
            recalled_cases=Count("id", filter=Q(recalled=True)),
        )
        .order_by("contract_area_id", "band")
    )
    result = []
    for row in rows:
        total: dt.timedelta | None = row["open_for_total"]
        # Each case is open from open_from to open_to inclusive: one more day than the span.
        days = (total.days if total is not None else 0) + row["cases"]
        result.append(
            {
                "contract_area_id": row["contract_area_id"],
                "band": row["band"] or None,
                "cases": row["cases"],
                "contacts": row["contacts"] or 0,
                "case_months": days / DAYS_A_MONTH,
                "breached": row["breached_cases"],
                "recalled": row["recalled_cases"],
            }
        )
    return result


def exits(quarter: Quarter) -> pl.DataFrame:
    """Every way a case left a CRC between the quarter's first day and 12 months after its last:
    ``case_id``, ``exit_on`` (London date), ``kind``, ``from_organisation_id`` (None for an order
    terminated: the court ends it whoever supervises)."""
    first = quarter.starts_on
    last = add_months(quarter.ends_on, FOLLOW_UP_MONTHS)
    starts = dt.datetime.combine(first, dt.time.min, tzinfo=LONDON)
    ends = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)
    transfers = (
        Transfer.objects.filter(
            state=TransferState.ACCEPTED,
            decided_at__gte=starts,
            decided_at__lt=ends,
            from_organisation__kind=OrganisationKind.CRC,
        )
        .order_by()
        .values_list("case_id", TruncDate("decided_at", tzinfo=LONDON), "from_organisation_id")
    )
    escalations = (
        Escalation.objects.filter(
            state__in=[EscalationState.CONFIRMED, EscalationState.TRANSFERRED],
            decided_at__gte=starts,
            decided_at__lt=ends,
            from_organisation__kind=OrganisationKind.CRC,
        )
        .order_by()
        .values_list("case_id", TruncDate("decided_at", tzinfo=LONDON), "from_organisation_id")
    )
    terminations = (
        Sentence.objects.filter(
            status=SentenceStatus.TERMINATED, ended_on__gte=first, ended_on__lte=last
        )
        .order_by()
        .values_list("case_id", "ended_on")
    )
    rows = [(c, d, "transfer", o) for c, d, o in transfers]
    rows += [(c, d, "escalation", o) for c, d, o in escalations]
    rows += [(c, d, "termination", None) for c, d in terminations]
    return pl.DataFrame(
        rows,
        schema={
            "case_id": pl.Int64,
            "exit_on": pl.Date,
            "kind": pl.String,
            "from_organisation_id": pl.Int64,
        },
        orient="row",
    )


def early_exits(members: pl.DataFrame, exit_rows: pl.DataFrame) -> dict[int, dict[str, int]]:
    """Per contract area id: ``members`` and the members with an early exit (``any``) and with
    each kind of exit, counting a member once per kind."""
    frame = members.select(
        pl.col("person_id"),
        pl.col("case_id").cast(pl.Int64),
        pl.col("contract_area_id").cast(pl.Int64),
        pl.col("organisation_id").cast(pl.Int64),
        pl.col("index_date").cast(pl.Date),
    )
    sizes = frame.group_by("contract_area_id").agg(pl.len().alias("members"))
    matched = (
        frame.join(exit_rows, on="case_id", how="inner")
        .filter(
            (pl.col("exit_on") > pl.col("index_date"))
            & (pl.col("exit_on") <= pl.col("index_date").dt.offset_by(f"{FOLLOW_UP_MONTHS}mo"))
            & (
                pl.col("from_organisation_id").is_null()
                | (pl.col("from_organisation_id") == pl.col("organisation_id"))
            )
        )
        .select("contract_area_id", "person_id", "kind")
        .unique()
    )
    by_kind = matched.group_by("contract_area_id", "kind").agg(pl.len().alias("n"))
    anyone = (
        matched.select("contract_area_id", "person_id")
        .unique()
        .group_by("contract_area_id")
        .agg(pl.len().alias("n"))
    )
    result: dict[int, dict[str, int]] = defaultdict(
        lambda: {"members": 0, "any": 0, **dict.fromkeys(_EXIT_KINDS, 0)}
    )
    for area_id, size in sizes.iter_rows():
        result[area_id]["members"] = size
    for area_id, n in anyone.iter_rows():
        result[area_id]["any"] = n
    for area_id, kind, n in by_kind.iter_rows():
        result[area_id][kind] = n
    return dict(result)


def _flag(run: PbrRun, area: ContractArea, kind: str, judgement: gaming.Judgement) -> IndicatorFlag:
    return IndicatorFlag(
        run=run,
        contract_area=area,
        kind=kind,
        flagged=judgement.flagged,
        figures=dict(judgement.figures),
        explanation=judgement.explanation[:400],
    )


def _national_rate(events: int, cases: int) -> float:
    return 100 * events / cases if cases else 0.0


def indicator_flags(*, run: PbrRun, quarter: Quarter, members: pl.DataFrame) -> list[IndicatorFlag]:
    """Unsaved flags: for each of the 21 contract areas (by code), one per kind (:data:`KINDS`)."""
    figures = case_figures(quarter)
    bands: dict[int, dict[str, tuple[int, float, int]]] = defaultdict(dict)
    totals: dict[int, dict[str, int]] = defaultdict(
        lambda: {"cases": 0, "breached": 0, "recalled": 0}
    )
    for row in figures:
        area_total = totals[row["contract_area_id"]]
        for name in ("cases", "breached", "recalled"):
            area_total[name] += row[name]
        if row["band"] is not None:
            bands[row["contract_area_id"]][row["band"]] = (
                row["contacts"],
                row["case_months"],
                row["cases"],
            )
    national_cases = sum(t["cases"] for t in totals.values())
    national_breach = _national_rate(sum(t["breached"] for t in totals.values()), national_cases)
    national_recall = _national_rate(sum(t["recalled"] for t in totals.values()), national_cases)
    leaving = early_exits(members, exits(quarter))
    national_members = sum(e["members"] for e in leaving.values())
    national_exits = _national_rate(sum(e["any"] for e in leaving.values()), national_members)

    flags = []
    for area in ContractArea.objects.order_by("code"):
        total = totals.get(area.pk, {"cases": 0, "breached": 0, "recalled": 0})
        exit_counts = leaving.get(
            area.pk, {"members": 0, "any": 0, **dict.fromkeys(_EXIT_KINDS, 0)}
        )
        parking = gaming.parking(bands.get(area.pk, {}))
        breach = gaming.funnel(
            events=total["breached"],
            cases=total["cases"],
            national_rate=national_breach,
            what=_WHAT[IndicatorKind.BREACH_RATE],
        )
        recall = gaming.funnel(
            events=total["recalled"],
            cases=total["cases"],
            national_rate=national_recall,
            what=_WHAT[IndicatorKind.RECALL_RATE],
        )
        early = gaming.funnel(
            events=exit_counts["any"],
            cases=exit_counts["members"],
            national_rate=national_exits,
            what=_WHAT[IndicatorKind.EARLY_EXITS],
        )
        early = gaming.Judgement(
            early.flagged,
            early.explanation,
            {**early.figures, **{f"{kind}s": exit_counts[kind] for kind in _EXIT_KINDS}},
        )
        for kind, judgement in zip(KINDS, (parking, breach, recall, early), strict=True):
            flags.append(_flag(run, area, kind, judgement))
    return flags
