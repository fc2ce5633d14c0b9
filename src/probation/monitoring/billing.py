"""The billing ledger: each device-day judged from the facts in the database, in bulk.

Spec: ``docs/domain/electronic-monitoring.md``, section "Billing": a device-day is billable only
if, for the whole of that day, there was an active EM order, a device was fitted, and the person
was not in custody, deceased or removed from the country. The judgement itself is
:mod:`probation.rules.billing`; this module only reads the facts it needs (a fixed number of
queries however many devices: fittings with their orders, then the people's statuses) and hands
them to the rule, so the claim reconciliation, the contract managers' totals and
``probation stats`` all count the same way.

Why per person: a device may be fitted to several orders in a month, even to different people
(removed from one, returned to stock, fitted to another). Each person's orders, fittings of this
device and statuses are judged apart; a day is billable if it is billable for one of them (a
device is on one person at a time). A day on which the device was on nobody is not billable:
"No device was fitted."
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from probation.monitoring.models import Device, EmOrder, Fitting, PersonStatus, StatusKind
from probation.rules.billing import (
    LONDON,
    DayJudgement,
    DeviceDayFacts,
    Interval,
    billable_days,
)

#: The reason for a day on which the device was fitted to nobody (the rule's own words).
NOT_FITTED: Final = "No device was fitted."


def day_start(day: dt.date) -> dt.datetime:
    """Local (Europe/London) midnight at the start of ``day``, in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=LONDON).astimezone(dt.UTC)


def month_days(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of ``month``'s calendar month."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def order_interval(order: EmOrder) -> Interval:
    """An order is active from local midnight on its first day to local midnight after its last
    (an ended or revoked order's ``ends_on`` is the day it ended)."""
    return Interval(day_start(order.starts_on), day_start(order.ends_on + dt.timedelta(days=1)))


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """One person's facts for one device: what :func:`probation.rules.billing.billable_days`
    judges."""

    person_id: int
    crn: str
    facts: DeviceDayFacts


@dataclass
class DeviceLedger:
    """A device and the facts of each person it was fitted to in the period."""

    device_id: int
    serial: str
    provider_id: int
    people: list[PersonFacts] = field(default_factory=list)

    def judge(self, first_day: dt.date, last_day: dt.date) -> list[DayJudgement]:
        """Each day of the period: billable if billable for one of its people."""
        if not self.people:
            return [
                DayJudgement(first_day + dt.timedelta(days=n), False, (NOT_FITTED,))
                for n in range((last_day - first_day).days + 1)
            ]
        judged = [billable_days(p.facts, first_day, last_day) for p in self.people]
        days: list[DayJudgement] = []
        for position, day_judgements in enumerate(zip(*judged, strict=True)):
            day = first_day + dt.timedelta(days=position)
            billable = next((j for j in day_judgements if j.billable), None)
            if billable is not None:
                days.append(billable)
                continue
            start, end = day_start(day), day_start(day + dt.timedelta(days=1))
            on_that_day = [
                judgement
                for judgement, person in zip(day_judgements, self.people, strict=True)
                if any(i.overlaps(start, end) for i in person.facts.device_fitted)
            ]
            if not on_that_day:
                days.append(DayJudgement(day, False, (NOT_FITTED,)))
                continue
            reasons: list[str] = []
            for judgement in on_that_day:
                reasons += [r for r in judgement.reasons if r not in reasons]
            days.append(DayJudgement(day, False, tuple(reasons)))
        return days


def _status_facts(
    statuses: Sequence[PersonStatus],
) -> tuple[tuple[Interval, ...], dt.date | None, dt.datetime | None]:
    custody: list[Interval] = []
    died_on: dt.date | None = None
    removed_at: dt.datetime | None = None
    for status in statuses:
        if status.kind == StatusKind.IN_CUSTODY:
            ends = status.ends_at if status.ends_at and status.ends_at > status.starts_at else None
            if status.ends_at is not None and ends is None:
                continue  # an empty spell (released the moment it began) stops nothing
            custody.append(Interval(status.starts_at, ends))
        elif status.kind == StatusKind.DECEASED:
            day = status.starts_at.astimezone(LONDON).date()
            died_on = day if died_on is None else min(died_on, day)
        elif status.kind == StatusKind.REMOVED:
            at = status.starts_at
            removed_at = at if removed_at is None else min(removed_at, at)
    return tuple(custody), died_on, removed_at


def ledger_facts(
    *, first_day: dt.date, last_day: dt.date, devices: Iterable[Device]
) -> list[DeviceLedger]:
    """The facts of ``devices`` for the days ``first_day`` to ``last_day``: two queries (their
    fittings that overlap the period, with orders and people; those people's statuses)."""
    ledgers = {d.id: DeviceLedger(d.id, d.serial, d.provider_id) for d in devices}
    period_start, period_end = day_start(first_day), day_start(last_day + dt.timedelta(days=1))
    fittings = (
        Fitting.objects.filter(device_id__in=list(ledgers), fitted_at__lt=period_end)
        .exclude(ended_at__lte=period_start)
        .select_related("order__case__person")
        .order_by("device_id", "fitted_at", "id")
    )
    by_device_person: dict[int, dict[int, list[Fitting]]] = defaultdict(lambda: defaultdict(list))
    crns: dict[int, str] = {}
    for fitting in fittings:
        person = fitting.order.case.person
        crns[person.pk] = person.crn
        by_device_person[fitting.device_id][person.pk].append(fitting)
    statuses: dict[int, list[PersonStatus]] = defaultdict(list)
    for status in PersonStatus.objects.filter(
        person_id__in=list(crns), starts_at__lt=period_end
    ).order_by("person_id", "starts_at", "id"):
        statuses[status.person_id].append(status)
    for device_id, people in by_device_person.items():
        for person_id, person_fittings in people.items():
            orders = {f.order_id: f.order for f in person_fittings}
            custody, died_on, removed_at = _status_facts(statuses.get(person_id, []))
            facts = DeviceDayFacts(
                order_active=tuple(order_interval(o) for o in orders.values()),
                device_fitted=tuple(
                    Interval(f.fitted_at, f.ended_at)
                    for f in person_fittings
                    if f.ended_at is None or f.ended_at > f.fitted_at
                ),
                in_custody=custody,
                died_on=died_on,
                removed_from_country_at=removed_at,
            )
            ledgers[device_id].people.append(PersonFacts(person_id, crns[person_id], facts))
    return list(ledgers.values())


def judge_devices(
    *, first_day: dt.date, last_day: dt.date, devices: Iterable[Device]
) -> dict[int, list[DayJudgement]]:
    """Every day of the period judged, for each device (by id)."""
    return {
        ledger.device_id: ledger.judge(first_day, last_day)
        for ledger in ledger_facts(first_day=first_day, last_day=last_day, devices=devices)
    }


#: Devices judged at once when counting a whole provider's month (bounded memory).
CHUNK: Final = 2_000


@dataclass(frozen=True, slots=True)
class MonthCounts:
    """A month's device-days: ``billable`` by the ledger, and ``fitted``: the days on which a
    device was on someone for some of the day (billable or not, judged), so that the gap
    between the two is what custody, death, removal and partial days cost the provider."""

    billable: int
    fitted: int


def month_counts(*, month: dt.date, provider_id: int | None = None) -> MonthCounts:
    """``month``'s device-days of one provider (or all), billable and fitted.

    Only a device with a fitting that overlaps the month can have a billable day, so only those
    are judged, :data:`CHUNK` at a time."""
    first_day, last_day = month_days(month)
    period_start, period_end = day_start(first_day), day_start(last_day + dt.timedelta(days=1))
    fitted = (
        Fitting.objects.filter(fitted_at__lt=period_end)
        .exclude(ended_at__lte=period_start)
        .values_list("device_id", flat=True)
        .distinct()
    )
    devices = Device.objects.filter(pk__in=fitted).only("id", "serial", "provider_id")
    if provider_id is not None:
        devices = devices.filter(provider_id=provider_id)
    ids = list(devices.order_by("id").values_list("id", flat=True))
    billable = on_someone = 0
    for start in range(0, len(ids), CHUNK):
        chunk = Device.objects.filter(pk__in=ids[start : start + CHUNK]).only(
            "id", "serial", "provider_id"
        )
        judged = judge_devices(first_day=first_day, last_day=last_day, devices=chunk)
        for days in judged.values():
            billable += sum(1 for day in days if day.billable)
            on_someone += sum(1 for day in days if day.reasons != (NOT_FITTED,))
    return MonthCounts(billable=billable, fitted=on_someone)


def billable_device_days(*, month: dt.date, provider_id: int | None = None) -> int:
    """How many device-days of ``month`` the ledger finds billable (of one provider, or all)."""
    return month_counts(month=month, provider_id=provider_id).billable
