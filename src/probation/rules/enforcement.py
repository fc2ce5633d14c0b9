"""The warning rule for community orders and suspended sentence orders.

Spec: ``docs/domain/enforcement.md``, section "The warning rule" (Criminal Justice Act
2003, Schedule 8, as amended in 2014).

A failure within 12 calendar months of a warning on the same order makes a breach referral
mandatory; otherwise the rule's answer is a warning. The officer may still refer a serious first
failure, but that is the service's recorded choice, not this rule's output.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from probation.rules import _validate
from probation.rules.dates import add_months, in_words

ACTIONS: Final = ("warning", "breach_referral")
#: A warning counts for this many calendar months after the day it was given.
WARNING_MONTHS: Final = 12


@dataclass(frozen=True, slots=True)
class EnforcementAction:
    """What the rule requires: ``"warning"`` or ``"breach_referral"``, and why."""

    action: str
    reason: str

    def __post_init__(self) -> None:
        _validate.choice("action", self.action, ACTIONS)


def on_failure(*, failure_date: _dt.date, warnings: Iterable[_dt.date]) -> EnforcementAction:
    """The action due for a failure on ``failure_date``, given earlier warnings on the order.

    A warning given on ``w`` counts when ``w < failure_date <= add_months(w, 12)``: a warning
    given on the day of the failure (or later) does not count. When several count, the reason
    names the most recent one.
    """
    _validate.date("failure_date", failure_date)
    if isinstance(warnings, str | bytes) or not isinstance(warnings, Iterable):
        raise ValueError(f"warnings: must be a list of dates, got {warnings!r}")
    latest: _dt.date | None = None
    for i, w in enumerate(warnings):
        _validate.date(f"warnings[{i}]", w)
        if w < failure_date <= add_months(w, WARNING_MONTHS) and (latest is None or w > latest):
            latest = w
    if latest is not None:
        return EnforcementAction(
            "breach_referral",
            f"Failure on {in_words(failure_date)} is within 12 months of the warning given on "
            f"{in_words(latest)}: a breach referral is required.",
        )
    return EnforcementAction(
        "warning",
        f"No warning on this order in the 12 months before the failure on "
        f"{in_words(failure_date)}: a warning is due.",
    )
