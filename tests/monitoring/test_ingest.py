"""Storing telemetry batches: once each, dead letters with the rest stored, late and
out-of-order uploads, the device's last sighting (issue 11, "Ingest")."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from probation.core.models import AuditEvent
from probation.monitoring.ingest import IncomingMessage, store_batch
from probation.monitoring.models import Alert, DeadLetter, Device, DeviceEvent, Fix
from probation.monitoring.partitions import (
    TABLES,
    day_partitions,
    is_partitioned,
    maintain_partitions,
)
from tests.factories import UserFactory, organisation
from tests.monitoring.telemetry_setup import (
    HOME,
    INSIDE_ZONE,
    NOW,
    em_order,
    event,
    exclusion_zone,
    fix,
    message,
    minutes,
    send,
    tag,
)

pytestmark = pytest.mark.django_db


def fixes_of(device: Device) -> list[tuple[int, dt.datetime]]:
    return list(
        Fix.objects.filter(device=device)
        .order_by("sequence")
        .values_list("sequence", "recorded_at")
    )


@pytest.mark.parametrize("compact", [False, True])
def test_a_batch_of_several_devices_is_stored(compact: bool) -> None:
    order = em_order()
    first, second = tag(order, "TAG-1"), tag(None, "TAG-2")
    result = send(
        message("TAG-1", [fix(1, minutes(-5), HOME), fix(2, minutes(-4), HOME)], compact=compact),
        message(
            "TAG-2",
            [fix(7, minutes(-3), HOME)],
            [event(8, minutes(-2), "charging")],
            compact=compact,
        ),
    )
    assert (result.messages, result.fixes_stored, result.events_stored) == (2, 3, 1)
    assert (result.duplicates, result.dead_letters) == (0, 0)
    assert fixes_of(first) == [(1, minutes(-5)), (2, minutes(-4))]
    stored = Fix.objects.get(device=second)
    assert (stored.latitude, stored.longitude, stored.accuracy_m, stored.received_at) == (
        HOME[0],
        HOME[1],
        5.0,
        NOW,
    )
    assert DeviceEvent.objects.get(device=second).kind == "charging"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.last_seen_at, second.last_seen_at) == (minutes(-4), minutes(-2))


def test_the_same_batch_twice_stores_nothing_new_and_raises_no_new_alert() -> None:
    order = em_order()
    exclusion_zone(order)
    tag(order, "TAG-1")
    batch = [
        message("TAG-1", [fix(1, minutes(-5), HOME), fix(2, minutes(-4), INSIDE_ZONE)]),
        message("TAG-1", [], [event(3, minutes(-3), "strap_tamper")], compact=True),
    ]
    first = store_batch(batch, now=NOW)
    assert (first.fixes_stored, first.events_stored, first.alerts_raised) == (2, 1, 2)
    again = store_batch(batch, now=NOW + dt.timedelta(minutes=1))
    assert (again.fixes_stored, again.events_stored, again.alerts_raised) == (0, 0, 0)
    assert again.duplicates == 3
    assert (Fix.objects.count(), DeviceEvent.objects.count(), Alert.objects.count()) == (2, 1, 2)


def test_repeats_within_one_message_are_stored_once() -> None:
    device = tag(em_order(), "TAG-1")
    result = send(message("TAG-1", [fix(1, minutes(-5), HOME)] * 3))
    assert (result.fixes_stored, result.duplicates) == (1, 2)
    assert fixes_of(device) == [(1, minutes(-5))]


def test_dead_letters_are_kept_with_their_reason_and_the_rest_is_stored() -> None:
    device = tag(em_order(), "TAG-1")
    bad_item = (
        b'{"device": "TAG-1", "fixes": [{"seq": 1, "at": "2026-03-05T11:55:00Z", "lat": 53.4, '
        b'"lon": -2.9}, {"seq": 2, "at": "2026-03-05T11:56:00Z", "lat": 95, "lon": -2.9}]}'
    )
    result = send(
        IncomingMessage("em/devices/TAG-1/telemetry", bad_item),
        message("GHOST-9", [fix(1, minutes(-5), HOME)]),
        IncomingMessage("em/devices/TAG-1/telemetry", b"\x00garbage"),
        message("TAG-1", [fix(3, minutes(-1), HOME)], compact=True),
    )
    assert result.fixes_stored == 2 and result.dead_letters == 3
    assert [s for s, _ in fixes_of(device)] == [1, 3]
    letters = {d.reason.split(":")[0]: d for d in DeadLetter.objects.all()}
    assert set(letters) == {
        "lat",
        "unknown device",
        "neither JSON nor the compact form (EM1,<serial> first)",
    }
    assert letters["lat"].device_serial == "TAG-1"
    assert letters["lat"].source == "em/devices/TAG-1/telemetry"
    assert '"lat":95' in letters["lat"].payload
    assert letters["unknown device"].device_serial == "GHOST-9"
    assert "GHOST-9" in letters["unknown device"].payload


def test_a_message_with_nothing_to_store_stores_nothing() -> None:
    device = tag(em_order(), "TAG-1")
    only_bad = IncomingMessage(
        "em/devices/TAG-1/telemetry", b'{"device": "TAG-1", "fixes": [{"seq": -1}], "events": []}'
    )
    empty = IncomingMessage("em/devices/TAG-1/telemetry", b'{"device": "TAG-1"}')
    result = send(only_bad, empty)
    assert (result.fixes_stored, result.duplicates, result.dead_letters) == (0, 0, 1)
    device.refresh_from_db()
    assert device.last_seen_at is None


def test_a_message_on_another_devices_topic_is_a_dead_letter() -> None:
    tag(em_order(), "TAG-1")
    tag(em_order(), "TAG-2")
    payload = message("TAG-2", [fix(1, minutes(-5), HOME)]).payload
    result = send(IncomingMessage("em/devices/TAG-1/telemetry", payload))
    assert (result.fixes_stored, result.dead_letters) == (0, 1)
    assert "not the topic's (TAG-1)" in DeadLetter.objects.get().reason


def test_late_and_out_of_order_uploads_are_stored_and_last_seen_never_goes_back() -> None:
    device = tag(em_order(), "TAG-1")
    send(message("TAG-1", [fix(10, minutes(-1), HOME)]))
    # After a gap in signal: older fixes, out of order, arriving later.
    result = send(
        message(
            "TAG-1",
            [fix(8, minutes(-40), HOME), fix(6, minutes(-60), HOME), fix(7, minutes(-50), HOME)],
        ),
        now=NOW + dt.timedelta(minutes=5),
    )
    assert result.fixes_stored == 3
    assert [s for s, _ in fixes_of(device)] == [6, 7, 8, 10]
    device.refresh_from_db()
    assert device.last_seen_at == minutes(-1)


def test_last_seen_is_not_moved_past_the_platforms_clock() -> None:
    device = tag(em_order(), "TAG-1")
    send(message("TAG-1", [fix(1, minutes(8), HOME)]))  # a tag clock 8 minutes fast
    device.refresh_from_db()
    assert device.last_seen_at == NOW


def test_a_gateway_may_only_send_for_its_own_providers_devices(db: Any) -> None:
    tag(em_order(), "TAG-1")
    other = organisation("NPS")
    result = store_batch(
        [message("TAG-1", [fix(1, minutes(-5), HOME)])], provider_id=other.id, now=NOW
    )
    assert (result.fixes_stored, result.dead_letters) == (0, 1)
    assert DeadLetter.objects.get().reason.startswith("a device of another provider")
    mine = store_batch(
        [message("TAG-1", [fix(1, minutes(-5), HOME)])], provider_id=organisation("EMS").id, now=NOW
    )
    assert mine.fixes_stored == 1


def test_a_device_in_stock_is_stored_but_not_judged() -> None:
    order = em_order()
    exclusion_zone(order)
    tag(None, "SPARE-1")
    result = send(message("SPARE-1", [fix(1, minutes(-5), INSIDE_ZONE)]))
    assert (result.fixes_stored, result.alerts_raised) == (1, 0)


def test_the_same_sequence_at_another_time_is_another_reading() -> None:
    # The key is (device, sequence, time): the time is in it because the table is partitioned
    # by day, and a unique key must hold the partition's column.
    device = tag(em_order(), "TAG-1")
    send(message("TAG-1", [fix(1, minutes(-5), HOME)]))
    send(message("TAG-1", [fix(1, minutes(-4), HOME)]))
    assert len(fixes_of(device)) == 2


# ---- partitions and retention (probation/monitoring/partitions.py) --------------------------


def table_of(fix_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM monitoring_fix WHERE id = %s", [fix_id]
        )
        return str(cursor.fetchone()[0])


def a_fix_at(device: Device, at: dt.datetime, sequence: int = 1) -> Fix:
    return Fix.objects.create(
        device=device, sequence=sequence, recorded_at=at, received_at=at, latitude=1, longitude=1
    )


def test_the_telemetry_tables_are_partitioned_by_day_with_a_default_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's; SQLite keeps plain tables")
    assert is_partitioned()
    for table in TABLES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [f"{table}_default"])
            assert cursor.fetchone() == ("r",)
    maintain_partitions(ahead=2, retain_days=90)
    today = timezone.now().astimezone(dt.UTC).date()
    assert {today, today + dt.timedelta(days=1), today + dt.timedelta(days=2)} <= set(
        day_partitions("monitoring_fix")
    )
    device = tag(em_order(), "TAG-1")
    now = timezone.now()
    assert table_of(a_fix_at(device, now).id) == f"monitoring_fix_p{now.astimezone(dt.UTC):%Y%m%d}"


def test_a_fix_for_a_day_without_a_partition_waits_in_the_default_and_moves_in() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's; SQLite keeps plain tables")
    device = tag(em_order(), "TAG-1")
    today = timezone.now().astimezone(dt.UTC).date()
    far = dt.datetime.combine(today + dt.timedelta(days=40), dt.time(9), tzinfo=dt.UTC)
    stored = a_fix_at(device, far)
    assert table_of(stored.id) == "monitoring_fix_default"
    report = maintain_partitions(ahead=40, retain_days=90)
    assert f"monitoring_fix_p{far:%Y%m%d}" in report.created
    assert table_of(stored.id) == f"monitoring_fix_p{far:%Y%m%d}"
    # And ingest's ON CONFLICT still sees it there.
    again = store_batch([message("TAG-1", [fix(1, far, HOME)])], now=far)
    assert (again.fixes_stored, again.duplicates) == (0, 1)


def test_days_past_the_retention_are_dropped_and_audited() -> None:
    device = tag(em_order(), "TAG-1")
    today = timezone.now().astimezone(dt.UTC).date()
    old_day = today - dt.timedelta(days=95)
    kept_day = today - dt.timedelta(days=90)
    if connection.vendor == "postgresql":
        maintain_partitions(ahead=0, retain_days=200, today=old_day)  # makes old_day's partition
    old = a_fix_at(device, dt.datetime.combine(old_day, dt.time(12), tzinfo=dt.UTC), 1)
    kept = a_fix_at(device, dt.datetime.combine(kept_day, dt.time(0), tzinfo=dt.UTC), 2)
    report = maintain_partitions(ahead=1, retain_days=90)
    assert not Fix.objects.filter(id=old.id).exists()
    assert Fix.objects.filter(id=kept.id).exists()
    event = AuditEvent.objects.get(action="em.telemetry_dropped")
    assert event.details["retain_days"] == 90
    if connection.vendor == "postgresql":
        assert old_day in report.dropped_days and kept_day not in report.dropped_days
        assert f"monitoring_fix_p{old_day:%Y%m%d}" in event.details["tables"]
        assert old_day.isoformat() in event.details["days"]
    else:
        assert report.rows_deleted == 1


def test_nothing_dropped_nothing_audited() -> None:
    maintain_partitions(ahead=1, retain_days=90)
    assert not AuditEvent.objects.filter(action="em.telemetry_dropped").exists()


@pytest.mark.parametrize(("ahead", "retain"), [(-1, 90), (367, 90), (7, 0)])
def test_partition_arguments_are_bounded(ahead: int, retain: int) -> None:
    with pytest.raises(ValueError):
        maintain_partitions(ahead=ahead, retain_days=retain)


# ---- the HTTP batch endpoint (probation/monitoring/ingest_views.py) --------------------------

TELEMETRY_URL = "/monitoring/telemetry"


def gateway(
    organisation_code: str = "EMS", roles: tuple[str, ...] = ("monitoring_operator",)
) -> APIClient:
    user = UserFactory(organisation=organisation(organisation_code), roles=list(roles))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def now_fix(seq: int, where: tuple[float, float] = HOME) -> Any:
    return fix(seq, timezone.now() - dt.timedelta(minutes=1), where)


@pytest.mark.parametrize("compact", [False, True])
def test_a_gateway_posts_a_batch_and_gets_the_counts(compact: bool) -> None:
    device = tag(em_order(), "TAG-1")
    body = message("TAG-1", [now_fix(1), now_fix(2)], compact=compact).payload
    content_type = "text/plain" if compact else "application/json"
    response = gateway().post(TELEMETRY_URL, body, content_type=content_type)
    assert response.status_code == 202
    assert response.json()["fixes_stored"] == 2
    assert Fix.objects.filter(device=device).count() == 2
    again = gateway().post(TELEMETRY_URL, body, content_type=content_type)
    assert (again.status_code, again.json()["fixes_stored"], again.json()["duplicates"]) == (
        202,
        0,
        2,
    )


def test_a_json_list_carries_several_devices_and_bad_items_are_reported() -> None:
    tag(em_order(), "TAG-1")
    tag(em_order(), "TAG-2")
    good = json.loads(message("TAG-1", [now_fix(1)]).payload)
    other = json.loads(message("TAG-2", [now_fix(5), now_fix(6, (95.0, 0.0))]).payload)
    response = gateway().post(
        TELEMETRY_URL, json.dumps([good, other]), content_type="application/json"
    )
    assert response.status_code == 202
    body = response.json()
    assert (body["fixes_stored"], body["dead_letters"]) == (2, 1)
    assert body["reasons"] == ["TAG-2: lat: must be between -90 and 90 (an impossible position)"]
    assert DeadLetter.objects.get().source == TELEMETRY_URL


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"hello", "text/plain", 400),
        (b"", "application/json", 400),
        (b"EM1,TAG-1\n" + b"F,1,1,1,1,\n" * 30_000, "text/plain", 400),
        (b"<xml/>", "application/xml", 415),
    ],
)
def test_a_bad_body_is_a_problem_never_a_500(body: bytes, content_type: str, status: int) -> None:
    tag(em_order(), "TAG-1")
    response = gateway().post(TELEMETRY_URL, body, content_type=content_type)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["instance"] == TELEMETRY_URL
    if status == 400:
        assert problem["errors"]


def test_an_unknown_device_only_is_a_400_naming_it_and_kept_as_a_dead_letter() -> None:
    response = gateway().post(
        TELEMETRY_URL, message("GHOST-1", [now_fix(1)]).payload, content_type="application/json"
    )
    assert response.status_code == 400
    assert "GHOST-1: unknown device" in response.json()["errors"][0]["message"]
    assert DeadLetter.objects.get().device_serial == "GHOST-1"


@pytest.mark.parametrize(
    ("organisation_code", "roles", "status"),
    [
        ("NPS", ("monitoring_operator",), 403),
        ("EMS", ("practitioner",), 403),
        ("CRC-C08", ("practitioner",), 403),
    ],
)
def test_only_a_providers_gateway_may_send(
    organisation_code: str, roles: tuple[str, ...], status: int
) -> None:
    tag(em_order(), "TAG-1")
    client = gateway(organisation_code, roles)
    response = client.post(
        TELEMETRY_URL, message("TAG-1", [now_fix(1)]).payload, content_type="application/json"
    )
    assert response.status_code == status
    assert not Fix.objects.exists()


def test_no_token_is_a_401_and_a_session_is_not_enough(db: Any) -> None:
    tag(em_order(), "TAG-1")
    body = message("TAG-1", [now_fix(1)]).payload
    assert APIClient().post(TELEMETRY_URL, body, content_type="application/json").status_code == 401
    signed_in = APIClient()
    signed_in.force_login(
        UserFactory(organisation=organisation("EMS"), roles=["monitoring_operator"])
    )
    assert signed_in.post(TELEMETRY_URL, body, content_type="application/json").status_code == 401


def test_a_database_failure_is_a_503_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    from probation.monitoring import ingest_views

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(ingest_views, "store_batch", down)
    response = gateway().post(
        TELEMETRY_URL, message("TAG-1", [now_fix(1)]).payload, content_type="application/json"
    )
    assert response.status_code == 503
    assert response.json()["type"].endswith("/telemetry-not-stored")
