"""The sentence plan's review schedule: when a plan must next be reviewed.

The domain spec (``docs/domain/enforcement.md``, ``docs/domain/sentences.md``) asks for a
sentence plan reviewed "on a schedule" without fixing one, so the schedule is the platform's own
policy default, kept here as data (:data:`REVIEW_MONTHS`) so that it can be read, tested and
changed in one place:

=====================  ==========================  ==========================
tier                   first review, after agreed  every later review, after
=====================  ==========================  ==========================
A (highest protect)    3 months                    3 months
B, C, D, or no tier    3 months                    6 months
=====================  ==========================  ==========================

Why: the first months of an order are when a plan meets reality (accommodation found or lost,
a programme started), so every plan is looked at again after 3 months; after that a plan is
reviewed twice a year, and a tier A case, whose risk of serious harm is the highest, every
quarter. Months are calendar months, clamped to the end of a shorter month (31 August plus
6 months is 28 or 29 February), as :func:`probation.rules.dates.add_months` counts them.
"""

from __future__ import annotations

import datetime as _dt
import types
from collections.abc import Mapping
from typing import Final

from probation.rules import _validate
from probation.rules.dates import add_months
from probation.rules.tiering import TIERS

__all__ = [
    "DEFAULT_REVIEW_MONTHS",
    "REVIEW_MONTHS",
    "next_plan_review_due",
]

#: (months to the first review after the plan is agreed, months between later reviews) by the
#: tier's protect level; a letter not listed (B, C, D) and an untiered case use the default.
REVIEW_MONTHS: Final[Mapping[str, tuple[int, int]]] = types.MappingProxyType({"A": (3, 3)})
#: The schedule of every other case: first review after 3 months, then every 6 months.
DEFAULT_REVIEW_MONTHS: Final[tuple[int, int]] = (3, 6)


def next_plan_review_due(*, last_on: _dt.date, tier: str | None, first: bool) -> _dt.date:
    """When the plan must next be reviewed: counted from ``last_on``, the day the plan was
    agreed (``first=True``: the first review) or last reviewed (``first=False``).

    ``tier`` is the case's tier ("A1" ... "D0"), or None for a case not yet tiered; another
    value (such as "C0S", a case with no active sentence) is treated as untiered.

    >>> next_plan_review_due(last_on=_dt.date(2026, 11, 30), tier="C2", first=True)
    datetime.date(2027, 2, 28)
    >>> next_plan_review_due(last_on=_dt.date(2027, 2, 28), tier="C2", first=False)
    datetime.date(2027, 8, 28)
    >>> next_plan_review_due(last_on=_dt.date(2027, 2, 28), tier="A1", first=False)
    datetime.date(2027, 5, 28)
    """
    _validate.date("last_on", last_on)
    _validate.boolean("first", first)
    if tier is not None and not isinstance(tier, str):
        raise ValueError(f"tier: must be a tier such as 'B2' or None, got {tier!r}")
    protect = tier[0] if tier in TIERS else None
    first_months, later_months = REVIEW_MONTHS.get(protect or "", DEFAULT_REVIEW_MONTHS)
    try:
        return add_months(last_on, first_months if first else later_months)
    except ValueError:
        raise ValueError(f"last_on: too late to count a review from, got {last_on}") from None
