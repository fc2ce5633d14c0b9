"""The tag simulator: realistic trails (at home overnight inside the curfew buffer, moving by
day, out of the zones), the violations it injects and reports, late out-of-order uploads after a
signal gap; scored end to end through ingest and detection (each injected violation raises its
alert and nothing else does), and published over MQTT with QoS 1."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import uuid
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
import pytest
from django.conf import settings

from probation.monitoring import simulator
from probation.monitoring.ingest import IncomingMessage, store_batch
from probation.monitoring.models import Alert, CurfewWindow, Device, Fitting, Zone
from probation.monitoring.mqtt_worker import Broker
from probation.monitoring.simulator import Tag, parse_violations, plan_run
from probation.rules import geo
from probation.rules import monitoring as rules
from tests.factories import organisation
from tests.monitoring.em_setup import HOME, curfew_order, em_case

LONDON = rules.LONDON
ZONE_CENTRE = (HOME[0] + 0.02, HOME[1])  # about 2.2 km north of home
ZONE = geo.circle_zone(*ZONE_CENTRE, 300)


def tag(serial: str, *, kind: str = "gps", curfew: bool = True, zone: bool = True) -> Tag:
    return Tag(
        serial,
        kind,
        HOME,
        50,
        tuple(rules.WeeklyWindow(d, dt.time(19), dt.time(7)) for d in range(7)) if curfew else (),
        ((ZONE, (), ZONE_CENTRE),) if zone else (),
    )


def london(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=LONDON)


def distances(plan: simulator.Plan, serial: str) -> list[tuple[dt.datetime, float]]:
    fixes = [f for m in plan.messages if m.serial == serial for f in m.fixes]
    far = geo.distance_m(
        np.array([f.latitude for f in fixes]),
        np.array([f.longitude for f in fixes]),
        np.full(len(fixes), HOME[0]),
        np.full(len(fixes), HOME[1]),
    )
    return [(f.recorded_at, float(d)) for f, d in zip(fixes, far, strict=True)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("exclusion,curfew", {"exclusion": 1, "curfew": 1}),
        ("tamper:3, gap", {"tamper": 3, "gap": 1}),
        ("", {}),
    ],
)
def test_parse_violations(text: str, expected: dict[str, int]) -> None:
    assert parse_violations(text) == expected


@pytest.mark.parametrize("text", ["speeding", "tamper:0", "tamper:x", "gap:99999"])
def test_parse_violations_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="--violations"):
        parse_violations(text)


def test_a_day_and_a_night_home_inside_the_buffer_moving_by_day_out_of_zones() -> None:
    plan = plan_run(
        [tag("T1"), tag("T2", curfew=False)],
        start=london(1, 0),
        duration=dt.timedelta(hours=24),
        interval=dt.timedelta(minutes=5),
    )
    for serial in ("T1", "T2"):
        trail = distances(plan, serial)
        assert len(trail) == 24 * 12
        night = [d for at, d in trail if at.astimezone(LONDON).hour < 7]
        day = [d for at, d in trail if 10 <= at.astimezone(LONDON).hour < 18]
        assert max(night) <= 50
        assert max(day) > 500  # out and about
        fixes = [f for m in plan.messages if m.serial == serial for f in m.fixes]
        inside = geo.contains(ZONE, [f.latitude for f in fixes], [f.longitude for f in fixes])
        assert not inside.any()
    # T1's curfew starts at 19:00: home from then on; T2 only from 22:00.
    t1 = [d for at, d in distances(plan, "T1") if at.astimezone(LONDON).hour in (19, 20, 21)]
    assert max(t1) <= 50
    assert plan.violations == []


def test_the_plan_is_deterministic_with_unique_rising_sequences() -> None:
    args: dict[str, Any] = {
        "start": london(2, 9),
        "duration": dt.timedelta(hours=2),
        "interval": dt.timedelta(seconds=30),
        "violations": {"tamper": 1, "battery": 1},
    }
    first = plan_run([tag("A"), tag("B")], **args)
    again = plan_run([tag("A"), tag("B")], **args)
    assert [m.payload() for m in first.messages] == [m.payload() for m in again.messages]
    publish_times = [m.publish_at for m in first.messages]
    assert publish_times == sorted(publish_times)
    for serial in ("A", "B"):
        items = [
            (i.recorded_at, i.sequence)
            for m in first.messages
            if m.serial == serial
            for i in [*m.fixes, *m.events]
        ]
        sequences = [s for _, s in sorted(items)]
        assert len(set(sequences)) == len(sequences)
        assert sequences == sorted(sequences)


def test_injected_violations_are_reported_with_device_and_time() -> None:
    plan = plan_run(
        [tag("A"), tag("B"), tag("C"), tag("D")],
        start=london(3, 17),
        duration=dt.timedelta(hours=3),
        interval=dt.timedelta(minutes=1),
        violations={"exclusion": 1, "curfew": 1, "tamper": 1, "battery": 1},
    )
    kinds = {v.kind: v for v in plan.violations}
    assert set(kinds) == {"exclusion", "curfew", "tamper", "battery"}
    assert len({v.device for v in plan.violations}) == 4
    exclusion = kinds["exclusion"]
    fixes = [f for m in plan.messages if m.serial == exclusion.device for f in m.fixes]
    inside = [f.recorded_at for f in fixes if geo.contains(ZONE, [f.latitude], [f.longitude])[0]]
    assert inside[0] == exclusion.at and len(inside) == simulator.VIOLATION_FIXES
    curfew = kinds["curfew"]
    away = [
        at
        for at, d in distances(plan, curfew.device)
        if d > 50 and at.astimezone(LONDON).hour >= 19
    ]
    assert away[0] == curfew.at and len(away) == simulator.VIOLATION_FIXES
    report = plan.report()
    assert report["violations_by_kind"] == {"exclusion": 1, "curfew": 1, "tamper": 1, "battery": 1}
    assert report["fixes"] == 4 * 180


def test_a_curfew_breach_needs_a_window_in_the_run() -> None:
    plan = plan_run(
        [tag("A", curfew=False)],
        start=london(3, 10),
        duration=dt.timedelta(hours=1),
        interval=dt.timedelta(minutes=1),
        violations={"curfew": 1},
    )
    assert plan.violations == []
    assert plan.skipped and plan.skipped[0].startswith("curfew #1")


def test_a_signal_gap_is_uploaded_late_and_out_of_order() -> None:
    plan = plan_run(
        [tag("G")],
        start=london(4, 12),
        duration=dt.timedelta(hours=2),
        interval=dt.timedelta(minutes=1),
        violations={"gap": 1},
        no_signal_after=dt.timedelta(minutes=30),
    )
    (gap,) = plan.violations
    assert gap.expected_alert == "no_signal"
    late = [m for m in plan.messages if m.fixes and m.publish_at > m.fixes[-1].recorded_at]
    assert len(late) >= 30
    assert all(m.fixes[0].recorded_at >= gap.at for m in late)
    recorded = [m.fixes[0].recorded_at for m in late]
    assert recorded == sorted(recorded, reverse=True)  # newest first
    short = plan_run(
        [tag("G")],
        start=london(4, 12),
        duration=dt.timedelta(minutes=20),
        interval=dt.timedelta(minutes=1),
        violations={"gap": 1},
    )
    assert short.violations[0].expected_alert is None


# ---- scored end to end through ingest and detection ------------------------------------------


def fitted_tag(
    case: Any, serial: str, *, curfew_night: bool, zone: bool, kind: str = "gps"
) -> None:
    order = curfew_order(case)
    if curfew_night:
        CurfewWindow.objects.bulk_create(
            CurfewWindow(order=order, weekday=d, starts=dt.time(19), ends=dt.time(7))
            for d in range(7)
        )
    if zone:
        Zone.objects.create(
            order=order,
            kind="exclusion",
            name="Town centre",
            geometry={
                "type": "Circle",
                "coordinates": [ZONE_CENTRE[1], ZONE_CENTRE[0]],
                "radius_m": 300,
            },
        )
    device = Device.objects.create(
        serial=serial, kind=kind, state="fitted", provider=organisation("EMS"), order=order
    )
    Fitting.objects.create(
        device=device, order=order, fitted_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    )


@pytest.mark.django_db
def test_a_run_scores_exactly_against_the_alerts_raised(crc_practitioner: Any) -> None:
    for n in range(4):
        case = em_case(crc_practitioner, surname=f"Simulated{n}")
        fitted_tag(case, f"SIM-{n}", curfew_night=True, zone=True)
    tags = simulator.tags_from_database(10)
    assert [t.serial for t in tags] == ["SIM-0", "SIM-1", "SIM-2", "SIM-3"]
    assert tags[0].home == HOME and len(tags[0].curfew) == 7 and len(tags[0].exclusions) == 1
    today = dt.datetime.now(LONDON).date()
    start = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(18, 30), tzinfo=LONDON)
    plan = plan_run(
        tags,
        start=start,
        duration=dt.timedelta(hours=1),
        interval=dt.timedelta(minutes=1),
        violations={"exclusion": 1, "curfew": 1, "tamper": 1, "battery": 1},
        batch=3,
    )
    assert len(plan.violations) == 4
    for message in plan.messages:
        store_batch(
            [IncomingMessage(message.topic, message.payload())],
            now=message.publish_at + dt.timedelta(seconds=1),
        )
    raised = sorted((a.kind, a.device.serial) for a in Alert.objects.select_related("device"))
    expected = sorted((v.expected_alert, v.device) for v in plan.violations)
    assert raised == expected


# ---- over MQTT ------------------------------------------------------------------------------


def broker_running() -> bool:
    broker = Broker.from_url(settings.MQTT_URL)
    try:
        with socket.create_connection((broker.host, broker.port), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not broker_running(), reason="no MQTT broker at MQTT_URL")
def test_published_over_mqtt_with_qos_1_on_each_devices_topic() -> None:
    broker = Broker.from_url(settings.MQTT_URL)
    serials = [f"MQ-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    received: list[tuple[str, bytes]] = []
    subscribed, done = threading.Event(), threading.Event()
    plan = plan_run(
        [tag(s) for s in serials],
        start=dt.datetime.now(dt.UTC),
        duration=dt.timedelta(minutes=5),
        interval=dt.timedelta(seconds=30),
        batch=2,
    )

    def on_message(client: Any, userdata: Any, message: Any) -> None:
        if message.topic.split("/")[2] in serials:
            received.append((message.topic, message.payload))
            if len(received) == len(plan.messages):
                done.set()

    listener = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    listener.on_message = on_message
    listener.on_subscribe = lambda *args: subscribed.set()
    listener.connect(broker.host, broker.port)
    listener.subscribe("em/devices/+/telemetry", qos=1)
    listener.loop_start()
    try:
        assert subscribed.wait(5)
        sent = simulator.publish(plan.messages, url=settings.MQTT_URL, realtime=False)
        assert done.wait(10)
    finally:
        listener.loop_stop()
        listener.disconnect()
    assert sent == len(plan.messages)
    assert sorted(received) == sorted((m.topic, m.payload()) for m in plan.messages)


# ---- the command ----------------------------------------------------------------------------


def test_the_command_refuses_an_unknown_violation() -> None:
    from typer.testing import CliRunner

    from probation.cli import app

    result = CliRunner().invoke(app, ["em", "simulate", "--violations", "speeding"])
    assert result.exit_code == 2
    assert "'speeding' is not one of" in result.output


@pytest.mark.django_db
def test_the_command_needs_fitted_devices() -> None:
    from typer.testing import CliRunner

    from probation.cli import app

    result = CliRunner().invoke(app, ["em", "simulate", "--tags", "5"])
    assert result.exit_code == 1
    assert "No fitted device" in result.output


@pytest.mark.django_db
@pytest.mark.skipif(not broker_running(), reason="no MQTT broker at MQTT_URL")
def test_the_command_publishes_and_writes_its_report(crc_practitioner: Any, tmp_path: Any) -> None:
    import json

    from typer.testing import CliRunner

    from probation.cli import app

    fitted_tag(em_case(crc_practitioner), "CLI-1", curfew_night=False, zone=True)
    report = tmp_path / "run.json"
    result = CliRunner().invoke(
        app,
        ["em", "simulate", "--tags", "3", "--interval", "1", "--duration", "3", "--violations",
         "tamper", "--report", str(report)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = json.loads(report.read_text())
    assert written["tags"] == 1
    assert (
        written["messages"] == written["fixes"] + written["events"] - 1 or written["messages"] > 0
    )
    assert [v["kind"] for v in written["violations"]] == ["tamper"]
    assert written["violations"][0]["device"] == "CLI-1"
