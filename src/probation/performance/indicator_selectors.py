"""Reads of the gaming indicators for the indicators page (``docs/domain/reoffending-and-payment.md``,
"Indicators of gaming": reported beside the payments, each flag with the figures that raised it).

Who may read: a contract manager or an auditor (pbr-interfaces decision). Staff of a CRC read
their own contract area only, as the contract manager's home and the statements show them; the
commissioner's and the NPS's read every area. The page shows figures, never a person.

A quarter shows its latest finished run, as the statements and the public pages do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from probation.performance.access import may_read_contract_figures
from probation.performance.indicators import KINDS
from probation.performance.models import IndicatorFlag, IndicatorKind, PbrRun
from probation.rules.reoffending import Quarter
from probation.workforce.selectors import contract_areas_overseen_by

#: The figures of a flag, in the order shown, with their labels (``rules/gaming.py`` keys).
FIGURE_LABELS: Mapping[str, Mapping[str, str]] = {
    IndicatorKind.PARKING: {
        "high_rate": "Contacts a month, high likelihood",
        "low_rate": "Contacts a month, low likelihood",
        "high_contacts": "Contacts, high likelihood",
        "high_case_months": "Case-months, high likelihood",
        "high_cases": "Cases, high likelihood",
        "low_contacts": "Contacts, low likelihood",
        "low_case_months": "Case-months, low likelihood",
        "low_cases": "Cases, low likelihood",
        "minimum_cases": "Fewest cases judged",
    },
    IndicatorKind.BREACH_RATE: {
        "rate": "Cases referred for breach per 100",
        "events": "Cases referred for breach",
        "cases": "Cases",
        "national_rate": "National rate per 100",
        "lower_limit": "Lower control limit",
        "upper_limit": "Upper control limit",
    },
    IndicatorKind.RECALL_RATE: {
        "rate": "Cases recalled per 100",
        "events": "Cases recalled",
        "cases": "Cases",
        "national_rate": "National rate per 100",
        "lower_limit": "Lower control limit",
        "upper_limit": "Upper control limit",
    },
    IndicatorKind.EARLY_EXITS: {
        "rate": "Early exits per 100 members",
        "events": "Members who left early",
        "cases": "Cohort members",
        "transfers": "Transferred out",
        "escalations": "Moved to the NPS",
        "terminations": "Order terminated",
        "national_rate": "National rate per 100",
        "lower_limit": "Lower control limit",
        "upper_limit": "Upper control limit",
    },
}


#: Column headings of the page's summary table.
KIND_HEADINGS: Mapping[str, str] = {
    IndicatorKind.PARKING: "Parking",
    IndicatorKind.BREACH_RATE: "Breach rate",
    IndicatorKind.RECALL_RATE: "Recall rate",
    IndicatorKind.EARLY_EXITS: "Early exits",
}


may_read_indicators = may_read_contract_figures


def quarters_run() -> list[str]:
    """The quarters with a finished run, newest first (the page's picker)."""
    quarters = (
        PbrRun.objects.filter(finished_at__isnull=False)
        .order_by("-quarter")
        .values_list("quarter", flat=True)
        .distinct()
    )
    return list(quarters)


def latest_run(quarter: Quarter | str) -> PbrRun | None:
    """The quarter's latest finished run (what is shown), or None."""
    return (
        PbrRun.objects.filter(quarter=str(quarter), finished_at__isnull=False)
        .order_by("-id")
        .first()
    )


def _figure_text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        text = f"{value:,.2f}"
        return text.rstrip("0").rstrip(".")
    return str(value)


@dataclass(frozen=True)
class FlagView:
    kind: str
    label: str
    flagged: bool
    judged: bool
    explanation: str
    figures: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AreaIndicators:
    """An area's flags, one place per kind of :data:`KINDS` (None if the run has none)."""

    code: str
    name: str
    flags: tuple[FlagView | None, ...]

    @property
    def cells(self) -> tuple[tuple[str, str, FlagView | None], ...]:
        """``(kind, column heading, flag)`` for each kind, in page order."""
        return tuple(
            (kind.value, KIND_HEADINGS[kind], flag)
            for kind, flag in zip(KINDS, self.flags, strict=True)
        )

    @property
    def flagged(self) -> int:
        return sum(1 for flag in self.flags if flag is not None and flag.flagged)


def _view(flag: IndicatorFlag) -> FlagView:
    labels = FIGURE_LABELS.get(flag.kind, {})
    figures = flag.figures if isinstance(flag.figures, dict) else {}
    return FlagView(
        kind=flag.kind,
        label=IndicatorKind(flag.kind).label,
        flagged=flag.flagged,
        judged=figures.get("judged", True) is not False,
        explanation=flag.explanation,
        figures=tuple(
            (label, _figure_text(figures[key])) for key, label in labels.items() if key in figures
        ),
    )


def indicator_table(*, run: PbrRun, for_user: Any) -> list[AreaIndicators]:
    """The run's flags by contract area (by code) the user may read, kinds in page order. One
    query."""
    flags = IndicatorFlag.objects.filter(run=run).select_related("contract_area")
    codes = contract_areas_overseen_by(for_user)
    if codes is not None:
        flags = flags.filter(contract_area__code__in=codes)
    by_area: dict[str, list[IndicatorFlag]] = {}
    names: dict[str, str] = {}
    for flag in flags.order_by("contract_area__code", "kind"):
        code = flag.contract_area.code
        by_area.setdefault(code, []).append(flag)
        names[code] = flag.contract_area.name
    rows = []
    for code, area_flags in by_area.items():
        by_kind = {flag.kind: flag for flag in area_flags}
        views = tuple(_view(by_kind[kind]) if kind in by_kind else None for kind in KINDS)
        rows.append(AreaIndicators(code=code, name=names[code], flags=views))
    return rows


def kind_columns() -> list[tuple[str, str, str]]:
    """The columns of the page: each kind, its heading and its full label, in page order."""
    return [(kind.value, KIND_HEADINGS[kind], kind.label) for kind in KINDS]
