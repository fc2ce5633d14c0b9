"""Calendar arithmetic shared by the rules.

Specs (under ``docs/domain/``): ``sentences.md`` (post-sentence supervision ends
"release date + 12 calendar months"), ``enforcement.md`` (a warning counts for "12 calendar
months"), ``ogrs3.md`` (ages "in whole years"), ``allocation.md`` section 3 (clocks in working days).

The standard library has no calendar-month addition, and adding 365 days is wrong across leap
years, so this module defines the one rule the platform uses everywhere: add months to the
month number and, when the day does not exist in the target month, clamp to that month's last
day (31 January + 1 month = 28/29 February; 29 February 2016 + 12 months = 28 February 2017).

Working days skip Saturdays, Sundays and the bank holidays the caller passes in: the rules stay
pure, so the calendar (``probation.core.calendar``) is read outside them.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from collections.abc import Set

from probation.rules import _validate

_ONE_DAY = _dt.timedelta(days=1)


def add_months(d: _dt.date, n: int) -> _dt.date:
    """Return ``d`` moved by ``n`` calendar months (``n`` may be negative), clamped to month end.

    >>> add_months(_dt.date(2016, 2, 29), 12)
    datetime.date(2017, 2, 28)
    >>> add_months(_dt.date(2015, 8, 31), 1)
    datetime.date(2015, 9, 30)
    """
    _validate.date("d", d)
    _validate.integer("n", n)
    month_index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(month_index, 12)
    if not 1 <= year <= 9999:
        raise ValueError(f"n: moves the date outside the supported years, got {n}")
    month = month0 + 1
    last_day = calendar.monthrange(year, month)[1]
    return _dt.date(year, month, min(d.day, last_day))


def is_working_day(d: _dt.date, *, holidays: Set[_dt.date]) -> bool:
    """Monday to Friday and not one of ``holidays``."""
    return d.weekday() < 5 and d not in holidays


def add_working_days(start: _dt.date, n: int, *, holidays: Set[_dt.date]) -> _dt.date:
    """The ``n``-th working day after ``start`` (before it when ``n`` is negative).

    "1 working day after" is the next working day, whatever day ``start`` is; ``n`` 0 is
    ``start`` itself. Saturdays, Sundays and ``holidays`` are skipped.

    >>> add_working_days(_dt.date(2026, 11, 27), 1, holidays=frozenset())  # a Friday
    datetime.date(2026, 11, 30)
    >>> easter = frozenset({_dt.date(2026, 4, 3), _dt.date(2026, 4, 6)})
    >>> add_working_days(_dt.date(2026, 4, 2), 1, holidays=easter)  # Maundy Thursday
    datetime.date(2026, 4, 7)
    >>> add_working_days(_dt.date(2026, 11, 30), -1, holidays=frozenset())
    datetime.date(2026, 11, 27)
    """
    _validate.date("start", start)
    _validate.integer("n", n, minimum=-3650, maximum=3650)
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    d = start
    try:
        for _ in range(abs(n)):
            d += step
            while not is_working_day(d, holidays=holidays):
                d += step
    except OverflowError:
        raise ValueError(f"n: moves the date outside the supported years, got {n}") from None
    return d


def whole_years(born: _dt.date, on: _dt.date) -> int:
    """Age in completed years on date ``on`` for someone born on ``born``.

    A birthday counts from the day itself. Someone born on 29 February becomes a year older on
    1 March in a common year (the day after 28 February), which is how the age is reckoned in
    England and Wales.

    >>> whole_years(_dt.date(2000, 2, 29), _dt.date(2018, 2, 28))
    17
    >>> whole_years(_dt.date(2000, 2, 29), _dt.date(2018, 3, 1))
    18
    """
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def in_words(d: _dt.date) -> str:
    """A date as people read it in a letter or an explanation: "1 February 2015".

    (GOV.UK style: no leading zero, the month in full, no "st"/"th".)

    >>> in_words(_dt.date(2016, 5, 31))
    '31 May 2016'
    """
    _validate.date("d", d)
    return f"{d.day} {calendar.month_name[d.month]} {d.year}"
