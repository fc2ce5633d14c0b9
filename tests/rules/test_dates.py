"""Calendar-month arithmetic and whole-year ages (dates.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probation.rules.dates import add_months, add_working_days, is_working_day, whole_years


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


NO_HOLIDAYS: frozenset[date] = frozenset()
EASTER_2026 = frozenset({date(2026, 4, 3), date(2026, 4, 6)})


@pytest.mark.parametrize(
    ("start", "n", "holidays", "expected"),
    [
        (date(2026, 11, 30), 0, NO_HOLIDAYS, date(2026, 11, 30)),
        (date(2026, 11, 30), 1, NO_HOLIDAYS, date(2026, 12, 1)),  # Monday: Tuesday
        (date(2026, 11, 30), 3, NO_HOLIDAYS, date(2026, 12, 3)),
        (date(2026, 11, 27), 1, NO_HOLIDAYS, date(2026, 11, 30)),  # Friday: Monday
        (date(2026, 11, 28), 1, NO_HOLIDAYS, date(2026, 11, 30)),  # Saturday: Monday
        (date(2026, 11, 29), 1, NO_HOLIDAYS, date(2026, 11, 30)),  # Sunday: Monday
        (date(2026, 11, 27), 5, NO_HOLIDAYS, date(2026, 12, 4)),
        (date(2026, 11, 27), 10, NO_HOLIDAYS, date(2026, 12, 11)),
        (date(2026, 4, 2), 1, EASTER_2026, date(2026, 4, 7)),  # Good Friday and Easter Monday
        (date(2026, 4, 2), 3, EASTER_2026, date(2026, 4, 9)),
        (date(2026, 4, 3), 1, EASTER_2026, date(2026, 4, 7)),  # from a holiday
        (date(2026, 11, 30), -1, NO_HOLIDAYS, date(2026, 11, 27)),  # back across a weekend
        (date(2026, 4, 7), -1, EASTER_2026, date(2026, 4, 2)),
        (date(2026, 4, 7), -10, EASTER_2026, date(2026, 3, 20)),
    ],
)
def test_add_working_days(start: date, n: int, holidays: frozenset[date], expected: date) -> None:
    assert add_working_days(start, n, holidays=holidays) == expected


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("2026-11-30", 1), "start"),
        ((datetime(2026, 11, 30), 1), "start"),  # noqa: DTZ001 - a datetime is refused
        ((date(2026, 11, 30), 1.0), "n"),
        ((date(2026, 11, 30), True), "n"),
        ((date(9999, 12, 30), 3), "n"),
    ],
)
def test_add_working_days_validation(args: tuple[Any, Any], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        add_working_days(*args, holidays=NO_HOLIDAYS)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.integers(min_value=1, max_value=60),
    st.frozensets(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))),
)
def test_add_working_days_properties(d: date, n: int, holidays: frozenset[date]) -> None:
    result = add_working_days(d, n, holidays=holidays)
    assert result > d
    assert is_working_day(result, holidays=holidays)
    between = [d + timedelta(days=i) for i in range(1, (result - d).days + 1)]
    assert sum(is_working_day(x, holidays=holidays) for x in between) == n
