"""The activity figures published for each contract area and quarter (transparency).

``docs/domain/reoffending-and-payment.md`` ("Transparency") asks for caseload, allocation
timeliness, breach and recall rates and SFO counts per contract area and quarter. They are counted
here once per run (``probation pbr run``) from aggregate queries, a handful for the whole
country, never one per case, and kept as ``AreaFigures`` so that the public pages and the open
data read stored figures and a published figure can be traced to its run.

What each figure counts (``docs/adr/0019-payment-by-results.md``):

- ``cases_in_quarter``: cases open on any day of the quarter (opened on or before its last day,
  not closed before its first): the denominator of the rates;
- ``caseload_at_end``: cases open at the end of the last day; ``crc_`` and ``nps_caseload_at_end``
  split it by the kind of the responsible organisation;
- ``allocations``: the first assignment of a practitioner after each sift decision that set an
  assignment due day (``docs/domain/allocation.md`` §3), made in the quarter, in the sift's
  contract area; ``allocations_on_time``: of those, the ones made on or before that day (Europe/
  London dates). A later change of practitioner is not an allocation; a sift made before the
  clocks were kept (no due day) is not judged;
- ``breach_referrals``: referrals made in the quarter; ``recalls``: recalls decided in the quarter
  (standard or fixed-term; "no recall" is not one); both by the case's contract area;
- ``serious_further_offences``: SFOs charged in the quarter, by the contract area recorded on the
  SFO (the area responsible when the person was charged).

Cases are counted by their contract area and responsible organisation as recorded when the run is
made: the platform does not date them (a case that moved area since counts in its new one).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

from django.db.models import Count, DateField, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate

from probation.allocation.models import Assignment, SiftDecision
from probation.contracts.models import ContractArea
from probation.enforcement.models import (
    BreachReferral,
    Recall,
    RecallDecision,
    SeriousFurtherOffence,
)
from probation.people.models import Case
from probation.performance.models import AreaFigures, PbrRun
from probation.rules.reoffending import Quarter
from probation.workforce.models import OrganisationKind

LONDON = ZoneInfo("Europe/London")

#: The AreaFigures fields counted here, all zero for an area with nothing in the quarter.
FIELDS = (
    "cases_in_quarter",
    "caseload_at_end",
    "crc_caseload_at_end",
    "nps_caseload_at_end",
    "allocations",
    "allocations_on_time",
    "breach_referrals",
    "recalls",
    "serious_further_offences",
)


def area_figures(*, run: PbrRun, quarter: Quarter) -> list[AreaFigures]:
    """One unsaved ``AreaFigures`` for every contract area (all 21, by code) for ``quarter``.

    Six queries whatever the size of the country; deterministic (same data, same figures).
    """
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    _add_caseloads(counts, quarter)
    _add_allocations(counts, quarter)
    _add_enforcement(counts, quarter)
    return [
        AreaFigures(
            run=run,
            contract_area=area,
            **{name: counts[area.pk][name] for name in FIELDS},
        )
        for area in ContractArea.objects.order_by("code")
    ]


def _quarter_bounds(quarter: Quarter) -> tuple[dt.datetime, dt.datetime]:
    """The quarter as aware datetimes: from its first midnight to the next quarter's (London)."""
    starts = dt.datetime.combine(quarter.starts_on, dt.time.min, tzinfo=LONDON)
    ends = dt.datetime.combine(quarter.ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)
    return starts, ends


def _add_caseloads(counts: dict[int, Counter[str]], quarter: Quarter) -> None:
    open_at_end = Q(closed_on__isnull=True) | Q(closed_on__gt=quarter.ends_on)
    rows = (
        Case.objects.filter(opened_on__lte=quarter.ends_on)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=quarter.starts_on))
        .values("contract_area_id")
        .annotate(
            cases_in_quarter=Count("id"),
            caseload_at_end=Count("id", filter=open_at_end),
            crc_caseload_at_end=Count(
                "id", filter=open_at_end & Q(responsible_organisation__kind=OrganisationKind.CRC)
            ),
            nps_caseload_at_end=Count(
                "id", filter=open_at_end & Q(responsible_organisation__kind=OrganisationKind.NPS)
            ),
        )
        .order_by()
    )
    for row in rows:
        area = counts[row.pop("contract_area_id")]
        area.update(row)


def _first_assignments_after_a_sift(quarter: Quarter) -> QuerySet[Assignment]:
    """Assignments made in the quarter that were the first after the case's latest sift then."""
    starts, ends = _quarter_bounds(quarter)
    latest_sift = SiftDecision.objects.filter(
        case=OuterRef("case_id"), decided_at__lte=OuterRef("assigned_at")
    ).order_by("-decided_at", "-id")
    earlier_since_sift = Assignment.objects.filter(
        case=OuterRef("case_id"), assigned_at__gte=OuterRef("sift_decided_at")
    ).filter(
        Q(assigned_at__lt=OuterRef("assigned_at"))
        | Q(assigned_at=OuterRef("assigned_at"), id__lt=OuterRef("id"))
    )
    return (
        Assignment.objects.filter(assigned_at__gte=starts, assigned_at__lt=ends)
        .annotate(
            sift_decided_at=Subquery(latest_sift.values("decided_at")[:1]),
            sift_due_on=Subquery(
                latest_sift.values("assignment_due_on")[:1], output_field=DateField()
            ),
            sift_area_id=Subquery(latest_sift.values("contract_area_id")[:1]),
            assigned_on=TruncDate("assigned_at", tzinfo=LONDON),
        )
        .filter(sift_due_on__isnull=False)
        .exclude(Exists(earlier_since_sift))
    )


def _add_allocations(counts: dict[int, Counter[str]], quarter: Quarter) -> None:
    rows = (
        _first_assignments_after_a_sift(quarter)  # type: ignore[misc]
        .values("sift_area_id")
        .annotate(
            allocations=Count("id"),
            allocations_on_time=Count("id", filter=Q(assigned_on__lte=F("sift_due_on"))),
        )
        .order_by()
    )
    for row in rows:
        area = counts[row.pop("sift_area_id")]
        area.update(row)


def _add_enforcement(counts: dict[int, Counter[str]], quarter: Quarter) -> None:
    starts, ends = _quarter_bounds(quarter)
    breaches = (
        BreachReferral.objects.filter(referred_at__gte=starts, referred_at__lt=ends)
        .values_list("case__contract_area_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for area_id, n in breaches:
        counts[area_id]["breach_referrals"] += n
    recalls = (
        Recall.objects.filter(
            decided_at__gte=starts,
            decided_at__lt=ends,
            decision__in=[RecallDecision.STANDARD, RecallDecision.FIXED_TERM],
        )
        .values_list("case__contract_area_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for area_id, n in recalls:
        counts[area_id]["recalls"] += n
    sfos = (
        SeriousFurtherOffence.objects.filter(
            charged_on__gte=quarter.starts_on, charged_on__lte=quarter.ends_on
        )
        .values_list("contract_area_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for area_id, n in sfos:
        counts[area_id]["serious_further_offences"] += n
