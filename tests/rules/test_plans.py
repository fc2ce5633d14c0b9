"""The sentence plan's review schedule (probation/rules/plans.py): first review 3 months after
the plan is agreed, then every 6 months; tier A every 3 months."""

from __future__ import annotations

import doctest
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probation.rules import plans
from probation.rules.plans import next_plan_review_due
from probation.rules.tiering import TIERS


@pytest.mark.parametrize(
    ("last_on", "tier", "first", "expected"),
    [
        # First review: 3 months after the plan is agreed, whatever the tier.
        (date(2026, 11, 30), "C2", True, date(2027, 2, 28)),  # clamped to February's end
        (date(2026, 11, 30), "A1", True, date(2027, 2, 28)),
        (date(2026, 11, 2), "B3", True, date(2027, 2, 2)),
        (date(2026, 11, 2), "D0", True, date(2027, 2, 2)),
        (date(2026, 11, 2), None, True, date(2027, 2, 2)),  # not yet tiered
        (date(2027, 11, 30), "C1", True, date(2028, 2, 29)),  # leap year
        # Later reviews: every 6 months, tier A every 3.
        (date(2027, 2, 2), "C2", False, date(2027, 8, 2)),
        (date(2027, 2, 2), "B0", False, date(2027, 8, 2)),
        (date(2027, 2, 2), "D3", False, date(2027, 8, 2)),
        (date(2027, 2, 2), "A0", False, date(2027, 5, 2)),
        (date(2027, 2, 2), "A3", False, date(2027, 5, 2)),
        (date(2027, 2, 2), None, False, date(2027, 8, 2)),
        (date(2027, 2, 2), "", False, date(2027, 8, 2)),  # an empty tier is untiered
        (date(2027, 2, 2), "C0S", False, date(2027, 8, 2)),  # no active sentence: untiered
        (date(2026, 8, 31), "C2", False, date(2027, 2, 28)),  # clamped to February's end
        (date(2026, 12, 31), "A2", False, date(2027, 3, 31)),
        (date(2026, 11, 30), "A2", False, date(2027, 2, 28)),
        (date(2027, 9, 15), "B1", False, date(2028, 3, 15)),  # across the year end
    ],
)
def test_next_plan_review_due(last_on: date, tier: str | None, first: bool, expected: date) -> None:
    assert next_plan_review_due(last_on=last_on, tier=tier, first=first) == expected


def test_the_schedule_is_data() -> None:
    assert plans.REVIEW_MONTHS["A"] == (3, 3)
    assert plans.DEFAULT_REVIEW_MONTHS == (3, 6)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"last_on": "2026-11-30", "tier": "C2", "first": True}, "last_on"),
        (
            {"last_on": datetime(2026, 11, 30, 9, tzinfo=UTC), "tier": "C2", "first": True},
            "last_on",
        ),
        ({"last_on": None, "tier": "C2", "first": True}, "last_on"),
        ({"last_on": date(2026, 11, 30), "tier": "C2", "first": 1}, "first"),
        ({"last_on": date(2026, 11, 30), "tier": "C2", "first": "yes"}, "first"),
        ({"last_on": date(2026, 11, 30), "tier": 2, "first": True}, "tier"),
        ({"last_on": date(9999, 11, 30), "tier": "C2", "first": True}, "last_on"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        next_plan_review_due(**kwargs)


@given(
    last_on=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    tier=st.sampled_from([*TIERS, None]),
    first=st.booleans(),
)
def test_the_next_review_is_three_to_six_months_later(
    last_on: date, tier: str | None, first: bool
) -> None:
    due = next_plan_review_due(last_on=last_on, tier=tier, first=first)
    assert 28 + 31 + 28 <= (due - last_on).days <= 31 * 4 + 30 * 2
    if first or (tier or "").startswith("A"):
        assert (due - last_on).days <= 92
    else:
        assert (due - last_on).days >= 181


def test_the_docstring_examples_hold() -> None:
    result = doctest.testmod(plans, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
