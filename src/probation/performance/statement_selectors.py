"""Reads of the payment statements and of the rows behind their figures, for contract managers
and auditors (``docs/domain/reoffending-and-payment.md``: "Every figure on a payment statement
links to the cohort and the data it came from").

Who may read: a contract manager or an auditor. Staff of a CRC read their own contract area's
statements only (as the contract manager's home shows them their own area); the commissioner's
and the NPS's read every area.

Statements are read from the run that made them. The rows behind a cohort line are the run's
stored cohort (``CohortMember``); the rows behind a fee or a deduction are found again from the
platform's records by the same query that counted them (``performance/fees.py``,
``performance/service_levels.py``), so the page also says how many were counted at the run, in
case a record has changed since.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, QuerySet

from probation.contracts.models import ContractArea
from probation.contracts.selectors import contract_areas_with_owners
from probation.core.limits import date_in_words
from probation.core.templatetags.openprobation import datetime_in_words
from probation.courts.models import Disposal
from probation.performance.access import may_read_contract_figures
from probation.performance.fees import FEE_KINDS, Month, fee_rows, months_of
from probation.performance.models import (
    AreaResult,
    Direction,
    IndexKind,
    IndicatorFlag,
    LineSection,
    PbrRun,
    Statement,
    StatementLine,
)
from probation.performance.service_levels import SERVICE_LEVEL_KINDS, service_level_rows
from probation.performance.statements import COHORT
from probation.rules.reoffending import Quarter
from probation.workforce.selectors import contract_areas_overseen_by

#: The roles that may read statements, indicators and the rows behind them (pbr-interfaces).
#: The largest id a 64-bit key can hold: a longer number in a URL is no run, not an error.
MAX_ID = 2**63 - 1

_AREA_CODE = re.compile(r"^C\d{2}$")

#: Every kind of row a statement line can link to.
ROW_KINDS = (COHORT, *FEE_KINDS, *SERVICE_LEVEL_KINDS)


may_read_statements = may_read_contract_figures


def money(amount: Decimal) -> str:
    """``£1,234.50``; a deduction ``\u2212£60.00`` (a minus sign, U+2212, not a hyphen)."""
    sign = "\u2212" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


def quantity_text(quantity: Decimal) -> str:
    """A count without decimals, hours with them: ``12``, ``3.5``."""
    text = f"{quantity:,.2f}"
    return text[:-3] if text.endswith(".00") else text.rstrip("0")


def latest_run_ids() -> dict[str, int]:
    """The latest run of each quarter (what the pages show): ``{"2025Q1": run id}``."""
    return dict(
        PbrRun.objects.values("quarter").annotate(latest=Max("id")).values_list("quarter", "latest")
    )


@dataclass(frozen=True)
class QuarterStatements:
    run: PbrRun
    statements: list[Statement]


def statement_list(*, for_user: Any) -> list[QuarterStatements]:
    """Each quarter (newest first) with its latest run and that run's statements for the
    areas ``for_user`` may read, in area order. Two queries."""
    latest = latest_run_ids()
    codes = contract_areas_overseen_by(for_user)
    statements = (
        Statement.objects.filter(run_id__in=latest.values())
        .select_related("run", "contract_area", "provider")
        .order_by("-run__quarter", "contract_area__code")
    )
    if codes is not None:
        statements = statements.filter(contract_area__code__in=codes)
    by_run: dict[int, list[Statement]] = {}
    runs: dict[int, PbrRun] = {}
    for statement in statements:
        by_run.setdefault(statement.run_id, []).append(statement)
        runs[statement.run_id] = statement.run
    missing = set(latest.values()) - set(runs)
    for run in PbrRun.objects.filter(pk__in=missing):
        runs[run.pk] = run
    ordered = sorted(runs.values(), key=lambda run: run.quarter, reverse=True)
    return [QuarterStatements(run=run, statements=by_run.get(run.pk, [])) for run in ordered]


def statement_for(*, for_user: Any, run_id: int, area_code: str) -> Statement | None:
    """One statement with its run, area, provider and terms, or ``None`` when there is none or
    ``for_user`` may not read it (the page answers both with 404)."""
    if not (0 < run_id <= MAX_ID) or not _AREA_CODE.match(area_code):
        return None
    codes = contract_areas_overseen_by(for_user)
    if codes is not None and area_code not in codes:
        return None
    return (
        Statement.objects.filter(run_id=run_id, contract_area__code=area_code)
        .select_related("run", "contract_area", "provider", "terms")
        .first()
    )


@dataclass(frozen=True)
class LineView:
    """A statement line as the page, the CSV and the PDF show it."""

    line: StatementLine
    quantity: str
    unit_price: str
    amount: str
    rows_kind: str
    rows_month: str


@dataclass(frozen=True)
class SectionView:
    code: str
    title: str
    lines: list[LineView]
    subtotal: str


@dataclass(frozen=True)
class StatementView:
    statement: Statement
    run: PbrRun
    quarter: Quarter
    sections: list[SectionView]
    total: str
    result: AreaResult | None
    flags: int


def statement_view(statement: Statement) -> StatementView:
    """The statement in sections, every figure formatted, with the area's result and the
    number of gaming indicators flagged for the same run. Three queries."""
    lines = list(statement.lines.order_by("id"))
    sections = []
    for code, title in LineSection.choices:
        mine = [line for line in lines if line.section == code]
        sections.append(
            SectionView(
                code=code,
                title=str(title),
                lines=[
                    LineView(
                        line=line,
                        quantity=quantity_text(line.quantity),
                        unit_price=money(line.unit_price),
                        amount=money(line.amount),
                        rows_kind=str(line.source.get("kind", "")),
                        rows_month=str(line.source.get("month", "")),
                    )
                    for line in mine
                ],
                subtotal=money(sum((line.amount for line in mine), Decimal(0))),
            )
        )
    result = AreaResult.objects.filter(
        run_id=statement.run_id, contract_area_id=statement.contract_area_id
    ).first()
    flags = IndicatorFlag.objects.filter(
        run_id=statement.run_id, contract_area_id=statement.contract_area_id, flagged=True
    ).count()
    return StatementView(
        statement=statement,
        run=statement.run,
        quarter=Quarter.parse(statement.run.quarter),
        sections=sections,
        total=money(statement.total),
        result=result,
        flags=flags,
    )


@dataclass(frozen=True)
class RowsBehind:
    """The rows behind a statement line: what they are, their columns, the rows themselves (dicts
    with ``crn``; a queryset to page through) and what the statement counted."""

    kind: str
    title: str
    month: Month | None
    columns: tuple[tuple[str, str], ...]
    rows: QuerySet[Any] | list[dict[str, Any]]
    counted: Decimal | None


_COHORT_COLUMNS = (
    ("index_date", "Index date"),
    ("index_kind", "Index event"),
    ("ogrs3_one_year", "OGRS3 one-year (%)"),
    ("reoffences", "Proven reoffences"),
)


def _counted(statement: Statement, kind: str, month: Month | None) -> Decimal | None:
    for line in statement.lines.filter(source__kind=kind):
        if month is None or line.source.get("month") == str(month):
            return line.quantity
    return None


def rows_behind(*, statement: Statement, kind: str, month_text: str | None) -> RowsBehind | None:
    """The rows behind the line of ``statement`` that ``kind`` (and, for a fee, the month) names,
    or ``None`` when the statement has no such line (the page answers 404)."""
    quarter = Quarter.parse(statement.run.quarter)
    area_id = statement.contract_area_id
    if kind == COHORT:
        if month_text:
            return None
        members = (
            statement.run.members.filter(contract_area_id=area_id)
            .order_by("person__crn", "index_date", "id")
            .values(*(name for name, _ in _COHORT_COLUMNS), crn=F("person__crn"))
        )
        counted = (
            AreaResult.objects.filter(run_id=statement.run_id, contract_area_id=area_id)
            .values_list("cohort_size", flat=True)
            .first()
        )
        return RowsBehind(
            kind=kind,
            title="The cohort: everyone whose index event in the quarter was supervised by the CRC",
            month=None,
            columns=_COHORT_COLUMNS,
            rows=members,
            counted=Decimal(counted) if counted is not None else None,
        )
    if kind in FEE_KINDS:
        try:
            month = Month.parse(month_text or "")
        except ValueError:
            return None
        if month not in months_of(quarter):
            return None
        fee = FEE_KINDS[kind]
        return RowsBehind(
            kind=kind,
            title=f"{fee.description}, {month.in_words}",
            month=month,
            columns=fee.columns,
            rows=fee_rows(kind=kind, month=month, contract_area_id=area_id),
            counted=_counted(statement, kind, month),
        )
    if kind in SERVICE_LEVEL_KINDS and not month_text:
        level = SERVICE_LEVEL_KINDS[kind]
        return RowsBehind(
            kind=kind,
            title=level.description,
            month=None,
            columns=level.columns,
            rows=service_level_rows(
                kind=kind,
                quarter=quarter,
                measured_on=statement.run.measured_on,
                contract_area_id=area_id,
            ),
            counted=_counted(statement, kind, None),
        )
    return None


#: Columns whose values are choices, shown by their labels.
_LABELS: dict[str, dict[str, str]] = {
    "index_kind": dict(IndexKind.choices),
    "sentence_kind": dict(Disposal.choices),
}


#: What an empty value means in the rows behind a line: the step that was never taken.
_MISSING = {
    "assigned_at": "Not assigned",
    "referred_at": "Not referred",
    "held_on": "Not held",
    "ogrs3_one_year": "No score",
}


def cell_text(name: str, value: Any) -> str:
    """A row's value as the rows page and its CSV show it: dates in words, choices by label."""
    if value is None:
        return _MISSING.get(name, "–")
    if isinstance(value, dt.datetime):
        return datetime_in_words(value)
    if isinstance(value, dt.date):
        return date_in_words(value)
    if isinstance(value, Decimal):
        return quantity_text(value)
    return str(_LABELS.get(name, {}).get(value, value))


def row_cells(row: dict[str, Any], columns: tuple[tuple[str, str], ...]) -> list[str]:
    """One row's cells in the order of ``columns`` (the CRN first is the caller's)."""
    return [cell_text(name, row.get(name)) for name, _ in columns]


# The contract manager's home ---------------------------------------------------------------


@dataclass(frozen=True)
class AreaAtAGlance:
    """One contract area's quarter on the contract manager's home."""

    code: str
    name: str
    provider: str
    cohort_size: int | None
    rate: float | None  # reoffenders ÷ cohort, a fraction
    expected_rate: float | None  # expected reoffenders at baseline performance ÷ cohort
    significance: str
    outcome_payment: str
    outcome_deduction: str
    total: str | None
    flags: int
    has_statement: bool

    @property
    def rate_text(self) -> str:
        return _percent(self.rate)

    @property
    def expected_rate_text(self) -> str:
        return _percent(self.expected_rate)


def _percent(fraction: float | None) -> str:
    return "\u2013" if fraction is None else f"{100 * fraction:.1f}%"


@dataclass(frozen=True)
class QuarterAtAGlance:
    run: PbrRun
    quarter: Quarter
    areas: list[AreaAtAGlance]


def _significance(result: AreaResult | None) -> str:
    if result is None:
        return "No result"
    binary = Direction(result.binary_direction).label
    frequency = Direction(result.frequency_direction).label.lower()
    return f"{binary}; reoffences: {frequency}."


def _at_a_glance(run: PbrRun, codes: list[str] | None) -> QuarterAtAGlance:
    quarter = Quarter.parse(run.quarter)
    results = {r.contract_area_id: r for r in AreaResult.objects.filter(run=run).order_by()}
    statements = {
        s.contract_area_id: s
        for s in Statement.objects.filter(run=run).select_related("provider").order_by()
    }
    flags = dict(
        IndicatorFlag.objects.filter(run=run, flagged=True)
        .order_by()
        .values("contract_area_id")
        .annotate(n=Count("pk"))
        .values_list("contract_area_id", "n")
    )
    owners = {
        owner.code: owner.provider for owner in contract_areas_with_owners(on=quarter.ends_on)
    }
    areas = ContractArea.objects.order_by("code")
    if codes is not None:
        areas = areas.filter(code__in=codes)
    rows = []
    for contract_area in areas:
        result = results.get(contract_area.pk)
        statement = statements.get(contract_area.pk)
        size = result.cohort_size if result is not None else None
        expected = (
            result.expected_reoffenders / size
            if result is not None and size and result.expected_reoffenders is not None
            else None
        )
        rows.append(
            AreaAtAGlance(
                code=contract_area.code,
                name=contract_area.name,
                provider=statement.provider.name
                if statement
                else owners.get(contract_area.code, ""),
                cohort_size=size,
                rate=result.binary_rate if result is not None else None,
                expected_rate=expected,
                significance=_significance(result),
                outcome_payment=money(Decimal(result.outcome_payment)) if result else "\u2013",
                outcome_deduction=money(Decimal(result.outcome_deduction)) if result else "\u2013",
                total=money(statement.total) if statement else None,
                flags=int(flags.get(contract_area.pk, 0)),
                has_statement=statement is not None,
            )
        )
    return QuarterAtAGlance(run=run, quarter=quarter, areas=rows)


@dataclass(frozen=True)
class ContractOverview:
    """The newest quarter whose latest run is final, and a newer provisional one if any."""

    final: QuarterAtAGlance | None
    provisional: QuarterAtAGlance | None


def contract_overview(*, for_user: Any) -> ContractOverview:
    """For the contract manager's home (``casework.comparison_views.contract_home``): the areas
    ``for_user`` oversees at a glance for the latest final quarter and the latest provisional
    quarter after it. A handful of grouped queries a quarter, no case shown."""
    latest = latest_run_ids()
    runs = sorted(
        PbrRun.objects.filter(pk__in=latest.values()), key=lambda r: r.quarter, reverse=True
    )
    final = next((run for run in runs if not run.provisional), None)
    provisional = next(
        (run for run in runs if run.provisional and (final is None or run.quarter > final.quarter)),
        None,
    )
    codes = contract_areas_overseen_by(for_user)
    return ContractOverview(
        final=_at_a_glance(final, codes) if final else None,
        provisional=_at_a_glance(provisional, codes) if provisional else None,
    )
