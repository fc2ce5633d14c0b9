"""Progress on an order's requirements: unpaid work hours and rehabilitation activity days.

Spec: ``docs/domain/sentences.md`` (requirements table: unpaid work is 40-300 hours "to be
completed within 12 months"; a rehabilitation activity requirement is a maximum number of days)
and ``docs/domain/enforcement.md`` ("Recording compliance"). Pure functions: the service that
credits hours and the pages that show progress both use them, so the arithmetic is the same
everywhere.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from probation.rules import _validate
from probation.rules.dates import add_months

__all__ = [
    "UNPAID_WORK_MONTHS",
    "Progress",
    "hours_creditable",
    "progress",
    "unpaid_work_deadline",
]

#: Unpaid work must be completed within 12 months of the sentence (``sentences.md``).
UNPAID_WORK_MONTHS: Final = 12
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Progress:
    """How much of a requirement was ordered, delivered and is left (never below zero)."""

    ordered: Decimal
    delivered: Decimal
    remaining: Decimal

    @property
    def complete(self) -> bool:
        return self.remaining == 0


def progress(*, ordered: int | Decimal, delivered: int | Decimal) -> Progress:
    """Ordered, delivered and remaining; delivering more than ordered leaves nothing remaining.

    >>> progress(ordered=100, delivered=Decimal("7.5")).remaining
    Decimal('92.5')
    >>> progress(ordered=20, delivered=25).remaining
    Decimal('0')
    """
    ordered_d, delivered_d = Decimal(ordered), Decimal(delivered)
    if ordered_d < 0 or delivered_d < 0:
        raise ValueError("ordered and delivered must not be negative")
    return Progress(ordered_d, delivered_d, max(ordered_d - delivered_d, _ZERO))


def unpaid_work_deadline(sentence_date: _dt.date) -> _dt.date:
    """The day unpaid work must be completed by: 12 calendar months after the sentence (29
    February moves to 28 February).

    >>> unpaid_work_deadline(_dt.date(2026, 11, 2))
    datetime.date(2027, 11, 2)
    >>> unpaid_work_deadline(_dt.date(2028, 2, 29))
    datetime.date(2029, 2, 28)
    """
    _validate.date("sentence_date", sentence_date)
    return add_months(sentence_date, UNPAID_WORK_MONTHS)


def hours_creditable(*, session_hours: Decimal, remaining: Decimal) -> Decimal:
    """The most unpaid work hours one session may credit: no more than the session lasted and no
    more than the order has left.

    >>> hours_creditable(session_hours=Decimal(7), remaining=Decimal("3.5"))
    Decimal('3.5')
    >>> hours_creditable(session_hours=Decimal(7), remaining=Decimal(80))
    Decimal('7')
    """
    if session_hours < 0 or remaining < 0:
        raise ValueError("session_hours and remaining must not be negative")
    return min(session_hours, remaining)
