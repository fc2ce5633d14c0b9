"""Reads for the public performance pages and the open data (no sign-in; figures only, no people).

``docs/domain/reoffending-and-payment.md`` ("Transparency"): per contract area and quarter,
caseload, allocation timeliness, breach and recall rates, SFO counts, reoffending against the
baseline with its confidence band, and outcome payments, with any figure computed from fewer
than 10 people shown as ``*``.

Each quarter is published from its latest run (``PbrRun``, highest id), so a re-run replaces what
is shown while the earlier run stays stored. The page, the CSV and the JSON are all made from one
:class:`PublicTable`, built here in three queries and suppressed as a whole
(``probation.rules.disclosure``) so that every page and download hides the same cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from django.db.models import Max

from probation.performance.models import AreaFigures, AreaResult, Direction, PbrRun
from probation.rules import disclosure
from probation.rules.payment import binary_interval, direction_for
from probation.rules.reoffending import Quarter

#: The code and name of the national row (England and Wales: every contract area).
NATIONAL_CODE = "ALL"
NATIONAL_NAME = "England and Wales"

Kind = Literal["integer", "number", "string"]


@dataclass(frozen=True, slots=True)
class PublicColumn:
    """One published figure: its name in the open data, its heading, its type and unit (the
    Table Schema of ``opendata.schema``), and how small numbers are hidden (``disclosure``)."""

    name: str
    title: str
    kind: Kind
    unit: str
    description: str
    people: bool = False
    additive: bool = False
    computed_from: tuple[str, ...] = ()
    places: int = 0  # decimal places of a number

    @property
    def disclosure(self) -> disclosure.Column:
        return disclosure.Column(
            self.name,
            people=self.people,
            additive=self.additive,
            computed_from=self.computed_from,
        )


def _count(name: str, title: str, unit: str, description: str) -> PublicColumn:
    """A count of people, or of events that each concern one person (a referral, a recall):
    below 10 it is hidden either way."""
    return PublicColumn(name, title, "integer", unit, description, people=True, additive=True)


def _rate(name: str, title: str, unit: str, description: str, *sources: str) -> PublicColumn:
    return PublicColumn(name, title, "number", unit, description, computed_from=sources, places=1)


COLUMNS: tuple[PublicColumn, ...] = (
    _count(
        "cases_in_quarter",
        "Cases in the quarter",
        "cases",
        "Cases open on any day of the quarter (the denominator of the rates per 100 cases).",
    ),
    _count(
        "caseload_at_end", "Caseload at the end", "cases", "Cases open at the end of the quarter."
    ),
    _count(
        "crc_caseload_at_end",
        "CRC caseload",
        "cases",
        "Of the caseload at the end, cases for which the area's CRC is responsible.",
    ),
    _count(
        "nps_caseload_at_end",
        "NPS caseload",
        "cases",
        "Of the caseload at the end, cases for which the National Probation Service is "
        "responsible.",
    ),
    _count(
        "allocations",
        "Allocations",
        "allocations",
        "First assignments of a practitioner after a sift decision, made in the quarter.",
    ),
    _count(
        "allocations_on_time",
        "Allocated on time",
        "allocations",
        "Of the allocations, those made on or before the day the sift set.",
    ),
    _rate(
        "allocations_on_time_percent",
        "Allocated on time (%)",
        "percent",
        "Allocations on time as a percentage of allocations.",
        "allocations_on_time",
        "allocations",
    ),
    _count(
        "breach_referrals", "Breach referrals", "referrals", "Breach referrals made in the quarter."
    ),
    _rate(
        "breach_referrals_per_100",
        "Breach referrals per 100 cases",
        "per 100 cases",
        "Breach referrals per 100 cases in the quarter.",
        "breach_referrals",
        "cases_in_quarter",
    ),
    _count("recalls", "Recalls", "recalls", "Recalls to custody decided in the quarter."),
    _rate(
        "recalls_per_100",
        "Recalls per 100 cases",
        "per 100 cases",
        "Recalls per 100 cases in the quarter.",
        "recalls",
        "cases_in_quarter",
    ),
    _count(
        "serious_further_offences",
        "Serious further offences",
        "offences",
        "Serious further offences charged in the quarter.",
    ),
    _count(
        "cohort_size",
        "Cohort",
        "people",
        "People in the quarter's proven reoffending cohort supervised by the area's CRC.",
    ),
    _count(
        "reoffenders", "Reoffenders", "people", "Cohort members with at least one proven reoffence."
    ),
    _rate(
        "reoffending_rate_percent",
        "Reoffending rate (%)",
        "percent",
        "Reoffenders as a percentage of the cohort (the binary rate).",
        "reoffenders",
        "cohort_size",
    ),
    _rate(
        "expected_rate_percent",
        "Expected rate (%)",
        "percent",
        "The reoffending rate expected had the area performed as in its baseline, adjusted for "
        "the cohort's OGRS3 scores.",
        "cohort_size",
    ),
    _rate(
        "expected_rate_lower_percent",
        "Expected: lower limit (%)",
        "percent",
        "Lower limit of the 95% band around the expected rate: an actual rate below it is "
        "significantly better.",
        "cohort_size",
    ),
    _rate(
        "expected_rate_upper_percent",
        "Expected: upper limit (%)",
        "percent",
        "Upper limit of the 95% band around the expected rate: an actual rate above it is "
        "significantly worse.",
        "cohort_size",
    ),
    PublicColumn(
        "reoffending_compared_with_baseline",
        "Reoffending against the baseline",
        "string",
        "",
        "Whether the reoffending rate is significantly better or worse than expected (95% level).",
        computed_from=("reoffenders", "cohort_size"),
    ),
    PublicColumn(
        "reoffences",
        "Reoffences",
        "integer",
        "offences",
        "Proven reoffences committed by the cohort.",
        additive=True,
        computed_from=("reoffenders",),
    ),
    PublicColumn(
        "reoffences_per_reoffender",
        "Reoffences per reoffender",
        "number",
        "offences per reoffender",
        "Proven reoffences per reoffender (the frequency measure).",
        computed_from=("reoffences", "reoffenders"),
        places=2,
    ),
    _rate(
        "reoffences_per_100",
        "Reoffences per 100 people",
        "offences per 100 people",
        "Proven reoffences per 100 people in the cohort.",
        "reoffences",
        "cohort_size",
    ),
    PublicColumn(
        "frequency_compared_with_baseline",
        "Frequency against the baseline",
        "string",
        "",
        "Whether reoffences per reoffender are significantly fewer or more than expected.",
        computed_from=("reoffences", "reoffenders"),
    ),
    PublicColumn(
        "outcome_payment",
        "Outcome payment (£)",
        "number",
        "GBP",
        "Outcome payment earned by a significant improvement (none while provisional).",
        additive=True,
        computed_from=("cohort_size",),
        places=2,
    ),
    PublicColumn(
        "outcome_deduction",
        "Outcome deduction (£)",
        "number",
        "GBP",
        "Deduction for a significant deterioration (none while provisional).",
        additive=True,
        computed_from=("cohort_size",),
        places=2,
    ),
)
COLUMN = {column.name: column for column in COLUMNS}
#: In every row the caseload is the CRC's and the NPS's together.
ROW_SUMS = (disclosure.RowSum("caseload_at_end", ("crc_caseload_at_end", "nps_caseload_at_end")),)
#: Columns counted for every area by ``figures.area_figures``.
FIGURE_COLUMNS = (
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

Raw = int | float | Decimal | str | None
Published = int | Decimal | str | None


@dataclass(frozen=True, slots=True)
class PublicCell:
    """One published cell: ``value`` as rounded for publication (None when not available),
    or hidden (``suppressed``: shown as ``*``)."""

    column: PublicColumn
    value: Published
    suppressed: bool

    @property
    def available(self) -> bool:
        return self.value is not None

    @property
    def text(self) -> str:
        """The cell as the page shows it (``*`` when hidden, a dash when not available)."""
        if self.suppressed:
            return "*"
        if self.value is None:
            return "–"
        if isinstance(self.value, int):
            return f"{self.value:,}"
        if isinstance(self.value, Decimal):
            return f"{self.value:,}"
        return str(self.value)


@dataclass(frozen=True, slots=True)
class PublicRow:
    code: str
    name: str
    cells: dict[str, PublicCell]

    @property
    def is_national(self) -> bool:
        return self.code == NATIONAL_CODE

    def __getitem__(self, name: str) -> PublicCell:
        return self.cells[name]


def quarter_words(quarter: Quarter) -> str:
    """``2025Q1`` → "January to March 2025" (the pages give dates in words)."""
    return f"{quarter.starts_on:%B} to {quarter.ends_on:%B} {quarter.year}"


@dataclass(frozen=True, slots=True)
class PublishedQuarter:
    quarter: Quarter
    run: PbrRun

    @property
    def words(self) -> str:
        return quarter_words(self.quarter)


@dataclass(frozen=True, slots=True)
class PublicTable:
    """A quarter's published table: one row per contract area (by code), then the national row."""

    quarter: Quarter
    run: PbrRun
    rows: tuple[PublicRow, ...]

    @property
    def words(self) -> str:
        return quarter_words(self.quarter)

    @property
    def areas(self) -> tuple[PublicRow, ...]:
        return self.rows[:-1]

    @property
    def national(self) -> PublicRow:
        return self.rows[-1]

    def row(self, code: str) -> PublicRow | None:
        return next((row for row in self.rows if row.code == code), None)

    @property
    def any_suppressed(self) -> bool:
        return any(cell.suppressed for row in self.rows for cell in row.cells.values())


def published_quarters() -> list[PublishedQuarter]:
    """Every quarter with a run, newest first, each with its latest run (one query)."""
    latest = PbrRun.objects.values("quarter").annotate(latest=Max("id")).values("latest")
    runs = PbrRun.objects.filter(id__in=latest)
    found = []
    for run in runs:
        try:
            found.append(PublishedQuarter(Quarter.parse(run.quarter), run))
        except ValueError:
            continue  # a malformed quarter is never published
    return sorted(found, key=lambda published: published.quarter, reverse=True)


def published_run(quarter: Quarter) -> PbrRun | None:
    """The run a quarter is published from: its latest."""
    return PbrRun.objects.filter(quarter=str(quarter)).order_by("-id").first()


def quarter_table(*, quarter: Quarter) -> PublicTable | None:
    """The quarter's published table, suppressed, or None if the quarter has no run (3 queries)."""
    run = published_run(quarter)
    if run is None:
        return None
    figures = list(
        AreaFigures.objects.filter(run=run)
        .select_related("contract_area")
        .order_by("contract_area__code")
    )
    results = {result.contract_area_id: result for result in AreaResult.objects.filter(run=run)}
    raw_rows: dict[str, dict[str, Raw]] = {}
    names: dict[str, str] = {}
    for figure in figures:
        code = figure.contract_area.code
        names[code] = figure.contract_area.name
        raw_rows[code] = _area_raw(figure, results.get(figure.contract_area_id))
    raw_rows[NATIONAL_CODE] = _national_raw(figures, list(results.values()))
    names[NATIONAL_CODE] = NATIONAL_NAME
    hidden = disclosure.suppressed_cells(
        disclosure.Table(
            columns=tuple(column.disclosure for column in COLUMNS),
            rows={code: _numbers_only(raw) for code, raw in raw_rows.items()},
            total_row=NATIONAL_CODE,
            row_sums=ROW_SUMS,
        )
    )
    rows = tuple(
        PublicRow(
            code=code,
            name=names[code],
            cells={
                column.name: PublicCell(
                    column=column,
                    value=None if (code, column.name) in hidden else _published(column, raw),
                    suppressed=(code, column.name) in hidden,
                )
                for column in COLUMNS
                for raw in [raw_rows[code].get(column.name)]
            },
        )
        for code in raw_rows
    )
    return PublicTable(quarter=quarter, run=run, rows=rows)


def _numbers_only(raw: dict[str, Raw]) -> dict[str, int | float | Decimal | None]:
    """For the suppression rules, a word (a significance) is a figure like any other: present
    (0) or not available (None)."""
    return {name: (0 if isinstance(value, str) else value) for name, value in raw.items()}


def _published(column: PublicColumn, value: Raw) -> Published:
    if value is None or isinstance(value, str):
        return value
    if column.kind == "integer":
        return int(value)
    quantum = Decimal(1).scaleb(-column.places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def _per(numerator: float, denominator: float, scale: float = 100.0) -> float | None:
    return None if not denominator else scale * numerator / denominator


def _figures_raw(values: Callable[[str], int]) -> dict[str, Raw]:
    raw: dict[str, Raw] = {name: values(name) for name in FIGURE_COLUMNS}
    cases = values("cases_in_quarter")
    raw["allocations_on_time_percent"] = _per(values("allocations_on_time"), values("allocations"))
    raw["breach_referrals_per_100"] = _per(values("breach_referrals"), cases)
    raw["recalls_per_100"] = _per(values("recalls"), cases)
    return raw


_WORDS = {
    Direction.IMPROVED: "Significantly better",
    Direction.WORSE: "Significantly worse",
    Direction.NO_CHANGE: "No significant difference",
    Direction.NOT_ASSESSED: "Not assessed",
}


def _words(direction: str) -> str:
    """A direction in words; one the pages do not know is "Not assessed", never an error."""
    try:
        return _WORDS[Direction(direction)]
    except ValueError:
        return _WORDS[Direction.NOT_ASSESSED]


def _reoffending_raw(
    *,
    cohort_size: int,
    reoffenders: int,
    reoffences: int,
    expected: float | None,
    variance: float | None,
    binary_direction: str,
    frequency_direction: str,
    payment: Decimal,
    deduction: Decimal,
) -> dict[str, Raw]:
    raw: dict[str, Raw] = {
        "cohort_size": cohort_size,
        "reoffenders": reoffenders,
        "reoffences": reoffences,
        "reoffending_rate_percent": _per(reoffenders, cohort_size),
        "reoffences_per_reoffender": _per(reoffences, reoffenders, 1.0),
        "reoffences_per_100": _per(reoffences, cohort_size),
        "reoffending_compared_with_baseline": _words(binary_direction),
        "frequency_compared_with_baseline": _words(frequency_direction),
        "outcome_payment": payment,
        "outcome_deduction": deduction,
        "expected_rate_percent": None,
        "expected_rate_lower_percent": None,
        "expected_rate_upper_percent": None,
    }
    if expected is not None and variance is not None and cohort_size > 0:
        low, high = binary_interval(expected=expected, variance=variance, cohort_size=cohort_size)
        raw["expected_rate_percent"] = 100 * expected / cohort_size
        raw["expected_rate_lower_percent"] = 100 * low
        raw["expected_rate_upper_percent"] = 100 * high
    return raw


def _area_raw(figure: AreaFigures, result: AreaResult | None) -> dict[str, Raw]:
    raw = _figures_raw(lambda name: int(getattr(figure, name)))
    if result is not None:
        raw |= _reoffending_raw(
            cohort_size=result.cohort_size,
            reoffenders=result.reoffenders,
            reoffences=result.reoffences,
            expected=result.expected_reoffenders,
            variance=result.variance,
            binary_direction=result.binary_direction,
            frequency_direction=result.frequency_direction,
            payment=result.outcome_payment,
            deduction=result.outcome_deduction,
        )
    return raw


def _national_raw(figures: Sequence[AreaFigures], results: Sequence[AreaResult]) -> dict[str, Raw]:
    """The sums of the areas; the national reoffending test adds the areas' expected figures
    and variances (the areas' cohorts are independent), and is given only when every area with
    a cohort had one."""
    raw = _figures_raw(lambda name: sum(int(getattr(f, name)) for f in figures))
    if not results:
        return raw
    cohort = sum(r.cohort_size for r in results)
    reoffenders = sum(r.reoffenders for r in results)
    complete = all(r.expected_reoffenders is not None and r.variance is not None for r in results)
    expected = sum(r.expected_reoffenders or 0.0 for r in results) if complete else None
    variance = sum(r.variance or 0.0 for r in results) if complete else None
    z = (
        (expected - reoffenders) / math.sqrt(variance)
        if expected is not None and variance
        else None
    )
    frequency_complete = all(
        r.expected_reoffences is not None and r.frequency_variance is not None for r in results
    )
    frequency_variance = sum(r.frequency_variance or 0.0 for r in results)
    frequency_z = (
        (sum(r.expected_reoffences or 0.0 for r in results) - sum(r.reoffences for r in results))
        / math.sqrt(frequency_variance)
        if frequency_complete and frequency_variance
        else None
    )
    raw |= _reoffending_raw(
        cohort_size=cohort,
        reoffenders=reoffenders,
        reoffences=sum(r.reoffences for r in results),
        expected=expected,
        variance=variance,
        binary_direction=direction_for(z),
        frequency_direction=direction_for(frequency_z),
        payment=sum((r.outcome_payment for r in results), Decimal(0)),
        deduction=sum((r.outcome_deduction for r in results), Decimal(0)),
    )
    return raw
