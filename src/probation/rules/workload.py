"""Workload points and practitioner capacity.

Spec: ``docs/domain/workload.md`` (case points by case type and tier, report points,
grade targets, the capacity formula and its worked examples).

Managers assign cases by capacity ("from 84% to 91%"), so the arithmetic must be exact and the
same everywhere: ``available_points`` is floored and ``capacity_percent`` is rounded half up to
one decimal place with :class:`decimal.Decimal`, never with binary floats (``round(84.45, 1)``
on a float gives 84.4 on some values). The tables here are the spec's *defaults*; the service
keeps an editable copy as reference data.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Final, NamedTuple

from probation.rules import _validate
from probation.rules.tiering import TIERS

CASE_TYPES: Final = ("community", "custody", "licence")


def _row(points: str) -> Mapping[str, int]:
    values = [int(p) for p in points.split()]
    assert len(values) == len(TIERS)
    return types.MappingProxyType(dict(zip(TIERS, values, strict=True)))


#: Case type -> tier -> points (default table, ``workload.md``). ``custody`` is a case in
#: prison before release; ``licence`` covers licence and post-sentence supervision.
CASE_POINTS: Final[Mapping[str, Mapping[str, int]]] = types.MappingProxyType(
    {
        "community": _row("206 158 146 110 146 115 102 72 79 63 50 35 51 41 29 29"),
        "custody": _row("75 60 59 0 59 48 47 0 30 24 23 0 17 14 13 0"),
        "licence": _row("219 175 163 0 161 132 119 0 77 65 52 0 51 43 31 0"),
    }
)

#: Report -> points (``workload.md``; the keys are the platform's own).
REPORT_POINTS: Final[Mapping[str, int]] = types.MappingProxyType(
    {
        "standard_pre_sentence_report": 138,
        "short_format_report": 65,
        "parole_report": 120,
    }
)


class GradeTarget(NamedTuple):
    """A grade's nominal points target for its default contracted hours."""

    nominal_points: int
    default_contracted_hours: int


#: Grade -> (nominal target points, default contracted hours) (``workload.md``).
GRADE_TARGETS: Final[Mapping[str, GradeTarget]] = types.MappingProxyType(
    {
        "PO": GradeTarget(2176, 37),
        "PQiP": GradeTarget(2176, 37),
        "PSO": GradeTarget(2176, 37),
        "SPO": GradeTarget(0, 0),
    }
)

_ALL_TIERS: Final = frozenset(TIERS) | {f"{t}S" for t in TIERS}
_TENTH: Final = Decimal("0.1")


def case_points(*, case_type: str, tier: str) -> int:
    """Points for one case of ``case_type`` at ``tier``; unsupervised (``S``) tiers score 0."""
    _validate.choice("case_type", case_type, CASE_TYPES)
    if not isinstance(tier, str) or tier not in _ALL_TIERS:
        raise ValueError(f"tier: must be one of A3..D0, optionally with an S suffix, got {tier!r}")
    if tier.endswith("S"):
        return 0
    return CASE_POINTS[case_type][tier]


def _hours(field: str, value: float) -> Decimal:
    _validate.number(field, value, minimum=0)
    # str() first, so 1.8 means one point eight and not the nearest binary fraction.
    return Decimal(str(value))


def percent_of(total_points: int, available_points: int) -> float:
    """``round(total / available * 100, 1)`` rounded half up; 0 when either is 0."""
    if total_points == 0 or available_points == 0:
        return 0.0
    value = (Decimal(total_points) * 100 / Decimal(available_points)).quantize(
        _TENTH, rounding=ROUND_HALF_UP
    )
    return float(value)


@dataclass(frozen=True, slots=True)
class Capacity:
    """A practitioner's capacity: points they can carry, points they carry, and the percent."""

    total_points: int
    available_points: int
    capacity_percent: float

    def with_added(self, points: int) -> Capacity:
        """Capacity after taking on ``points`` more (a proposed allocation)."""
        _validate.integer("points", points, minimum=0)
        total = self.total_points + points
        return Capacity(total, self.available_points, percent_of(total, self.available_points))


def capacity(
    *, grade: str, total_points: int, contracted_hours: float, reduction_hours: float
) -> Capacity:
    """Available points and capacity percent of a practitioner (``workload.md``).

    ``available_points = floor(nominal_target * (contracted - reductions) / default_hours)``;
    a grade with no target (SPO) has 0 available points.
    """
    _validate.choice("grade", grade, GRADE_TARGETS)
    _validate.integer("total_points", total_points, minimum=0)
    contracted = _hours("contracted_hours", contracted_hours)
    reductions = _hours("reduction_hours", reduction_hours)
    if reductions > contracted:
        raise ValueError(
            f"reduction_hours: must not exceed contracted_hours ({contracted_hours}), "
            f"got {reduction_hours}"
        )
    target = GRADE_TARGETS[grade]
    if target.default_contracted_hours == 0:
        available = 0
    else:
        exact = target.nominal_points * (contracted - reductions) / target.default_contracted_hours
        available = int(exact.to_integral_value(rounding=ROUND_FLOOR))
    return Capacity(total_points, available, percent_of(total_points, available))


def capacity_after(
    *,
    grade: str,
    total_points: int,
    contracted_hours: float,
    reduction_hours: float,
    added_points: int,
) -> Capacity:
    """Capacity after a proposed allocation: the same calculation with ``added_points`` added."""
    _validate.integer("total_points", total_points, minimum=0)
    _validate.integer("added_points", added_points, minimum=0)
    return capacity(
        grade=grade,
        total_points=total_points + added_points,
        contracted_hours=contracted_hours,
        reduction_hours=reduction_hours,
    )
