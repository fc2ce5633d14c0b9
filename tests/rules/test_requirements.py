"""Progress on unpaid work and rehabilitation activity (docs/domain/sentences.md): table-driven."""

from __future__ import annotations

import datetime as dt
import doctest
from decimal import Decimal

import pytest

from probation.rules import requirements
from probation.rules.requirements import hours_creditable, progress, unpaid_work_deadline


@pytest.mark.parametrize(
    ("ordered", "delivered", "remaining", "complete"),
    [
        (100, 0, Decimal(100), False),
        (100, Decimal("7.5"), Decimal("92.5"), False),
        (100, 100, Decimal(0), True),
        (20, 25, Decimal(0), True),
        (0, 0, Decimal(0), True),
    ],
)
def test_progress(ordered, delivered, remaining, complete):
    result = progress(ordered=ordered, delivered=delivered)
    assert result.remaining == remaining and result.complete is complete
    assert result.ordered == Decimal(ordered) and result.delivered == Decimal(delivered)


@pytest.mark.parametrize(("ordered", "delivered"), [(-1, 0), (10, -1)])
def test_progress_refuses_negatives(ordered, delivered):
    with pytest.raises(ValueError):
        progress(ordered=ordered, delivered=delivered)


@pytest.mark.parametrize(
    ("sentenced", "deadline"),
    [
        (dt.date(2026, 11, 2), dt.date(2027, 11, 2)),
        (dt.date(2028, 2, 29), dt.date(2029, 2, 28)),
        (dt.date(2026, 12, 31), dt.date(2027, 12, 31)),
    ],
)
def test_unpaid_work_deadline(sentenced, deadline):
    assert unpaid_work_deadline(sentenced) == deadline


@pytest.mark.parametrize(
    ("session", "remaining", "most"),
    [
        (Decimal(7), Decimal(80), Decimal(7)),
        (Decimal(7), Decimal("3.5"), Decimal("3.5")),
        (Decimal(7), Decimal(0), Decimal(0)),
    ],
)
def test_hours_creditable(session, remaining, most):
    assert hours_creditable(session_hours=session, remaining=remaining) == most


def test_docstring_examples():
    result = doctest.testmod(requirements, verbose=False)
    assert result.attempted > 0 and result.failed == 0
