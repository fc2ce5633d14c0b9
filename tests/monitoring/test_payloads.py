"""Telemetry payloads (docs/how-to/publish-telemetry.md): both forms, and every refusal."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from probation.monitoring.payloads import (
    MAX_ITEMS,
    MAX_MESSAGE_BYTES,
    EventItem,
    FixItem,
    compact_payload,
    json_payload,
    parse_payload,
    serial_from_topic,
)

NOW = dt.datetime(2026, 3, 5, 12, 0, tzinfo=dt.UTC)
EPOCH = int(NOW.timestamp())


def parse(payload: bytes | str, *, topic_serial: str | None = None):  # type: ignore[no-untyped-def]
    data = payload.encode() if isinstance(payload, str) else payload
    return parse_payload(data, now=NOW, retain_days=90, topic_serial=topic_serial)


def test_json_fixes_and_events_are_read() -> None:
    parsed = parse(
        json.dumps(
            {
                "device": "TAG-1",
                "fixes": [
                    {"seq": 7, "at": "2026-03-05T11:59:00Z", "lat": 53.4, "lon": -2.98, "acc": 8}
                ],
                "events": [
                    {"seq": 8, "at": "2026-03-05T12:59:00+01:00", "kind": "battery_low"},
                ],
            }
        )
    )
    assert parsed.refusals == []
    [device] = parsed.devices
    assert device.serial == "TAG-1"
    assert device.fixes == [
        FixItem(7, dt.datetime(2026, 3, 5, 11, 59, tzinfo=dt.UTC), 53.4, -2.98, 8.0)
    ]
    # The offset is honoured: 12:59 at +01:00 is 11:59 UTC.
    assert device.events == [
        EventItem(8, dt.datetime(2026, 3, 5, 11, 59, tzinfo=dt.UTC), "battery_low", None)
    ]


def test_compact_form_is_read_with_several_devices() -> None:
    text = (
        f"EM1,TAG-1\nF,1,{EPOCH - 60},53.4,-2.98,12\nF,2,{EPOCH - 30}.5,53.41,-2.97,\n"
        f"E,3,{EPOCH - 20},strap_tamper,\nEM1,TAG-2\nE,9,{EPOCH},alcohol_reading,0.02\n"
    )
    parsed = parse(text)
    assert parsed.refusals == []
    first, second = parsed.devices
    assert [f.sequence for f in first.fixes] == [1, 2]
    assert first.fixes[1].recorded_at == NOW - dt.timedelta(seconds=29.5)
    assert first.fixes[1].accuracy_m is None
    assert first.events[0].kind == "strap_tamper"
    assert second.serial == "TAG-2" and second.events[0].value == 0.02


def test_both_forms_round_trip_through_the_writers() -> None:
    fixes = [FixItem(5, NOW - dt.timedelta(minutes=3), 51.5, -0.12, 4.0)]
    events = [EventItem(6, NOW - dt.timedelta(minutes=2), "charging", None)]
    for payload in (json_payload("T9", fixes, events), compact_payload("T9", fixes, events)):
        [device] = parse(payload).devices
        assert (device.fixes, device.events) == (fixes, events)


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"seq": -1, "at": "2026-03-05T11:00:00Z", "lat": 1, "lon": 1}, "seq: must be between"),
        ({"seq": 1.5, "at": "2026-03-05T11:00:00Z", "lat": 1, "lon": 1}, "seq: must be a whole"),
        ({"seq": True, "at": "2026-03-05T11:00:00Z", "lat": 1, "lon": 1}, "seq: must be a whole"),
        ({"seq": 2**63, "at": "2026-03-05T11:00:00Z", "lat": 1, "lon": 1}, "seq: must be between"),
        ({"seq": 1, "at": "2026-03-05T11:00:00", "lat": 1, "lon": 1}, "offset from UTC"),
        ({"seq": 1, "at": "yesterday", "lat": 1, "lon": 1}, "ISO 8601"),
        ({"seq": 1, "at": "2026-03-05T12:10:01Z", "lat": 1, "lon": 1}, "in the future"),
        (
            {"seq": 1, "at": "2025-12-04T11:59:00Z", "lat": 1, "lon": 1},
            "older than the telemetry retention",
        ),
        ({"seq": 1, "at": "2026-03-05T11:00:00Z", "lat": 91, "lon": 1}, "impossible position"),
        ({"seq": 1, "at": "2026-03-05T11:00:00Z", "lat": 1, "lon": -180.5}, "impossible position"),
        ({"seq": 1, "at": "2026-03-05T11:00:00Z", "lat": "x", "lon": 1}, "lat: must be a number"),
        ({"seq": 1, "at": "2026-03-05T11:00:00Z", "lon": 1}, "lat: is missing"),
        ({"seq": 1, "at": "2026-03-05T11:00:00Z", "lat": 1, "lon": 1, "acc": -2}, "acc: must be"),
        ("not an object", "a fix must be an object"),
    ],
)
def test_a_bad_json_fix_is_refused_and_the_good_ones_kept(item: object, reason: str) -> None:
    good = {"seq": 100, "at": "2026-03-05T11:00:00Z", "lat": 53.4, "lon": -2.9}
    parsed = parse(json.dumps({"device": "TAG-1", "fixes": [good, item]}))
    assert [f.sequence for f in parsed.devices[0].fixes] == [100]
    [refusal] = parsed.refusals
    assert reason in refusal.reason
    assert refusal.serial == "TAG-1"


def test_the_edges_of_the_time_window_are_accepted() -> None:
    ten_minutes_ahead = (NOW + dt.timedelta(minutes=10)).isoformat()
    at_retention = (NOW - dt.timedelta(days=90)).isoformat()
    fixes = [
        {"seq": 1, "at": ten_minutes_ahead, "lat": 0, "lon": 0},
        {"seq": 2, "at": at_retention, "lat": 90, "lon": 180},
    ]
    parsed = parse(json.dumps({"device": "TAG-1", "fixes": fixes}))
    assert parsed.refusals == []
    assert parsed.fixes == 2


def test_nan_and_infinity_are_refused() -> None:
    text = (
        '{"device": "TAG-1", "fixes": [{"seq": 1, "at": "2026-03-05T11:00:00Z", '
        '"lat": NaN, "lon": 1}]}'
    )
    assert parse(text).refusals[0].reason == "not valid JSON"
    compact = f"EM1,TAG-1\nF,1,{EPOCH},inf,1,\nF,2,{EPOCH},nan,1,\nF,3,{EPOCH},1,1e999,\n"
    parsed = parse(compact)
    assert parsed.fixes == 0
    assert [r.reason for r in parsed.refusals] == [
        "lat: must be a finite number",
        "lat: must be a finite number",
        "lon: must be a finite number",
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("F,1,{e},53.4", "a fix line is"),
        ("E,1,{e},strap_tamper", "an event line is"),
        ("E,1,{e},explode,", "kind: not a known event kind"),
        ("F,x,{e},53.4,-2.9,", "seq: must be a whole number"),
        ("F,1,soon,53.4,-2.9,", "epoch: must be a number"),
        ("F,1,99999999999999999,53.4,-2.9,", "epoch: not a time"),
        ("X,1,{e},53.4,-2.9,", "must start with F"),
    ],
)
def test_a_bad_compact_line_is_refused_and_the_rest_kept(line: str, reason: str) -> None:
    text = f"EM1,TAG-1\nF,1,{EPOCH},53.4,-2.9,5\n{line.format(e=EPOCH)}\nE,2,{EPOCH},charging,\n"
    parsed = parse(text)
    assert parsed.fixes == 1 and parsed.events == 1
    [refusal] = parsed.refusals
    assert reason in refusal.reason
    assert refusal.text == line.format(e=EPOCH)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{not json", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
        (b"hello", "neither JSON nor the compact form"),
        (b'{"fixes": []}', "device: the device serial"),
        (b'{"device": "a/b", "fixes": []}', "device: the device serial"),
        (b'{"device": "T", "fixes": {}}', "fixes and events must be lists"),
        (b"[42]", "a message must be a JSON object"),
    ],
)
def test_a_message_that_cannot_be_read_is_refused_whole(payload: bytes, reason: str) -> None:
    parsed = parse(payload)
    assert parsed.devices == []
    assert reason in parsed.refusals[0].reason


def test_items_before_a_valid_header_are_refused() -> None:
    text = f"EM1,bad serial!\nF,1,{EPOCH},53.4,-2.9,\nEM1,TAG-2\nF,2,{EPOCH},53.4,-2.9,\n"
    parsed = parse(text)
    assert [d.serial for d in parsed.devices] == ["TAG-2"]
    assert [r.reason.split(":")[0] for r in parsed.refusals] == [
        "header",
        "an item before any valid EM1,<serial> header",
    ]


def test_size_and_item_limits() -> None:
    big = b"EM1,T\n" + b"F,1,1,1,1,\n" * (MAX_MESSAGE_BYTES // 10)
    assert "larger than 256 KiB" in parse(big).refusals[0].reason
    # Counted before any item is read: empty objects count.
    too_many = json.dumps({"device": "T", "fixes": [{}] * MAX_ITEMS, "events": [{}]})
    parsed = parse(too_many)
    assert parsed.devices == [] and "more than 5,000 items" in parsed.refusals[0].reason
    lines = "".join(f"F,{i},{EPOCH},1,1,\n" for i in range(MAX_ITEMS + 1))
    parsed = parse("EM1,T\n" + lines)
    assert parsed.devices == [] and "more than 5,000 items" in parsed.refusals[0].reason
    exactly = "EM1,T\n" + "".join(f"F,{i},{EPOCH},1,1,\n" for i in range(MAX_ITEMS))
    assert parse(exactly).fixes == MAX_ITEMS


def test_a_section_for_another_device_than_the_topic_is_refused() -> None:
    text = f"EM1,TAG-1\nF,1,{EPOCH},53.4,-2.9,\nEM1,TAG-2\nF,2,{EPOCH},53.4,-2.9,\n"
    parsed = parse(text, topic_serial="TAG-1")
    assert [d.serial for d in parsed.devices] == ["TAG-1"]
    assert "is not the topic's (TAG-1)" in parsed.refusals[0].reason


@pytest.mark.parametrize(
    ("topic", "serial"),
    [
        ("em/devices/TAG-1/telemetry", "TAG-1"),
        ("em/devices/TAG-1/status", None),
        ("em/devices//telemetry", None),
        ("em/devices/a b/telemetry", None),
        ("other/TAG-1/telemetry", None),
    ],
)
def test_serial_from_topic(topic: str, serial: str | None) -> None:
    assert serial_from_topic(topic) == serial


def test_the_documented_examples_are_read_as_documented() -> None:
    """docs/how-to/publish-telemetry.md: its JSON and compact examples are the same items."""
    import re
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs/how-to/publish-telemetry.md").read_text()
    json_example = re.search(r"```json\n(.*?)```", doc, re.DOTALL)
    compact_example = re.search(r"```text\n(.*?)```", doc, re.DOTALL)
    assert json_example and compact_example
    later = dt.datetime(2026, 3, 5, 21, 20, tzinfo=dt.UTC)
    parsed = [
        parse_payload(example.group(1).encode(), now=later, retain_days=90)
        for example in (json_example, compact_example)
    ]
    for each in parsed:
        assert each.refusals == []
        [device] = each.devices
        assert device.serial == "GPS-0001"
        assert [f.sequence for f in device.fixes] == [1041, 1042]
        assert device.fixes[0].recorded_at == dt.datetime(2026, 3, 5, 21, 14, tzinfo=dt.UTC)
        assert device.events[0].kind == "battery_low" and device.events[0].value == 9
    assert parsed[0].devices[0].fixes == parsed[1].devices[0].fixes
