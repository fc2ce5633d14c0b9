"""Electronic monitoring billing: which device-days the provider may be paid for, and why not.

Spec: ``docs/domain/electronic-monitoring.md``, section "Billing (the 'tagging the dead'
problem)": "A day is billable only if, for the whole of that day: there was an active EM order;
a device was fitted; the person was not in custody, not deceased, and not removed from the
country." Every day claimed that is not billable is listed with its reason.

Why a rule over intervals: the facts come from different places (the order's dates, the
device's fitting and removal, custody spells from prisons, a death or a removal recorded by the
case manager), at times of day. Judging each day against all of them at once, in one place,
means the statement, the reconciliation of the provider's invoice and the alert page agree.

Decided here (for the monitoring ADR):

* A day is the Europe/London calendar day, local midnight to local midnight, so 23 hours on the
  day the clocks go forward and 25 on the day they go back.
* **Partial days are not billable.** "The whole of that day" is read literally: the day a
  device is fitted at 14:00, the day an order ends at noon, and the day a person is taken into
  custody at 12:00 are not billable. An interval's start is included and its end excluded, so an
  order ending at 00:00 covers the whole of the day before.
* A death is recorded as a date (the time is often unknown): the day of death and every day
  after it are not billable. A removal from the country has a time: that day and after.
* Every reason is listed, not only the first, so a rejected claim can be checked fact by fact.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple
from zoneinfo import ZoneInfo

from probation.rules import _validate
from probation.rules.dates import in_words

__all__ = [
    "MAX_DAYS",
    "DayJudgement",
    "DeviceDayFacts",
    "Interval",
    "Reconciliation",
    "Rejection",
    "billable_days",
    "reconcile",
]

LONDON: Final = ZoneInfo("Europe/London")
MAX_DAYS: Final = 3_660
_ONE_DAY: Final = _dt.timedelta(days=1)


def _aware(field: str, value: Any) -> None:
    if not isinstance(value, _dt.datetime) or value.utcoffset() is None:
        raise ValueError(f"{field}: must be a datetime with a time zone, got {value!r:.60}")


def _at(at: _dt.datetime) -> str:
    """A moment in words, in London time: "12:00 on 5 March 2026"."""
    local = at.astimezone(LONDON)
    return f"{local:%H:%M} on {in_words(local.date())}"


@dataclass(frozen=True, slots=True)
class Interval:
    """From ``starts`` (included) to ``ends`` (excluded; None: still open)."""

    starts: _dt.datetime
    ends: _dt.datetime | None = None

    def __post_init__(self) -> None:
        _aware("starts", self.starts)
        if self.ends is not None:
            _aware("ends", self.ends)
            if self.ends <= self.starts:
                raise ValueError("ends: must be after starts")

    def overlaps(self, start: _dt.datetime, end: _dt.datetime) -> bool:
        return self.starts < end and (self.ends is None or start < self.ends)


def _intervals(field: str, value: Any) -> None:
    if not isinstance(value, tuple) or not all(isinstance(i, Interval) for i in value):
        raise ValueError(f"{field}: must be a tuple of Interval")
    if len(value) > 1_000:
        raise ValueError(f"{field}: at most 1,000 intervals, got {len(value)}")


@dataclass(frozen=True, slots=True)
class DeviceDayFacts:
    """What is known about one person and one device, as intervals and dates."""

    order_active: tuple[Interval, ...] = ()
    device_fitted: tuple[Interval, ...] = ()
    in_custody: tuple[Interval, ...] = ()
    died_on: _dt.date | None = None
    removed_from_country_at: _dt.datetime | None = None

    def __post_init__(self) -> None:
        for name in ("order_active", "device_fitted", "in_custody"):
            _intervals(name, getattr(self, name))
        if self.died_on is not None:
            _validate.date("died_on", self.died_on)
        if self.removed_from_country_at is not None:
            _aware("removed_from_country_at", self.removed_from_country_at)


@dataclass(frozen=True, slots=True)
class DayJudgement:
    """Whether a day is billable and, if not, every reason in words."""

    day: _dt.date
    billable: bool
    reasons: tuple[str, ...]


def _day_bounds(day: _dt.date) -> tuple[_dt.datetime, _dt.datetime]:
    start = _dt.datetime.combine(day, _dt.time(), tzinfo=LONDON).astimezone(_dt.UTC)
    end = _dt.datetime.combine(day + _ONE_DAY, _dt.time(), tzinfo=LONDON).astimezone(_dt.UTC)
    return start, end


def _covers(intervals: Sequence[Interval], start: _dt.datetime, end: _dt.datetime) -> bool:
    """Whether the union of ``intervals`` covers ``[start, end)`` without a gap."""
    reached = start
    for interval in sorted(intervals, key=lambda i: i.starts):
        if interval.starts > reached:
            break
        if interval.ends is None or interval.ends >= end:
            return True
        reached = max(reached, interval.ends)
    return reached >= end


def _coverage_reasons(
    intervals: Sequence[Interval],
    start: _dt.datetime,
    end: _dt.datetime,
    *,
    none: str,
    began: str,
    ended: str,
) -> list[str]:
    """Why ``intervals`` do not cover the day: nothing at all, or where they start and end."""
    if _covers(intervals, start, end):
        return []
    overlapping = [i for i in intervals if i.overlaps(start, end)]
    if not overlapping:
        return [none]
    reasons = []
    for interval in sorted(overlapping, key=lambda i: i.starts):
        if interval.starts > start:
            reasons.append(f"{began} {_at(interval.starts)}.")
        if interval.ends is not None and interval.ends < end:
            reasons.append(f"{ended} {_at(interval.ends)}.")
    return reasons


def _custody_reasons(facts: DeviceDayFacts, start: _dt.datetime, end: _dt.datetime) -> list[str]:
    reasons = []
    for spell in sorted(facts.in_custody, key=lambda i: i.starts):
        if not spell.overlaps(start, end):
            continue
        text = f"In custody from {_at(spell.starts)}"
        if spell.ends is not None and spell.ends < end:
            text += f" until {_at(spell.ends)}"
        reasons.append(text + ".")
    return reasons


def _judge_day(facts: DeviceDayFacts, day: _dt.date) -> DayJudgement:
    start, end = _day_bounds(day)
    reasons = _coverage_reasons(
        facts.order_active,
        start,
        end,
        none="No EM order was active.",
        began="The EM order started at",
        ended="The EM order ended at",
    )
    reasons += _coverage_reasons(
        facts.device_fitted,
        start,
        end,
        none="No device was fitted.",
        began="The device was fitted at",
        ended="The device was removed at",
    )
    reasons += _custody_reasons(facts, start, end)
    if facts.died_on is not None and facts.died_on <= day:
        reasons.append(f"The person died on {in_words(facts.died_on)}.")
    removed = facts.removed_from_country_at
    if removed is not None and removed < end:
        reasons.append(f"The person was removed from the country at {_at(removed)}.")
    return DayJudgement(day, not reasons, tuple(reasons))


def billable_days(
    facts: DeviceDayFacts, first_day: _dt.date, last_day: _dt.date
) -> list[DayJudgement]:
    """Each day from ``first_day`` to ``last_day`` (both included), judged.

    >>> from datetime import date, datetime, UTC
    >>> facts = DeviceDayFacts(
    ...     order_active=(Interval(datetime(2026, 3, 1, tzinfo=UTC)),),
    ...     device_fitted=(Interval(datetime(2026, 3, 2, 14, tzinfo=UTC)),),
    ...     died_on=date(2026, 3, 4),
    ... )
    >>> for d in billable_days(facts, date(2026, 3, 2), date(2026, 3, 4)):
    ...     print(d.day, d.billable, d.reasons)
    2026-03-02 False ('The device was fitted at 14:00 on 2 March 2026.',)
    2026-03-03 True ()
    2026-03-04 False ('The person died on 4 March 2026.',)
    """
    if not isinstance(facts, DeviceDayFacts):
        raise ValueError("facts: must be a DeviceDayFacts")
    _validate.date("first_day", first_day)
    _validate.date("last_day", last_day)
    if last_day < first_day:
        raise ValueError("last_day: must not be before first_day")
    if (last_day - first_day).days >= MAX_DAYS:
        raise ValueError(f"last_day: at most {MAX_DAYS:,} days can be judged at once")
    days = (first_day + _dt.timedelta(days=n) for n in range((last_day - first_day).days + 1))
    return [_judge_day(facts, day) for day in days]


class Rejection(NamedTuple):
    day: _dt.date
    reasons: tuple[str, ...]


class Reconciliation(NamedTuple):
    """The claimed days accepted, and those rejected with their reasons (both by day)."""

    accepted: tuple[_dt.date, ...]
    rejected: tuple[Rejection, ...]


def reconcile(
    claimed_days: Iterable[_dt.date], judgements: Sequence[DayJudgement]
) -> Reconciliation:
    """Check a provider's claimed device-days against the judgements.

    A claimed day is accepted only if it was judged billable. A day not judged, and a day
    claimed more than once (its repeats), are rejected too, with the reason.

    >>> from datetime import date
    >>> judged = [DayJudgement(date(2026, 3, 1), True, ()),
    ...           DayJudgement(date(2026, 3, 2), False, ("No device was fitted.",))]
    >>> r = reconcile([date(2026, 3, 1), date(2026, 3, 2)], judged)
    >>> r.accepted
    (datetime.date(2026, 3, 1),)
    >>> r.rejected
    (Rejection(day=datetime.date(2026, 3, 2), reasons=('No device was fitted.',)),)
    """
    by_day: dict[_dt.date, DayJudgement] = {}
    for item in judgements:
        if not isinstance(item, DayJudgement):
            raise ValueError("judgements: every item must be a DayJudgement")
        by_day[item.day] = item
    accepted: list[_dt.date] = []
    rejected: list[Rejection] = []
    seen: set[_dt.date] = set()
    for day in claimed_days:
        _validate.date("claimed_days", day)
        judgement = by_day.get(day)
        if day in seen:
            rejected.append(Rejection(day, ("The day was claimed more than once.",)))
        elif judgement is None:
            rejected.append(Rejection(day, ("The day is outside the period judged.",)))
        elif judgement.billable:
            accepted.append(day)
        else:
            rejected.append(Rejection(day, judgement.reasons))
        seen.add(day)
    return Reconciliation(tuple(sorted(accepted)), tuple(sorted(rejected, key=lambda r: r.day)))
