"""The calendar of proven reoffending (``docs/domain/reoffending-and-payment.md``).

A cohort is the people whose index event falls in a period (a calendar quarter for payment); an
offence counts if it was committed in the 12 months after the index date and proven within 18
months of it. These are the definitions for one person and one quarter; the columnar engine
(``probation.performance.engine``) applies the same windows to a whole cohort at once, and its
tests check it against these.

>>> q = Quarter.parse("2016Q1")
>>> q.starts_on, q.ends_on
(datetime.date(2016, 1, 1), datetime.date(2016, 3, 31))
>>> q.final_on  # the last index date's 18 months have passed
datetime.date(2017, 9, 30)
>>> counts_as_reoffence(
...     index_date=dt.date(2016, 1, 31),
...     offence_date=dt.date(2017, 1, 31),
...     proven_date=dt.date(2017, 7, 31),
... )
True
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from probation.rules import _validate
from probation.rules.dates import add_months

#: Months after the index date in which an offence must be committed to count.
FOLLOW_UP_MONTHS = 12
#: Months after the index date by which the offence must be proven (12 months plus 6 waiting).
PROVEN_WITHIN_MONTHS = 18

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, written ``2016Q1``."""

    year: int
    number: int

    def __post_init__(self) -> None:
        _validate.integer("year", self.year)
        _validate.integer("number", self.number)
        if not 1900 <= self.year <= 9998:
            raise ValueError(f"year: must be between 1900 and 9998, got {self.year}")
        if not 1 <= self.number <= 4:
            raise ValueError(f"number: must be 1, 2, 3 or 4, got {self.number}")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``"2016Q1"`` → ``Quarter(2016, 1)``; anything else is a ``ValueError`` saying so."""
        match = _QUARTER.match(str(text).strip().upper())
        if not match:
            raise ValueError(
                f"quarter: must look like 2016Q1 (a year, Q, then 1 to 4), got {text!r}"
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def ends_on(self) -> dt.date:
        return add_months(self.starts_on, 3) - dt.timedelta(days=1)

    @property
    def final_on(self) -> dt.date:
        """From this day the cohort's result is final: every member's 18 months have passed."""
        return add_months(self.ends_on, PROVEN_WITHIN_MONTHS)

    def is_provisional(self, *, measured_on: dt.date) -> bool:
        """Results measured before :attr:`final_on` are labelled provisional."""
        return measured_on < self.final_on

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )


def follow_up_ends(index_date: dt.date) -> dt.date:
    """The last day an offence may be committed and still count (12 calendar months on)."""
    return add_months(index_date, FOLLOW_UP_MONTHS)


def proven_by(index_date: dt.date) -> dt.date:
    """The last day a conviction or caution may be given and still count (18 months on)."""
    return add_months(index_date, PROVEN_WITHIN_MONTHS)


def counts_as_reoffence(
    *, index_date: dt.date, offence_date: dt.date, proven_date: dt.date
) -> bool:
    """``index_date < offence_date <= index + 12 months`` and ``proven_date <= index + 18 months``.

    An offence on the index date itself belongs to the matter that led to the index event.
    """
    _validate.date("index_date", index_date)
    _validate.date("offence_date", offence_date)
    _validate.date("proven_date", proven_date)
    return index_date < offence_date <= follow_up_ends(index_date) and proven_date <= proven_by(
        index_date
    )
