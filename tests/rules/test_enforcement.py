"""The warning rule against enforcement.md."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probation.rules.dates import add_months
from probation.rules.enforcement import EnforcementAction, on_failure


@pytest.mark.parametrize(
    ("failure_date", "warnings", "action"),
    [
        pytest.param(date(2016, 5, 3), [], "warning", id="no-warnings"),
        pytest.param(date(2016, 5, 3), [date(2016, 1, 10)], "breach_referral", id="within"),
        pytest.param(
            date(2017, 1, 10), [date(2016, 1, 10)], "breach_referral", id="exactly-12-months"
        ),
        pytest.param(date(2017, 1, 11), [date(2016, 1, 10)], "warning", id="one-day-more"),
        pytest.param(date(2016, 1, 10), [date(2016, 1, 10)], "warning", id="same-day"),
        pytest.param(date(2016, 1, 11), [date(2016, 1, 10)], "breach_referral", id="next-day"),
        pytest.param(date(2016, 1, 9), [date(2016, 1, 10)], "warning", id="warning-after"),
        pytest.param(
            date(2017, 2, 28), [date(2016, 2, 29)], "breach_referral", id="leap-day-28-feb"
        ),
        pytest.param(date(2017, 3, 1), [date(2016, 2, 29)], "warning", id="leap-day-1-mar"),
        pytest.param(
            date(2016, 2, 29), [date(2015, 2, 28)], "warning", id="into-leap-year-too-late"
        ),
        pytest.param(
            date(2016, 2, 28), [date(2015, 2, 28)], "breach_referral", id="into-leap-year"
        ),
        pytest.param(date(2016, 9, 30), [date(2015, 8, 31)], "warning", id="month-end-31-aug-late"),
    ],
)
def test_warning_rule(failure_date: date, warnings: list[date], action: str) -> None:
    assert on_failure(failure_date=failure_date, warnings=warnings).action == action


def test_breach_reason_names_the_warning_date() -> None:
    result = on_failure(failure_date=date(2016, 5, 3), warnings=[date(2016, 1, 10)])
    assert result == EnforcementAction(
        "breach_referral",
        "Failure on 3 May 2016 is within 12 months of the warning given on 10 January 2016: "
        "a breach referral is required.",
    )


def test_several_qualifying_warnings_name_the_most_recent() -> None:
    warnings = (
        w for w in [date(2016, 3, 1), date(2015, 9, 1), date(2016, 4, 30), date(2014, 1, 1)]
    )
    result = on_failure(failure_date=date(2016, 5, 3), warnings=warnings)
    assert result.action == "breach_referral"
    assert "30 April 2016" in result.reason
    assert "1 March 2016" not in result.reason


def test_warning_reason() -> None:
    result = on_failure(failure_date=date(2016, 5, 3), warnings=[date(2014, 1, 1)])
    assert result.action == "warning"
    assert "3 May 2016" in result.reason


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"failure_date": "2016-05-03", "warnings": []}, "failure_date"),
        ({"failure_date": date(2016, 5, 3), "warnings": None}, "warnings"),
        ({"failure_date": date(2016, 5, 3), "warnings": "2016-01-01"}, "warnings"),
        ({"failure_date": date(2016, 5, 3), "warnings": [date(2016, 1, 1), None]}, "warnings[1]"),
    ],
)
def test_validation(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field.replace("[", r"\[").replace("]", r"\]")):
        on_failure(**kwargs)


def test_action_values_are_validated() -> None:
    with pytest.raises(ValueError, match="action"):
        EnforcementAction("caution", "x")


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
    st.lists(st.dates(min_value=date(1999, 1, 1), max_value=date(2041, 1, 1)), max_size=5),
)
def test_breach_iff_a_warning_in_the_window(failure: date, warnings: list[date]) -> None:
    expected = any(w < failure <= add_months(w, 12) for w in warnings)
    result = on_failure(failure_date=failure, warnings=warnings)
    assert (result.action == "breach_referral") is expected
