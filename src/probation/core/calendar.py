"""The bank holidays of England and Wales, for the working-day clocks (``docs/domain/allocation.md``
section 3, ``docs/adr/0010-allocation-first-slice.md``).

The dates come from the ``holidays`` library (England: ``GB``, subdivision ``ENG``, whose bank
holidays Wales shares), including substitute days ("Boxing Day (observed)") and one-off bank
holidays, rather than a list typed by hand. The pure rules take the result as an argument.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays


def england_and_wales_bank_holidays(years: Iterable[int]) -> frozenset[dt.date]:
    """The bank holidays of England and Wales in ``years``."""
    return _bank_holidays(tuple(sorted(set(years))))


@lru_cache(maxsize=32)
def _bank_holidays(years: tuple[int, ...]) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=years))


def bank_holidays_from(day: dt.date, *, years_ahead: int = 1) -> frozenset[dt.date]:
    """The bank holidays of ``day``'s year and the ``years_ahead`` years after it: enough for a
    clock of a few working days counted from ``day`` across a new year."""
    return england_and_wales_bank_holidays(range(day.year, day.year + years_ahead + 1))
