"""Billable device-days (probation.rules.billing) against electronic-monitoring.md, "Billing":
a day is billable only if, for the whole day, an order was active and a device fitted and the
person was not in custody, deceased or removed from the country."""

from __future__ import annotations

import datetime as dt
import doctest
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probation.rules import billing
from probation.rules.billing import (
    DayJudgement,
    DeviceDayFacts,
    Interval,
    Rejection,
    billable_days,
    reconcile,
)

LONDON = billing.LONDON


def at(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def day(n: int, month: int = 3) -> dt.date:
    return dt.date(2026, month, n)


ORDER = (Interval(at(1)),)
FITTED = (Interval(at(1)),)
MONITORED = DeviceDayFacts(order_active=ORDER, device_fitted=FITTED)


def judge(facts: DeviceDayFacts, on: dt.date) -> DayJudgement:
    [judgement] = billable_days(facts, on, on)
    return judgement


@pytest.mark.parametrize(
    ("facts", "on", "billable", "reasons"),
    [
        pytest.param(MONITORED, day(5), True, (), id="monitored-all-day"),
        pytest.param(
            DeviceDayFacts(order_active=ORDER, device_fitted=FITTED, died_on=day(3)),
            day(5),
            False,
            ("The person died on 3 March 2026.",),
            id="a-tag-on-a-dead-person",
        ),
        pytest.param(
            DeviceDayFacts(order_active=ORDER, device_fitted=FITTED, died_on=day(5)),
            day(5),
            False,
            ("The person died on 5 March 2026.",),
            id="the-day-of-death",
        ),
        pytest.param(
            DeviceDayFacts(order_active=ORDER, device_fitted=FITTED, died_on=day(6)),
            day(5),
            True,
            (),
            id="the-day-before-death",
        ),
        pytest.param(
            DeviceDayFacts(
                order_active=ORDER, device_fitted=FITTED, in_custody=(Interval(at(5, 12)),)
            ),
            day(5),
            False,
            ("In custody from 12:00 on 5 March 2026.",),
            id="in-custody-from-midday",
        ),
        pytest.param(
            DeviceDayFacts(
                order_active=ORDER, device_fitted=FITTED, in_custody=(Interval(at(5, 12)),)
            ),
            day(4),
            True,
            (),
            id="the-day-before-custody",
        ),
        pytest.param(
            DeviceDayFacts(
                order_active=ORDER,
                device_fitted=FITTED,
                in_custody=(Interval(at(4, 22), at(5, 9, 30)),),
            ),
            day(5),
            False,
            ("In custody from 22:00 on 4 March 2026 until 09:30 on 5 March 2026.",),
            id="released-from-custody-in-the-morning",
        ),
        pytest.param(
            DeviceDayFacts(
                order_active=ORDER, device_fitted=FITTED, in_custody=(Interval(at(4, 12), at(5)),)
            ),
            day(5),
            True,
            (),
            id="released-at-midnight",
        ),
        pytest.param(
            DeviceDayFacts(order_active=ORDER),
            day(5),
            False,
            ("No device was fitted.",),
            id="never-fitted",
        ),
        pytest.param(
            DeviceDayFacts(order_active=ORDER, device_fitted=(Interval(at(5, 14)),)),
            day(5),
            False,
            ("The device was fitted at 14:00 on 5 March 2026.",),
            id="fitted-at-14:00-is-not-a-whole-day",
        ),
        pytest.param(
            DeviceDayFacts(order_active=ORDER, device_fitted=(Interval(at(5, 0)),)),
            day(5),
            True,
            (),
            id="fitted-at-midnight",
        ),
        pytest.param(
            DeviceDayFacts(order_active=ORDER, device_fitted=(Interval(at(1), at(5, 9)),)),
            day(5),
            False,
            ("The device was removed at 09:00 on 5 March 2026.",),
            id="removed-in-the-morning",
        ),
        pytest.param(
            DeviceDayFacts(
                order_active=ORDER,
                device_fitted=(Interval(at(1), at(5, 9)), Interval(at(5, 10))),
            ),
            day(5),
            False,
            (
                "The device was removed at 09:00 on 5 March 2026.",
                "The device was fitted at 10:00 on 5 March 2026.",
            ),
            id="replaced-with-an-hour-untagged",
        ),
        pytest.param(
            DeviceDayFacts(
                order_active=ORDER,
                device_fitted=(Interval(at(1), at(5, 9)), Interval(at(5, 9))),
            ),
            day(5),
            True,
            (),
            id="replaced-without-a-gap",
        ),
        pytest.param(
            DeviceDayFacts(device_fitted=FITTED),
            day(5),
            False,
            ("No EM order was active.",),
            id="no-order",
        ),
        pytest.param(
            DeviceDayFacts(order_active=(Interval(at(1), at(5, 12)),), device_fitted=FITTED),
            day(5),
            False,
            ("The EM order ended at 12:00 on 5 March 2026.",),
            id="order-ends-at-noon",
        ),
        pytest.param(
            DeviceDayFacts(order_active=(Interval(at(1), at(6)),), device_fitted=FITTED),
            day(5),
            True,
            (),
            id="order-ends-at-midnight-covers-the-day-before",
        ),
        pytest.param(
            DeviceDayFacts(
                order_active=ORDER, device_fitted=FITTED, removed_from_country_at=at(5, 10)
            ),
            day(5),
            False,
            ("The person was removed from the country at 10:00 on 5 March 2026.",),
            id="removed-from-the-country",
        ),
        pytest.param(
            DeviceDayFacts(order_active=ORDER, device_fitted=FITTED, removed_from_country_at=at(6)),
            day(5),
            True,
            (),
            id="removed-at-midnight-after-the-day",
        ),
        pytest.param(
            DeviceDayFacts(
                order_active=(Interval(at(1), at(5, 12)),),
                in_custody=(Interval(at(5, 12)),),
                died_on=day(5),
                removed_from_country_at=at(5, 1),
            ),
            day(5),
            False,
            (
                "The EM order ended at 12:00 on 5 March 2026.",
                "No device was fitted.",
                "In custody from 12:00 on 5 March 2026.",
                "The person died on 5 March 2026.",
                "The person was removed from the country at 01:00 on 5 March 2026.",
            ),
            id="every-reason-is-listed",
        ),
    ],
)
def test_billable_days(
    facts: DeviceDayFacts, on: dt.date, billable: bool, reasons: tuple[str, ...]
) -> None:
    judgement = judge(facts, on)
    assert judgement == DayJudgement(on, billable, reasons)


@pytest.mark.parametrize(
    ("fitted_at", "on", "billable"),
    [
        # Clocks go forward on 29 March 2026 (a 23-hour day) and back on 25 October (25 hours).
        pytest.param(
            dt.datetime(2026, 3, 29, 0, tzinfo=dt.UTC), day(29), True, id="spring-midnight-gmt"
        ),
        pytest.param(
            dt.datetime(2026, 3, 29, 0, 1, tzinfo=dt.UTC), day(29), False, id="spring-00:01"
        ),
        pytest.param(
            dt.datetime(2026, 10, 24, 23, tzinfo=dt.UTC),
            day(25, 10),
            True,
            id="autumn-midnight-bst",
        ),
        pytest.param(
            dt.datetime(2026, 10, 25, 0, tzinfo=dt.UTC), day(25, 10), False, id="autumn-01:00-bst"
        ),
        pytest.param(
            dt.datetime(2026, 7, 9, 23, tzinfo=dt.UTC),
            day(10, 7),
            True,
            id="summer-midnight-is-23:00-utc",
        ),
        pytest.param(
            dt.datetime(2026, 7, 10, 0, tzinfo=dt.UTC),
            day(10, 7),
            False,
            id="summer-00:00-utc-is-01:00",
        ),
    ],
)
def test_a_day_is_the_london_calendar_day(
    fitted_at: dt.datetime, on: dt.date, billable: bool
) -> None:
    facts = DeviceDayFacts(order_active=ORDER, device_fitted=(Interval(fitted_at),))
    assert judge(facts, on).billable is billable


def test_the_reasons_use_london_time() -> None:
    facts = DeviceDayFacts(
        order_active=ORDER, device_fitted=(Interval(dt.datetime(2026, 7, 10, 13, tzinfo=dt.UTC)),)
    )
    assert judge(facts, day(10, 7)).reasons == ("The device was fitted at 14:00 on 10 July 2026.",)


def test_a_month_of_days() -> None:
    facts = DeviceDayFacts(
        order_active=(Interval(at(2, 9), at(28, 17)),),
        device_fitted=(Interval(at(3, 14), at(27, 10)),),
        in_custody=(Interval(at(10, 12), at(12, 15)),),
    )
    judgements = billable_days(facts, day(1), day(31))
    assert [j.day for j in judgements] == [day(n) for n in range(1, 32)]
    billable = [j.day.day for j in judgements if j.billable]
    assert billable == [*range(4, 10), *range(13, 27)]
    assert all(j.reasons for j in judgements if not j.billable)


@settings(max_examples=200, deadline=None)
@given(
    fitted_hour=st.integers(0, 23),
    custody_from=st.one_of(st.none(), st.integers(0, 23)),
    died=st.booleans(),
)
def test_a_day_is_billable_only_if_nothing_spoils_it(
    fitted_hour: int, custody_from: int | None, died: bool
) -> None:
    facts = DeviceDayFacts(
        order_active=ORDER,
        device_fitted=(Interval(at(5, fitted_hour)),),
        in_custody=() if custody_from is None else (Interval(at(5, custody_from)),),
        died_on=day(5) if died else None,
    )
    judgement = judge(facts, day(5))
    spoilt = fitted_hour > 0 or custody_from is not None or died
    assert judgement.billable is not spoilt
    assert len(judgement.reasons) == (fitted_hour > 0) + (custody_from is not None) + died


@pytest.mark.parametrize(
    ("build", "field"),
    [
        pytest.param(lambda: Interval(dt.datetime(2026, 3, 1)), "starts", id="naive-start"),  # noqa: DTZ001
        pytest.param(lambda: Interval(at(2), at(1)), "ends", id="ends-before-it-starts"),
        pytest.param(lambda: Interval(at(2), at(2)), "ends", id="empty"),
        pytest.param(
            lambda: DeviceDayFacts(order_active=[Interval(at(1))]), "order_active", id="list"
        ),
        pytest.param(
            lambda: DeviceDayFacts(device_fitted=(at(1),)), "device_fitted", id="not-interval"
        ),
        pytest.param(lambda: DeviceDayFacts(died_on=at(1)), "died_on", id="died-on-a-datetime"),
        pytest.param(
            lambda: DeviceDayFacts(removed_from_country_at=day(1)),
            "removed_from_country_at",
            id="removed-a-date",
        ),
        pytest.param(lambda: billable_days(MONITORED, day(5), day(4)), "last_day", id="backwards"),
        pytest.param(
            lambda: billable_days(MONITORED, day(5), dt.date(2040, 1, 1)), "last_day", id="too-long"
        ),
        pytest.param(
            lambda: billable_days(MONITORED, at(5), day(6)), "first_day", id="datetime-day"
        ),
        pytest.param(lambda: billable_days("facts", day(5), day(6)), "facts", id="not-facts"),
    ],
)
def test_inputs_are_checked(build: Any, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        build()


# ---- reconciliation ------------------------------------------------------------------------

JUDGED = billable_days(
    DeviceDayFacts(order_active=ORDER, device_fitted=FITTED, died_on=day(5)), day(3), day(6)
)


@pytest.mark.parametrize(
    ("claimed", "accepted", "rejected"),
    [
        pytest.param([day(3), day(4)], (day(3), day(4)), (), id="all-billable"),
        pytest.param(
            [day(4), day(5), day(6)],
            (day(4),),
            (
                Rejection(day(5), ("The person died on 5 March 2026.",)),
                Rejection(day(6), ("The person died on 5 March 2026.",)),
            ),
            id="tagging-the-dead",
        ),
        pytest.param(
            [day(4), day(4)],
            (day(4),),
            (Rejection(day(4), ("The day was claimed more than once.",)),),
            id="claimed-twice",
        ),
        pytest.param(
            [day(2)],
            (),
            (Rejection(day(2), ("The day is outside the period judged.",)),),
            id="not-judged",
        ),
        pytest.param([], (), (), id="nothing-claimed"),
        pytest.param([day(4), day(3)], (day(3), day(4)), (), id="sorted-by-day"),
    ],
)
def test_reconcile(
    claimed: list[dt.date], accepted: tuple[dt.date, ...], rejected: tuple[Rejection, ...]
) -> None:
    result = reconcile(claimed, JUDGED)
    assert result == (accepted, rejected)
    assert result.accepted == accepted


def test_reconcile_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match=r"^claimed_days:"):
        reconcile([at(4)], JUDGED)
    with pytest.raises(ValueError, match=r"^judgements:"):
        reconcile([day(4)], [day(4)])  # type: ignore[list-item]


def test_docstring_examples() -> None:
    result = doctest.testmod(billing, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
