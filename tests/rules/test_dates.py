"""Calendar-month arithmetic and whole-year ages (dates.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probation.rules.dates import add_months, whole_years


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2016, 1, 10), 12, date(2017, 1, 10)),
        (date(2016, 2, 29), 12, date(2017, 2, 28)),  # leap day clamps in a common year
        (date(2016, 2, 29), 48, date(2020, 2, 29)),  # ... and not in a leap year
        (date(2015, 8, 31), 12, date(2016, 8, 31)),
        (date(2015, 8, 31), 1, date(2015, 9, 30)),
        (date(2016, 1, 31), 1, date(2016, 2, 29)),
        (date(2015, 1, 31), 1, date(2015, 2, 28)),
        (date(2015, 12, 15), 1, date(2016, 1, 15)),
        (date(2015, 3, 31), -1, date(2015, 2, 28)),
        (date(2015, 3, 31), 0, date(2015, 3, 31)),
        (date(2015, 5, 31), 24, date(2017, 5, 31)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("2016-01-01", 1), "d"),
        ((datetime(2016, 1, 1), 1), "d"),  # noqa: DTZ001 - a datetime is refused
        ((date(2016, 1, 1), 1.0), "n"),
        ((date(9999, 12, 1), 1), "n"),
        ((date(1, 1, 1), -1), "n"),
    ],
)
def test_add_months_validation(args: tuple[Any, Any], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        add_months(*args)


@given(st.dates(max_value=date(9000, 1, 1)), st.integers(min_value=0, max_value=1000))
def test_add_months_properties(d: date, n: int) -> None:
    result = add_months(d, n)
    assert result >= d
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    assert result.day <= d.day


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2000, 6, 15), date(2018, 6, 14), 17),
        (date(2000, 6, 15), date(2018, 6, 15), 18),
        (date(2000, 2, 29), date(2018, 2, 28), 17),
        (date(2000, 2, 29), date(2018, 3, 1), 18),
        (date(2000, 2, 29), date(2020, 2, 29), 20),
    ],
)
def test_whole_years(born: date, on: date, age: int) -> None:
    assert whole_years(born, on) == age
