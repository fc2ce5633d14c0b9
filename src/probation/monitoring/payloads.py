"""Telemetry payloads: what a tag's gateway sends, read strictly and item by item.

Two forms, documented for gateway makers in ``docs/how-to/publish-telemetry.md``:

- **JSON**: ``{"device": serial, "fixes": [{"seq", "at", "lat", "lon", "acc"}],
  "events": [{"seq", "at", "kind", "value"}]}`` with ``at`` in ISO 8601 with its offset (UTC:
  ``Z``). Over HTTP a body may also be a list of such objects (several devices at once).
- **Compact**: text lines. A header ``EM1,<serial>`` then one line per item,
  ``F,<seq>,<epoch>,<lat>,<lon>,<acc>`` for a fix and ``E,<seq>,<epoch>,<kind>,<value>`` for an
  event (``epoch``: seconds since 1970-01-01 UTC, decimals allowed; ``acc`` and ``value`` may be
  empty). A new header starts the next device's items. About a fifth of the JSON's size, which
  matters on a tag's metered mobile link.

Why item by item: "a malformed payload, an unknown device or an impossible position never stops
a worker: it goes to a dead-letter table with the reason, is counted, and the rest of its batch
is stored" (issue 11). So a bad item is a :class:`Refusal` beside the good items of its message;
only a message that cannot be read at all (too large, not JSON, no device) is refused whole.

Bounds, so that no message can make a worker spend unbounded time or memory: at most
:data:`MAX_MESSAGE_BYTES` bytes and :data:`MAX_ITEMS` items a message; numbers finite; latitude
and longitude in range; a time at most :data:`MAX_AHEAD` ahead of the platform's clock (a tag's
clock may drift, not by hours) and not older than the telemetry retention (such a fix would be
dropped with its day's partition anyway).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from probation.monitoring.models import DeviceEventKind

MAX_MESSAGE_BYTES: Final = 256 * 1024
MAX_ITEMS: Final = 5_000
MAX_DEVICES: Final = 500  # device sections in one HTTP body
MAX_AHEAD: Final = dt.timedelta(minutes=10)
MAX_SEQUENCE: Final = 2**63 - 1
MAX_ACCURACY_M: Final = 100_000.0
MAX_ITEM_TEXT: Final = 4_000
COMPACT_HEADER: Final = "EM1"
EVENT_KINDS: Final = frozenset(DeviceEventKind.values)

_SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}$")
_TOPIC = re.compile(r"^em/devices/(?P<serial>[^/]+)/telemetry$")


@dataclass(frozen=True, slots=True)
class FixItem:
    sequence: int
    recorded_at: dt.datetime
    latitude: float
    longitude: float
    accuracy_m: float | None


@dataclass(frozen=True, slots=True)
class EventItem:
    sequence: int
    recorded_at: dt.datetime
    kind: str
    value: float | None


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an item (or a whole message) was not stored, and its text for the dead letter."""

    reason: str
    text: str
    serial: str = ""


@dataclass
class DeviceTelemetry:
    """One device's items from one message."""

    serial: str
    fixes: list[FixItem] = field(default_factory=list)
    events: list[EventItem] = field(default_factory=list)

    @property
    def items(self) -> int:
        return len(self.fixes) + len(self.events)


@dataclass
class ParsedPayload:
    """What one message held: each device's good items, and the refusals."""

    devices: list[DeviceTelemetry] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def fixes(self) -> int:
        return sum(len(d.fixes) for d in self.devices)

    @property
    def events(self) -> int:
        return sum(len(d.events) for d in self.devices)


class _ItemError(ValueError):
    """An item's reason for refusal (the message is the reason, in words)."""


def serial_from_topic(topic: str) -> str | None:
    """The device serial of ``em/devices/<serial>/telemetry`` (None for any other topic)."""
    match = _TOPIC.match(topic)
    return match["serial"] if match and _SERIAL.match(match["serial"]) else None


def _clip(text: str) -> str:
    return text[:MAX_ITEM_TEXT]


def _serial(value: Any) -> str:
    if not isinstance(value, str) or not _SERIAL.match(value):
        raise _ItemError("the device serial must be 1 to 40 letters, digits or _ . : -")
    return value


# ---- fields --------------------------------------------------------------------------------


def _sequence(value: Any) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _ItemError("seq: must be a whole number")
    if not 0 <= value <= MAX_SEQUENCE:
        raise _ItemError("seq: must be between 0 and 2^63 - 1")
    return value


def _number(name: str, value: Any, *, optional: bool = False) -> float | None:
    if value is None or (optional and value == ""):
        if optional:
            return None
        raise _ItemError(f"{name}: is missing")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise _ItemError(f"{name}: must be a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _ItemError(f"{name}: must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise _ItemError(f"{name}: must be a finite number")
    return number


def _required(name: str, value: Any) -> float:
    number = _number(name, value)
    if number is None:
        raise _ItemError(f"{name}: is missing")
    return number


def _position(lat: Any, lon: Any) -> tuple[float, float]:
    latitude = _required("lat", lat)
    longitude = _required("lon", lon)
    if not -90 <= latitude <= 90:
        raise _ItemError("lat: must be between -90 and 90 (an impossible position)")
    if not -180 <= longitude <= 180:
        raise _ItemError("lon: must be between -180 and 180 (an impossible position)")
    return latitude, longitude


def _accuracy(value: Any) -> float | None:
    accuracy = _number("acc", value, optional=True)
    if accuracy is not None and not 0 <= accuracy <= MAX_ACCURACY_M:
        raise _ItemError(f"acc: must be between 0 and {MAX_ACCURACY_M:,.0f} metres")
    return accuracy


def _iso_time(value: Any) -> dt.datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise _ItemError("at: must be an ISO 8601 date and time with its offset, e.g. ...Z")
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _ItemError("at: must be an ISO 8601 date and time with its offset") from None
    if at.utcoffset() is None:
        raise _ItemError("at: must carry its offset from UTC (e.g. Z)")
    return at.astimezone(dt.UTC)


def _epoch_time(value: str) -> dt.datetime:
    seconds = _required("epoch", value)
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise _ItemError("epoch: not a time this platform can hold") from None


@dataclass(frozen=True, slots=True)
class Window:
    """The times an item may carry: not before ``earliest``, not after ``latest``."""

    earliest: dt.datetime
    latest: dt.datetime

    @classmethod
    def around(cls, now: dt.datetime, *, retain_days: int) -> Window:
        return cls(now - dt.timedelta(days=retain_days), now + MAX_AHEAD)

    def check(self, at: dt.datetime) -> dt.datetime:
        if at > self.latest:
            raise _ItemError("at: more than 10 minutes in the future (the tag's clock is wrong)")
        if at < self.earliest:
            raise _ItemError("at: older than the telemetry retention")
        return at


def _event_kind(value: Any) -> str:
    if not isinstance(value, str) or value not in EVENT_KINDS:
        raise _ItemError("kind: not a known event kind")
    return value


# ---- JSON ----------------------------------------------------------------------------------


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number in JSON")


def _json_fix(item: Any, window: Window) -> FixItem:
    if not isinstance(item, dict):
        raise _ItemError("a fix must be an object")
    lat, lon = _position(item.get("lat"), item.get("lon"))
    return FixItem(
        _sequence(item.get("seq")),
        window.check(_iso_time(item.get("at"))),
        lat,
        lon,
        _accuracy(item.get("acc")),
    )


def _json_event(item: Any, window: Window) -> EventItem:
    if not isinstance(item, dict):
        raise _ItemError("an event must be an object")
    return EventItem(
        _sequence(item.get("seq")),
        window.check(_iso_time(item.get("at"))),
        _event_kind(item.get("kind")),
        _number("value", item.get("value"), optional=True),
    )


def _item_text(item: Any) -> str:
    try:
        return _clip(json.dumps(item, separators=(",", ":"), default=str))
    except (TypeError, ValueError, RecursionError):
        return _clip(repr(item))


def _json_device(document: Any, window: Window, parsed: ParsedPayload) -> None:
    if not isinstance(document, dict):
        parsed.refusals.append(Refusal("a message must be a JSON object", _item_text(document)))
        return
    try:
        serial = _serial(document.get("device"))
    except _ItemError as error:
        parsed.refusals.append(Refusal(f"device: {error}", _item_text(document)))
        return
    fixes, events = document.get("fixes", []), document.get("events", [])
    if not isinstance(fixes, list) or not isinstance(events, list):
        parsed.refusals.append(
            Refusal("fixes and events must be lists", _item_text(document), serial)
        )
        return
    telemetry = DeviceTelemetry(serial)
    for item in fixes:
        try:
            telemetry.fixes.append(_json_fix(item, window))
        except _ItemError as error:
            parsed.refusals.append(Refusal(str(error), _item_text(item), serial))
    for item in events:
        try:
            telemetry.events.append(_json_event(item, window))
        except _ItemError as error:
            parsed.refusals.append(Refusal(str(error), _item_text(item), serial))
    parsed.devices.append(telemetry)


def _parse_json(text: str, window: Window, parsed: ParsedPayload) -> None:
    try:
        document = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        parsed.refusals.append(Refusal("not valid JSON", _clip(text)))
        return
    documents = document if isinstance(document, list) else [document]
    if len(documents) > MAX_DEVICES:
        parsed.refusals.append(Refusal(f"more than {MAX_DEVICES} devices", _clip(text)))
        return
    items = sum(
        len(d.get(name) or ()) if isinstance(d.get(name), list) else 0
        for d in documents
        if isinstance(d, dict)
        for name in ("fixes", "events")
    )
    if items > MAX_ITEMS:
        parsed.refusals.append(
            Refusal(f"more than {MAX_ITEMS:,} items in one message", _clip(text))
        )
        return
    for each in documents:
        _json_device(each, window, parsed)


# ---- compact -------------------------------------------------------------------------------


def _compact_item(line: str, window: Window) -> FixItem | EventItem:
    parts = line.split(",")
    tag = parts[0].strip()
    if tag == "F":
        if len(parts) != 6:
            raise _ItemError("a fix line is F,<seq>,<epoch>,<lat>,<lon>,<acc>")
        lat, lon = _position(parts[3].strip(), parts[4].strip())
        return FixItem(
            _sequence(parts[1].strip()),
            window.check(_epoch_time(parts[2].strip())),
            lat,
            lon,
            _accuracy(parts[5].strip()),
        )
    if tag == "E":
        if len(parts) != 5:
            raise _ItemError("an event line is E,<seq>,<epoch>,<kind>,<value>")
        return EventItem(
            _sequence(parts[1].strip()),
            window.check(_epoch_time(parts[2].strip())),
            _event_kind(parts[3].strip()),
            _number("value", parts[4].strip(), optional=True),
        )
    raise _ItemError("a line must start with F (fix), E (event) or EM1 (a device's header)")


def _parse_compact(text: str, window: Window, parsed: ParsedPayload) -> None:
    current: DeviceTelemetry | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith(COMPACT_HEADER + ","):
            if len(parsed.devices) >= MAX_DEVICES:
                parsed.refusals.append(Refusal(f"more than {MAX_DEVICES} devices", _clip(line)))
                return
            try:
                current = DeviceTelemetry(_serial(line.split(",", 1)[1].strip()))
            except _ItemError as error:
                parsed.refusals.append(Refusal(f"header: {error}", _clip(line)))
                current = None  # its items are refused with it, not given to another device
                continue
            parsed.devices.append(current)
            continue
        if current is None:
            parsed.refusals.append(Refusal("an item before any valid EM1,<serial> header", line))
            continue
        try:
            item = _compact_item(line, window)
        except _ItemError as error:
            parsed.refusals.append(Refusal(str(error), _clip(line), current.serial))
            continue
        if isinstance(item, FixItem):
            current.fixes.append(item)
        else:
            current.events.append(item)


# ---- the entry point -----------------------------------------------------------------------


def parse_payload(
    payload: bytes,
    *,
    now: dt.datetime,
    retain_days: int,
    topic_serial: str | None = None,
) -> ParsedPayload:
    """Read one message (JSON or compact, told apart by its first character) into each
    device's good items and the refusals. Never raises for anything in ``payload``.

    ``topic_serial``: the serial of the MQTT topic the message came on; a device section naming
    another device is refused (a gateway publishes each device on its own topic, and the
    broker's access rules are per topic).
    """
    parsed = ParsedPayload()
    if len(payload) > MAX_MESSAGE_BYTES:
        reason = f"the message is larger than {MAX_MESSAGE_BYTES // 1024} KiB"
        parsed.refusals.append(Refusal(reason, _clip(payload[:MAX_ITEM_TEXT].decode("latin-1"))))
        return parsed
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        parsed.refusals.append(
            Refusal("the message is not UTF-8 text", _clip(payload.decode("latin-1")))
        )
        return parsed
    looks_like_json = text.lstrip()[:1] in ("{", "[")
    window = Window.around(now, retain_days=retain_days)
    if looks_like_json:
        _parse_json(text, window, parsed)
    elif text.lstrip().startswith(COMPACT_HEADER + ","):
        lines = (line.strip() for line in text.splitlines())
        if sum(1 for line in lines if line and not line.startswith(COMPACT_HEADER)) > MAX_ITEMS:
            parsed.refusals.append(
                Refusal(f"more than {MAX_ITEMS:,} items in one message", _clip(text))
            )
            return parsed
        _parse_compact(text, window, parsed)
    else:
        parsed.refusals.append(
            Refusal("neither JSON nor the compact form (EM1,<serial> first)", _clip(text))
        )
    if topic_serial is not None:
        for telemetry in [d for d in parsed.devices if d.serial != topic_serial]:
            parsed.devices.remove(telemetry)
            parsed.refusals.append(
                Refusal(
                    f"the device {telemetry.serial!r:.45} is not the topic's ({topic_serial})",
                    _clip(text),
                    telemetry.serial,
                )
            )
    return parsed


def compact_payload(
    serial: str, fixes: Sequence[FixItem] = (), events: Sequence[EventItem] = ()
) -> bytes:
    """The compact form of one device's items (for the simulator, tests and gateways)."""
    return "\n".join(_compact_lines(serial, fixes, events)).encode() + b"\n"


def _number_text(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def _compact_lines(
    serial: str, fixes: Sequence[FixItem], events: Sequence[EventItem]
) -> Iterator[str]:
    yield f"{COMPACT_HEADER},{serial}"
    for f in fixes:
        yield (
            f"F,{f.sequence},{f.recorded_at.timestamp():.3f},{f.latitude!r},{f.longitude!r},"
            f"{_number_text(f.accuracy_m)}"
        )
    for e in events:
        yield f"E,{e.sequence},{e.recorded_at.timestamp():.3f},{e.kind},{_number_text(e.value)}"


def json_payload(
    serial: str, fixes: Sequence[FixItem] = (), events: Sequence[EventItem] = ()
) -> bytes:
    """The JSON form of one device's items."""

    def at(when: dt.datetime) -> str:
        return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")

    document = {
        "device": serial,
        "fixes": [
            {
                "seq": f.sequence,
                "at": at(f.recorded_at),
                "lat": f.latitude,
                "lon": f.longitude,
                "acc": f.accuracy_m,
            }
            for f in fixes
        ],
        "events": [
            {"seq": e.sequence, "at": at(e.recorded_at), "kind": e.kind, "value": e.value}
            for e in events
        ],
    }
    return json.dumps(document, separators=(",", ":")).encode()
