"""Orders, devices and messages for the ingest and detection tests (helpers, not fixtures, so
any test module, including the MQTT worker's, can use them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from probation.monitoring.ingest import IncomingMessage, IngestResult, store_batch
from probation.monitoring.models import CurfewWindow, Device, EmOrder, Fitting, Zone
from probation.monitoring.payloads import EventItem, FixItem, compact_payload, json_payload
from tests.factories import CaseFactory, PersonFactory, organisation

#: Liverpool: home, and a square exclusion zone about 1 km east of it.
HOME = (53.4084, -2.9916)
ZONE_SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[-2.980, 53.405], [-2.970, 53.405], [-2.970, 53.412], [-2.980, 53.412], [-2.980, 53.405]]
    ],
}
INSIDE_ZONE = (53.4085, -2.975)
OUTSIDE_ZONE = HOME
#: The tests' clock: a Thursday, noon in London (GMT).
NOW = dt.datetime(2026, 3, 5, 12, 0, tzinfo=dt.UTC)


def minutes(n: float) -> dt.datetime:
    """``n`` minutes after NOW (before it when negative)."""
    return NOW + dt.timedelta(minutes=n)


def em_order(**changes: Any) -> EmOrder:
    """An active order on a new Merseyside case, from 10 days ago to 60 days ahead, with a
    licence condition (no requirement needed)."""
    case = CaseFactory(person=PersonFactory(), responsible_organisation=organisation("CRC-C08"))
    today = NOW.date()
    values: dict[str, Any] = {
        "case": case,
        "source": "licence_condition",
        "condition": "Electronic monitoring",
        "starts_on": today - dt.timedelta(days=10),
        "ends_on": today + dt.timedelta(days=60),
        **changes,
    }
    return EmOrder.objects.create(**values)


def exclusion_zone(order: EmOrder, **changes: Any) -> Zone:
    values = {"kind": "exclusion", "name": "City centre", "geometry": ZONE_SQUARE, **changes}
    return Zone.objects.create(order=order, **values)


def curfew(order: EmOrder, *, starts: dt.time, ends: dt.time) -> None:
    """The same window every day of the week."""
    for weekday in range(7):
        CurfewWindow.objects.create(order=order, weekday=weekday, starts=starts, ends=ends)


def tag(
    order: EmOrder | None, serial: str, kind: str = "gps", *, fitted_at: dt.datetime | None = None
) -> Device:
    """A device fitted to ``order`` (a day before NOW unless ``fitted_at``), or in stock when
    ``order`` is None."""
    device = Device.objects.create(
        serial=serial,
        kind=kind,
        state="fitted" if order else "in_stock",
        provider=organisation("EMS"),
        order=order,
    )
    if order is not None:
        Fitting.objects.create(
            device=device, order=order, fitted_at=fitted_at or NOW - dt.timedelta(days=1)
        )
    return device


def fix(seq: int, at: dt.datetime, where: tuple[float, float], acc: float = 5.0) -> FixItem:
    return FixItem(seq, at, where[0], where[1], acc)


def event(seq: int, at: dt.datetime, kind: str, value: float | None = None) -> EventItem:
    return EventItem(seq, at, kind, value)


def message(
    serial: str,
    fixes: Sequence[FixItem] = (),
    events: Sequence[EventItem] = (),
    *,
    compact: bool = False,
) -> IncomingMessage:
    payload = (compact_payload if compact else json_payload)(serial, fixes, events)
    return IncomingMessage(f"em/devices/{serial}/telemetry", payload)


def send(*messages: IncomingMessage, now: dt.datetime = NOW) -> IngestResult:
    return store_batch(list(messages), now=now)
