"""Workload points and capacity against workload.md."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probation.rules import workload
from probation.rules.tiering import TIERS
from probation.rules.workload import Capacity, capacity, capacity_after, case_points

SPEC_TIERS = [
    "A3",
    "A2",
    "A1",
    "A0",
    "B3",
    "B2",
    "B1",
    "B0",
    "C3",
    "C2",
    "C1",
    "C0",
    "D3",
    "D2",
    "D1",
    "D0",
]
SPEC_ROWS = {
    "community": "206 158 146 110 146 115 102 72 79 63 50 35 51 41 29 29",
    "custody": "75 60 59 0 59 48 47 0 30 24 23 0 17 14 13 0",
    "licence": "219 175 163 0 161 132 119 0 77 65 52 0 51 43 31 0",
}
CELLS = [
    (case_type, tier, int(points))
    for case_type, row in SPEC_ROWS.items()
    for tier, points in zip(SPEC_TIERS, row.split(), strict=True)
]


@pytest.mark.parametrize(("case_type", "tier", "points"), CELLS)
def test_case_points_every_cell(case_type: str, tier: str, points: int) -> None:
    assert case_points(case_type=case_type, tier=tier) == points
    assert workload.CASE_POINTS[case_type][tier] == points


@pytest.mark.parametrize(("case_type", "tier"), [(c, t) for c in SPEC_ROWS for t in SPEC_TIERS])
def test_unsupervised_tiers_score_zero(case_type: str, tier: str) -> None:
    assert case_points(case_type=case_type, tier=tier + "S") == 0


def test_tables() -> None:
    assert list(TIERS) == SPEC_TIERS
    assert dict(workload.REPORT_POINTS) == {
        "standard_pre_sentence_report": 138,
        "short_format_report": 65,
        "parole_report": 120,
    }
    assert {g: tuple(t) for g, t in workload.GRADE_TARGETS.items()} == {
        "PO": (2176, 37),
        "PQiP": (2176, 37),
        "PSO": (2176, 37),
        "SPO": (0, 0),
    }


@pytest.mark.parametrize(
    ("grade", "total", "hours", "reductions", "available", "percent"),
    [
        # spec examples: floor(2176 * 35.2 / 37) = floor(2070.12) = 2070
        ("PO", 0, 37, 1.8, 2070, 0.0),
        # floor(2176 * 28.2 / 37) = floor(1658.46) = 1658
        ("PO", 0, 30, 1.8, 1658, 0.0),
        ("PO", 1800, 37, 1.8, 2070, 87.0),  # 86.956... -> 87.0
        ("PO", 1800, 30, 1.8, 1658, 108.6),  # 108.564... -> 108.6
        ("PSO", 2176, 37, 0, 2176, 100.0),
        ("PQiP", 1088, 37, 0, 2176, 50.0),
        ("PO", 500, 0, 0, 0, 0.0),  # no hours: 0, not a division by zero
        ("PO", 500, 10, 10, 0, 0.0),
        ("SPO", 0, 37, 0, 0, 0.0),
        ("SPO", 300, 37, 0, 0, 0.0),
    ],
)
def test_capacity(
    grade: str, total: int, hours: float, reductions: float, available: int, percent: float
) -> None:
    result = capacity(
        grade=grade, total_points=total, contracted_hours=hours, reduction_hours=reductions
    )
    assert result == Capacity(total, available, percent)


def test_capacity_percent_rounds_half_up_in_decimal() -> None:
    # 1001 / 2000 * 100 = 50.05 exactly; binary floats give 50.049999... and round() gives 50.0.
    assert workload.percent_of(1001, 2000) == 50.1
    assert workload.percent_of(1, 3000) == 0.0  # 0.0333 -> 0.0
    assert workload.percent_of(2, 3000) == 0.1  # 0.0667 -> 0.1


def test_capacity_after_a_proposed_allocation() -> None:
    before = capacity(grade="PO", total_points=1800, contracted_hours=37, reduction_hours=1.8)
    points = case_points(case_type="community", tier="A1")  # 146
    after = capacity_after(
        grade="PO",
        total_points=1800,
        contracted_hours=37,
        reduction_hours=1.8,
        added_points=points,
    )
    # 1946 / 2070 = 94.0096... -> 94.0
    assert after == Capacity(1946, 2070, 94.0)
    assert before.with_added(points) == after


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"grade": "po"}, "grade"),
        ({"grade": None}, "grade"),
        ({"total_points": -1}, "total_points"),
        ({"total_points": 1.5}, "total_points"),
        ({"contracted_hours": "37"}, "contracted_hours"),
        ({"contracted_hours": -1}, "contracted_hours"),
        ({"contracted_hours": float("inf")}, "contracted_hours"),
        ({"reduction_hours": -0.5}, "reduction_hours"),
        ({"reduction_hours": 38}, "reduction_hours"),
    ],
)
def test_capacity_validation(kwargs: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {
        "grade": "PO",
        "total_points": 100,
        "contracted_hours": 37,
        "reduction_hours": 0,
    }
    values.update(kwargs)
    with pytest.raises(ValueError, match=field):
        capacity(**values)


def test_capacity_after_validation() -> None:
    with pytest.raises(ValueError, match="added_points"):
        capacity_after(
            grade="PO", total_points=0, contracted_hours=37, reduction_hours=0, added_points=-5
        )
    with pytest.raises(ValueError, match="points"):
        Capacity(0, 2176, 0.0).with_added(-1)


@pytest.mark.parametrize(
    ("case_type", "tier", "field"),
    [
        ("prison", "A1", "case_type"),
        ("community", "E1", "tier"),
        ("community", "A4", "tier"),
        ("community", "a1", "tier"),
        ("community", "A1s", "tier"),
        ("community", None, "tier"),
        ("community", ["A1"], "tier"),
        (["community"], "A1", "case_type"),
    ],
)
def test_case_points_validation(case_type: Any, tier: Any, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        case_points(case_type=case_type, tier=tier)


@given(
    st.sampled_from(["PO", "PQiP", "PSO"]),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=3_000),
    st.decimals(min_value=0, max_value=60, places=1).map(float),
)
def test_capacity_after_never_lower(grade: str, total: int, added: int, hours: float) -> None:
    before = capacity(grade=grade, total_points=total, contracted_hours=hours, reduction_hours=0)
    after = before.with_added(added)
    assert after.available_points == before.available_points
    assert after.capacity_percent >= before.capacity_percent
