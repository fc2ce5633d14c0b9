"""A simulator of tags: realistic telemetry for fitted devices, published over MQTT, with the
violations it injected written down so that a run can be scored against the alerts raised.

Issue 11: "``probation em simulate --tags N --interval S [--violations …]`` publishes realistic
trails (moving, at home overnight, occasional zone entries, curfew breaches, tamper, signal gaps
with late uploads) over MQTT, and prints what it injected so a run can be scored."

How a run works. :func:`tags_from_database` reads N fitted devices with their order's curfew
address, curfew timetable and zones. :func:`plan_run` then plans every message of the run ahead
(deterministic for a seed and a start): each tag takes a fix (GPS), a heartbeat (RF) or a reading
(alcohol) every ``interval`` seconds, at its own phase so the load is spread, and uploads every
``batch`` items in the compact payload of :mod:`probation.monitoring.payloads`. The trail is at
home inside the curfew buffer overnight and during curfew windows, and moves around the home
by day, kept out of exclusion zones, so that **only the injected violations break a rule**:

* ``exclusion``: three fixes inside an exclusion zone in force (expected: ``exclusion_entered``);
* ``curfew``: three fixes a kilometre from home (GPS) or out of range of the home unit (RF)
  during a curfew window (expected: ``curfew_absent``);
* ``tamper``: a strap tamper event, restored two intervals later (expected: ``tamper``);
* ``battery``: a battery low event (expected: ``battery_low``);
* ``gap``: the tag goes silent, then uploads the fixes of the gap late and out of order
  (expected: ``no_signal`` only if the gap is longer than the policy interval,
  ``EM_NO_SIGNAL_MINUTES``; otherwise no alert at all).

Each violation goes to a different tag where there are enough, so that one alert is one
injection. :func:`publish` sends the messages at their planned times with QoS 1 (``--rate`` caps
the messages a second) and waits for the broker's acknowledgements.

Sequence numbers start at the run's start in milliseconds and go up by one an item, so a later
run never reuses an earlier run's numbers (a tag sends far less than one item a millisecond).
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import math
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import shapely

from probation.monitoring.models import Device, DeviceEventKind, DeviceKind, DeviceState, ZoneKind
from probation.monitoring.payloads import EventItem, FixItem, compact_payload
from probation.monitoring.selectors import zone_shape
from probation.rules import geo
from probation.rules import monitoring as rules

VIOLATION_KINDS: Final = ("exclusion", "curfew", "tamper", "battery", "gap")
EXPECTED_ALERT: Final = {
    "exclusion": "exclusion_entered",
    "curfew": "curfew_absent",
    "tamper": "tamper",
    "battery": "battery_low",
    "gap": "no_signal",
}
TOPIC: Final = "em/devices/{serial}/telemetry"
#: Where a tag whose order has no curfew address lives (Birmingham), jittered per serial.
FALLBACK_HOME: Final = (52.4862, -1.8904)
#: Night: at home from 22:00 to 07:00 London time, curfew or not.
NIGHT_FROM, NIGHT_TO = 22, 7
#: How far from home a tag wanders by day, in metres.
DAY_RANGE_M: Final = (800.0, 4_000.0)
#: A curfew breach is this far from home; fixes of a violation, how many.
AWAY_M: Final = 1_000.0
VIOLATION_FIXES: Final = 3
MAX_TAGS: Final = 200_000


@dataclass(frozen=True)
class Tag:
    """A fitted device as the simulator needs it: where home is and what it must avoid."""

    serial: str
    kind: str
    home: tuple[float, float]
    buffer_m: int
    curfew: rules.Timetable
    exclusions: tuple[tuple[geo.Zone, rules.Timetable, tuple[float, float]], ...] = ()

    def curfew_at(self, at: dt.datetime) -> bool:
        return bool(self.curfew) and rules.occurrence_at(self.curfew, at) is not None

    def exclusion_in_force(self, at: dt.datetime) -> tuple[float, float] | None:
        """A point inside an exclusion zone in force at ``at``, if there is one."""
        for _zone, timetable, inside in self.exclusions:
            if rules.in_force(timetable, at):
                return inside
        return None


def _inside_point(zone: Any) -> tuple[float, float]:
    geometry = zone.geometry
    if geometry.get("type") == "Circle":
        lon, lat = geometry["coordinates"]
        return float(lat), float(lon)
    shape = shapely.geometry.shape(geometry.get("geometry", geometry))
    point = shape.representative_point()
    return float(point.y), float(point.x)


def _window(weekday: int, starts: str, ends: str) -> rules.WeeklyWindow:
    return rules.WeeklyWindow(weekday, dt.time.fromisoformat(starts), dt.time.fromisoformat(ends))


def tags_from_database(count: int, *, serials: Sequence[str] = ()) -> list[Tag]:
    """Up to ``count`` fitted devices (not victims' devices) on active orders, by serial, or
    the ones named."""
    devices = (
        Device.objects.filter(state=DeviceState.FITTED, order__status="active")
        .exclude(kind=DeviceKind.VICTIM)
        .select_related("order")
        .prefetch_related("order__curfew_windows", "order__zones")
        .order_by("serial")
    )
    if serials:
        devices = devices.filter(serial__in=list(serials))
    tags = []
    for device in devices[: min(count, MAX_TAGS)]:
        order = device.order
        assert order is not None  # fitted devices have an order (a constraint)
        if order.curfew_latitude is not None and order.curfew_longitude is not None:
            home = (order.curfew_latitude, order.curfew_longitude)
        else:
            jitter = random.Random(device.serial)
            home = (
                FALLBACK_HOME[0] + jitter.uniform(-0.05, 0.05),
                FALLBACK_HOME[1] + jitter.uniform(-0.08, 0.08),
            )
        curfew = tuple(
            rules.WeeklyWindow(w.weekday, w.starts, w.ends) for w in order.curfew_windows.all()
        )
        exclusions = tuple(
            (
                zone_shape(zone),
                tuple(_window(*row) for row in zone.timetable or []),
                _inside_point(zone),
            )
            for zone in order.zones.all()
            if zone.kind == ZoneKind.EXCLUSION
        )
        tags.append(
            Tag(device.serial, device.kind, home, order.curfew_buffer_m, curfew, exclusions)
        )
    return tags


# ---- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    kind: str
    device: str
    at: dt.datetime
    expected_alert: str | None
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"at": self.at.isoformat()}


@dataclass(order=True)
class Message:
    publish_at: dt.datetime
    serial: str = field(compare=False)
    fixes: list[FixItem] = field(compare=False, default_factory=list)
    events: list[EventItem] = field(compare=False, default_factory=list)

    @property
    def topic(self) -> str:
        return TOPIC.format(serial=self.serial)

    def payload(self) -> bytes:
        return compact_payload(self.serial, self.fixes, self.events)


@dataclass
class Plan:
    """Every message of a run in publishing order, and what was injected."""

    started_at: dt.datetime
    tags: int
    messages: list[Message]
    violations: list[Violation]
    skipped: list[str]

    @property
    def fixes(self) -> int:
        return sum(len(m.fixes) for m in self.messages)

    @property
    def events(self) -> int:
        return sum(len(m.events) for m in self.messages)

    def report(self, *, published: int | None = None) -> dict[str, Any]:
        by_kind: dict[str, int] = {}
        for v in self.violations:
            by_kind[v.kind] = by_kind.get(v.kind, 0) + 1
        return {
            "started_at": self.started_at.isoformat(),
            "tags": self.tags,
            "messages": len(self.messages) if published is None else published,
            "fixes": self.fixes,
            "events": self.events,
            "violations_by_kind": by_kind,
            "violations": [v.as_json() for v in self.violations],
            "skipped": self.skipped,
        }


def parse_violations(text: str) -> dict[str, int]:
    """``exclusion,curfew:3,tamper`` → how many of each kind; ValueError naming a bad one."""
    wanted: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, count = part.partition(":")
        if kind not in VIOLATION_KINDS:
            raise ValueError(
                f"--violations: {kind[:30]!r} is not one of {', '.join(VIOLATION_KINDS)}"
            )
        if count and not (count.isascii() and count.isdigit() and 0 < int(count) <= 10_000):
            raise ValueError(f"--violations: {part[:40]!r}: the count must be 1 to 10,000")
        wanted[kind] = wanted.get(kind, 0) + (int(count) if count else 1)
    return wanted


def _offset(home: tuple[float, float], east_m: float, north_m: float) -> tuple[float, float]:
    projection = geo.LocalProjection.around(*home)
    return (
        home[0] + north_m / projection.metres_per_degree_lat,
        home[1] + east_m / projection.metres_per_degree_lon,
    )


class _TagTrail:
    """One tag's normal trail: at home at night and in curfew, moving around home by day."""

    def __init__(self, tag: Tag, rng: random.Random) -> None:
        self.tag = tag
        self.rng = rng
        self.range_m = rng.uniform(*DAY_RANGE_M)
        self.period_s = rng.uniform(2, 6) * 3600
        self.phase = rng.uniform(0, 2 * math.pi)
        self.jitter_m = max(1.0, min(15.0, tag.buffer_m / 4))

    def at_home(self, at: dt.datetime) -> bool:
        hour = at.astimezone(rules.LONDON).hour
        return hour >= NIGHT_FROM or hour < NIGHT_TO or self.tag.curfew_at(at)

    def position(self, at: dt.datetime) -> tuple[float, float, float]:
        """(lat, lon, accuracy) of an ordinary fix at ``at``."""
        tag = self.tag
        jitter = self.rng.uniform(0, self.jitter_m), self.rng.uniform(0, 2 * math.pi)
        near_home = _offset(
            tag.home, jitter[0] * math.cos(jitter[1]), jitter[0] * math.sin(jitter[1])
        )
        if self.at_home(at):
            return (*near_home, round(self.rng.uniform(4, 12), 1))
        angle = self.phase + 2 * math.pi * at.timestamp() / self.period_s
        reach = self.range_m * (0.6 + 0.4 * math.sin(angle * 1.7))
        point = _offset(tag.home, reach * math.cos(angle), reach * math.sin(angle))
        for zone, _timetable, _inside in tag.exclusions:
            if bool(geo.contains(zone, [point[0]], [point[1]])[0]):
                point = near_home  # ordinary days keep out of the zones (entries are injected)
                break
        return (*point, round(self.rng.uniform(5, 25), 1))


@dataclass
class _Injection:
    kind: str
    at: dt.datetime
    until: dt.datetime | None = None


@dataclass
class _Schedule:
    """Which tag gets which violation, and when: a different tag for each where possible."""

    tags: Sequence[Tag]
    start: dt.datetime
    duration: dt.timedelta
    interval: dt.timedelta
    no_signal_after: dt.timedelta
    rng: random.Random
    chosen: dict[str, list[_Injection]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    @property
    def end(self) -> dt.datetime:
        return self.start + self.duration

    def _first_time(
        self, ok: Callable[[dt.datetime], bool], earliest: dt.datetime
    ) -> dt.datetime | None:
        at = earliest
        while at + self.interval * VIOLATION_FIXES <= self.end:
            if ok(at):
                return at
            at += self.interval
        return None

    def _exclusion_at(self, tag: Tag, earliest: dt.datetime) -> dt.datetime | None:
        if tag.kind != DeviceKind.GPS:
            return None

        def clean_entry(t: dt.datetime) -> bool:
            """In force, and not also a curfew breach (one alert an injection)."""
            times = [t + self.interval * k for k in range(VIOLATION_FIXES + 1)]
            return all(
                tag.exclusion_in_force(x) is not None and not tag.curfew_at(x) for x in times
            )

        return self._first_time(clean_entry, earliest) or self._first_time(
            clean_entry, self.start + self.interval
        )

    def _injection(self, kind: str, tag: Tag, earliest: dt.datetime) -> _Injection | None:
        if kind == "exclusion":
            at = self._exclusion_at(tag, earliest)
        elif kind == "curfew":
            usable = tag.kind in (DeviceKind.GPS, DeviceKind.RF)
            at = self._first_time(tag.curfew_at, self.start + self.interval) if usable else None
        else:
            at = earliest
        if at is None:
            return None
        injection = _Injection(kind, at)
        if kind == "gap":
            longest = self.end - at - self.interval
            gap = min(longest, max(self.interval * 4, self.no_signal_after + self.interval))
            if gap < self.interval * 2:
                return None
            injection.until = at + gap
        return injection

    def place(self, wanted: dict[str, int]) -> None:
        order = list(range(len(self.tags)))
        self.rng.shuffle(order)
        free = list(order)
        for kind in VIOLATION_KINDS:
            for n in range(wanted.get(kind, 0)):
                earliest = self.start + self.duration * self.rng.uniform(0.15, 0.5)
                for index in list(free) or list(order):
                    tag = self.tags[index]
                    injection = self._injection(kind, tag, earliest)
                    if injection is not None:
                        self.chosen.setdefault(tag.serial, []).append(injection)
                        if index in free:
                            free.remove(index)
                        break
                else:
                    self.skipped.append(
                        f"{kind} #{n + 1}: no tag could take it (a zone or curfew window in "
                        "force during the run, and a free tag, are needed)"
                    )


class _TagRun:
    """One tag's messages over the run, with its injected violations."""

    def __init__(
        self,
        tag: Tag,
        injections: list[_Injection],
        *,
        start: dt.datetime,
        interval: dt.timedelta,
        batch: int,
        no_signal_after: dt.timedelta,
        sequence_base: int,
        rng: random.Random,
    ) -> None:
        self.tag = tag
        self.trail = _TagTrail(tag, rng)
        self.rng = rng
        self.interval = interval
        self.batch = batch
        self.no_signal_after = no_signal_after
        self.sequence = sequence_base
        self.messages: list[Message] = []
        self.violations: list[Violation] = []
        self.pending = Message(start, tag.serial)
        self.held: list[Message] = []  # a signal gap's messages, uploaded late
        self.waiting = sorted(injections, key=lambda i: i.at)
        self.active: dict[str, int] = {}  # violation kind: its fixes still to come
        self.gap: _Injection | None = None
        self.restore: list[tuple[dt.datetime, str]] = []

    def _next(self) -> int:
        self.sequence += 1
        return self.sequence

    def _event(self, at: dt.datetime, kind: str, value: float | None = None) -> None:
        self.pending.events.append(EventItem(self._next(), at, kind, value))

    def _start_injections(self, at: dt.datetime) -> None:
        while self.waiting and self.waiting[0].at <= at:
            injection = self.waiting.pop(0)
            detail = ""
            expected: str | None = EXPECTED_ALERT[injection.kind]
            if injection.kind == "gap" and injection.until is not None:
                self.gap = injection
                length = injection.until - injection.at
                detail = f"silent for {int(length.total_seconds())} s, then uploaded late"
                if length <= self.no_signal_after:
                    expected = None
            elif injection.kind in ("exclusion", "curfew"):
                self.active[injection.kind] = VIOLATION_FIXES
            elif injection.kind == "tamper":
                self._event(at, DeviceEventKind.STRAP_TAMPER)
                self.restore.append((at + 2 * self.interval, DeviceEventKind.STRAP_RESTORED))
            elif injection.kind == "battery":
                self._event(at, DeviceEventKind.BATTERY_LOW, 0.1)
            self.violations.append(Violation(injection.kind, self.tag.serial, at, expected, detail))
        while self.restore and self.restore[0][0] <= at:
            self._event(at, self.restore.pop(0)[1])

    def _count_down(self, kind: str) -> None:
        self.active[kind] -= 1
        if self.active[kind] <= 0:
            del self.active[kind]

    def _gps(self, at: dt.datetime) -> None:
        lat, lon, accuracy = self.trail.position(at)
        if "exclusion" in self.active:
            inside = self.tag.exclusion_in_force(at)
            if inside is not None:
                lat, lon, accuracy = *inside, 8.0
            self._count_down("exclusion")
        if "curfew" in self.active:
            lat, lon, accuracy = *_offset(self.tag.home, AWAY_M, 0.0), 8.0
            self._count_down("curfew")
        self.pending.fixes.append(FixItem(self._next(), at, lat, lon, accuracy))

    def _rf(self, at: dt.datetime) -> None:
        if "curfew" in self.active:
            if self.active["curfew"] == VIOLATION_FIXES:
                self._event(at, DeviceEventKind.HOME_UNIT_OUT)
            self._count_down("curfew")
            if "curfew" not in self.active:
                self._event(at, DeviceEventKind.HOME_UNIT_IN)
        self._event(at, DeviceEventKind.HEARTBEAT)

    def tick(self, at: dt.datetime) -> None:
        self._start_injections(at)
        if self.tag.kind == DeviceKind.GPS:
            self._gps(at)
        elif self.tag.kind == DeviceKind.RF:
            self._rf(at)
        else:
            reading = round(max(0.0, self.rng.gauss(0.0, 0.002)), 4)
            self._event(at, DeviceEventKind.ALCOHOL_READING, reading)
        gap = self.gap
        in_gap = gap is not None and gap.until is not None and at < gap.until
        if len(self.pending.fixes) + len(self.pending.events) >= self.batch:
            self.pending.publish_at = at
            (self.held if in_gap else self.messages).append(self.pending)
            self.pending = Message(at, self.tag.serial)
        if gap is not None and not in_gap:
            # The signal is back: the gap's messages go up now, newest first (out of order).
            for late in reversed(self.held):
                late.publish_at = at
                self.messages.append(late)
            self.held.clear()
            self.gap = None

    def finish(self, end: dt.datetime) -> None:
        if self.pending.fixes or self.pending.events:
            self.pending.publish_at = end
            self.messages.append(self.pending)
        for late in reversed(self.held):
            late.publish_at = end
            self.messages.append(late)


def plan_run(
    tags: Sequence[Tag],
    *,
    start: dt.datetime,
    duration: dt.timedelta,
    interval: dt.timedelta,
    violations: dict[str, int] | None = None,
    batch: int = 1,
    no_signal_after: dt.timedelta = dt.timedelta(minutes=30),
    seed: int = 2014,
) -> Plan:
    """Every message of a run of ``tags`` from ``start`` for ``duration``, in publishing
    order (a message is published when its last item is taken, or, for a signal gap's items,
    when the signal is back)."""
    if interval <= dt.timedelta(0) or duration <= dt.timedelta(0):
        raise ValueError("interval and duration: must be positive")
    rng = random.Random(seed)
    schedule = _Schedule(tags, start, duration, interval, no_signal_after, rng)
    schedule.place(violations or {})
    base = int(start.timestamp() * 1000)
    per_tag: list[list[Message]] = []
    injected: list[Violation] = []
    end = start + duration
    for tag in tags:
        tag_rng = random.Random(f"{seed}:{tag.serial}")
        run = _TagRun(
            tag,
            schedule.chosen.get(tag.serial, []),
            start=start,
            interval=interval,
            batch=batch,
            no_signal_after=no_signal_after,
            sequence_base=base,
            rng=tag_rng,
        )
        at = start + interval * tag_rng.random()
        while at < end:
            run.tick(at)
            at += interval
        run.finish(end)
        per_tag.append(run.messages)
        injected += run.violations
    ordered = list(heapq.merge(*per_tag, key=lambda m: m.publish_at))
    injected.sort(key=lambda v: (v.at, v.device))
    return Plan(start, len(tags), ordered, injected, schedule.skipped)


# ---- publishing -----------------------------------------------------------------------------


def _client(url: str, client_id: str) -> Any:
    import paho.mqtt.client as mqtt

    from probation.monitoring.mqtt_worker import Broker

    broker = Broker.from_url(url)
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv311,
    )
    if broker.username:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls:
        client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
    client.max_inflight_messages_set(1_000)
    client.max_queued_messages_set(0)
    client.connect(broker.host, broker.port, keepalive=30)
    return client


def publish(
    messages: Iterable[Message],
    *,
    url: str,
    rate: float = 0.0,
    realtime: bool = True,
    client_id: str = "",
    progress: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Publish ``messages`` with QoS 1, each at its ``publish_at`` (``realtime``) and at most
    ``rate`` a second (0: no cap); returns how many the broker acknowledged."""
    client = _client(url, client_id or f"em-simulator-{int(time.time())}")
    client.loop_start()
    sent: list[Any] = []
    started = time.monotonic()
    count = 0
    try:
        for message in messages:
            if stop is not None and stop.is_set():
                break
            waits = [started + count / rate - time.monotonic()] if rate > 0 else []
            if realtime:
                waits.append((message.publish_at - dt.datetime.now(dt.UTC)).total_seconds())
            time.sleep(max([0.0, *waits]))
            info = client.publish(message.topic, message.payload(), qos=1)
            sent.append(info)
            count += 1
            if progress is not None and count % 1_000 == 0:
                progress(count)
            if len(sent) >= 5_000:
                for info in sent:
                    info.wait_for_publish(timeout=60)
                sent.clear()
        for info in sent:
            info.wait_for_publish(timeout=60)
    finally:
        client.loop_stop()
        client.disconnect()
    return count


def write_report(path: str, report: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2)
        handle.write("\n")


def messages_between(plan: Plan, start: dt.datetime, end: dt.datetime) -> Iterator[Message]:
    """The plan's messages to be published in ``[start, end)`` (for tests and replays)."""
    return (m for m in plan.messages if start <= m.publish_at < end)
