"""The MQTT ingest worker against the local Mosquitto: publish → worker → rows, acknowledged
only once stored, and delivered again when storing fails."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone

from probation.monitoring import mqtt_worker
from probation.monitoring.models import Alert, DeadLetter, Fix
from probation.monitoring.mqtt_worker import Broker, IngestSettings, IngestWorker
from tests.monitoring.telemetry_setup import (
    HOME,
    INSIDE_ZONE,
    em_order,
    exclusion_zone,
    fix,
    message,
    tag,
)


def broker_running() -> bool:
    broker = Broker.from_url(settings.MQTT_URL)
    try:
        with socket.create_connection((broker.host, broker.port), timeout=1):
            return True
    except OSError:
        return False


needs_broker = pytest.mark.skipif(not broker_running(), reason="no MQTT broker at MQTT_URL")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mqtt://127.0.0.1:1883", Broker("127.0.0.1", 1883, False, None, None)),
        ("mqtt://broker", Broker("broker", 1883, False, None, None)),
        (
            "mqtts://ingest:s%40cret@broker.example",
            Broker("broker.example", 8883, True, "ingest", "s@cret"),
        ),
    ],
)
def test_broker_from_url(url: str, expected: Broker) -> None:
    assert Broker.from_url(url) == expected


@pytest.mark.parametrize("url", ["http://broker", "mqtt://", "broker:1883"])
def test_a_broker_url_that_is_not_mqtt_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="MQTT_URL"):
        Broker.from_url(url)


def publisher() -> mqtt.Client:
    broker = Broker.from_url(settings.MQTT_URL)
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"test-publisher-{uuid.uuid4().hex[:8]}",
        protocol=mqtt.MQTTv5,
    )
    client.connect(broker.host, broker.port)
    client.loop_start()
    return client


def publish(client: mqtt.Client, topic: str, payload: bytes) -> None:
    client.publish(topic, payload, qos=1).wait_for_publish(timeout=5)


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll ``condition`` (SQLite's shared in-memory test database may say a table is locked
    while the worker writes: that is "not yet")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError:
            pass
        time.sleep(0.2)
    return condition()


class Running:
    """A worker on a thread (its own database connection), stopped on exit."""

    def __init__(self, config: IngestSettings) -> None:
        self.lines: list[str] = []
        self.worker = IngestWorker(config, say=self.lines.append)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.worker.run()
        finally:
            connection.close()

    def __enter__(self) -> IngestWorker:
        self.thread.start()
        assert self.worker.subscribed.wait(10), self.lines
        return self.worker

    def __exit__(self, *exc: Any) -> None:
        self.worker.stop.set()
        self.thread.join(20)


def forget_session(client_id: str) -> None:
    """End the broker's session of ``client_id`` (a clean start with no expiry)."""
    broker = Broker.from_url(settings.MQTT_URL)
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
    )
    client.connect(broker.host, broker.port, clean_start=True)
    client.loop_start()
    time.sleep(0.3)
    client.disconnect()
    client.loop_stop()


@pytest.fixture
def worker_config() -> Iterator[IngestSettings]:
    name = uuid.uuid4().hex[:10]
    config = IngestSettings(
        url=settings.MQTT_URL,
        client_id=f"test-ingest-{name}",
        group=f"test-{name}",  # its own group: other workers on this broker do not take its messages
        batch_size=20,
        max_wait=0.05,
        session_expiry=120,
        report_every=1,
    )
    yield config
    forget_session(config.client_id)


@needs_broker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_published_message_is_stored_judged_and_acknowledged(
    worker_config: IngestSettings,
) -> None:
    serial = f"RT-{uuid.uuid4().hex[:8]}"
    now = timezone.now().replace(microsecond=0)
    order = em_order(
        starts_on=timezone.localdate() - dt.timedelta(days=1),
        ends_on=timezone.localdate() + dt.timedelta(days=1),
    )
    exclusion_zone(order)
    device = tag(order, serial, fitted_at=timezone.now())
    client = publisher()
    try:
        with Running(worker_config) as worker:
            first = message(
                serial,
                [
                    fix(1, now - dt.timedelta(minutes=2), HOME),
                    fix(2, now - dt.timedelta(minutes=1), INSIDE_ZONE),
                ],
            )
            second = message(serial, [fix(3, now, INSIDE_ZONE)], compact=True)
            publish(client, first.source, first.payload)
            publish(client, second.source, second.payload)
            assert wait_for(lambda: Fix.objects.filter(device=device).count() == 3)
            assert wait_for(lambda: worker.counters.totals.messages == 2)
        assert Alert.objects.filter(device=device, kind="exclusion_entered").count() == 1
        # Acknowledged: the same client id, reconnecting, is given nothing again.
        with Running(worker_config) as again:
            time.sleep(1.5)
            assert again.counters.totals.messages == 0
    finally:
        client.disconnect()
        client.loop_stop()


@needs_broker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_that_cannot_be_stored_is_not_acknowledged_and_comes_again(
    worker_config: IngestSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = f"RT-{uuid.uuid4().hex[:8]}"
    device = tag(em_order(), serial, fitted_at=timezone.now())
    real = mqtt_worker.store_batch
    calls = {"n": 0}

    def failing_once(messages: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("the database went away")
        return real(messages, **kwargs)

    monkeypatch.setattr(mqtt_worker, "store_batch", failing_once)
    monkeypatch.setattr(mqtt_worker, "MAX_BACKOFF_SECONDS", 0.1)
    client = publisher()
    try:
        with Running(worker_config) as worker:
            sent = message(serial, [fix(1, timezone.now() - dt.timedelta(minutes=1), HOME)])
            publish(client, sent.source, sent.payload)
            assert wait_for(lambda: Fix.objects.filter(device=device).count() == 1)
            assert worker.counters.failures == 1
    finally:
        client.disconnect()
        client.loop_stop()
    assert Fix.objects.filter(device=device).count() == 1


@needs_broker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_message_that_fails_on_its_own_is_a_dead_letter_and_blocks_nothing(
    worker_config: IngestSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = f"RT-{uuid.uuid4().hex[:8]}"
    device = tag(em_order(), serial, fitted_at=timezone.now())
    real = mqtt_worker.store_batch

    def bug_on_poison(messages: Any, **kwargs: Any) -> Any:
        if any(b"99999" in m.payload for m in messages):
            raise RuntimeError("a bug")
        return real(messages, **kwargs)

    monkeypatch.setattr(mqtt_worker, "store_batch", bug_on_poison)
    client = publisher()
    at = timezone.now() - dt.timedelta(minutes=1)
    try:
        with Running(worker_config) as worker:
            for sequence in (1, 99999, 2):
                sent = message(serial, [fix(sequence, at, HOME)])
                publish(client, sent.source, sent.payload)
            assert wait_for(lambda: Fix.objects.filter(device=device).count() == 2)
            assert wait_for(lambda: DeadLetter.objects.filter(device_serial=serial).exists())
            assert worker.counters.failures == 0
    finally:
        client.disconnect()
        client.loop_stop()
    letter = DeadLetter.objects.get(device_serial=serial)
    assert letter.reason.startswith("could not be stored (RuntimeError)")
    assert "99999" in letter.payload
    # Acknowledged, all three: nothing comes again.
    with Running(worker_config) as again:
        time.sleep(1.5)
        assert again.counters.totals.messages == 0


@needs_broker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_on_the_shared_subscription_store_each_fix_once(
    worker_config: IngestSettings,
) -> None:
    """Scaling out: the broker spreads one device's messages over both workers, whose batches
    then meet on the same device and order (locked in id order: no deadlock, no lost state)."""
    if connection.vendor != "postgresql":
        pytest.skip("two workers writing at once need PostgreSQL (SQLite has one writer)")
    run = uuid.uuid4().hex[:8]
    today = timezone.localdate()
    devices = []
    for n in range(4):
        order = em_order(
            starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=1)
        )
        exclusion_zone(order)
        devices.append(tag(order, f"S{run}-{n}", fitted_at=timezone.now()))
    start = timezone.now() - dt.timedelta(minutes=20)
    second_config = IngestSettings(
        **{**vars(worker_config), "client_id": worker_config.client_id + "-2"}
    )
    client = publisher()
    try:
        with Running(worker_config) as first, Running(second_config) as second:
            for m in range(40):
                for d in devices:
                    where = INSIDE_ZONE if 10 <= m < 30 else HOME
                    at = start + dt.timedelta(seconds=20 * m)
                    sent = message(d.serial, [fix(m, at, where)], compact=m % 2 == 0)
                    publish(client, sent.source, sent.payload)
            assert wait_for(lambda: Fix.objects.filter(device__in=devices).count() == 160, 60)
            time.sleep(0.5)
            assert first.counters.totals.messages > 0 and second.counters.totals.messages > 0
    finally:
        client.disconnect()
        client.loop_stop()
        forget_session(second_config.client_id)
    assert Fix.objects.filter(device__in=devices).count() == 160
    alerts = Alert.objects.filter(device__in=devices)
    assert sorted(alerts.values_list("device_id", "kind")) == [
        (d.id, "exclusion_entered") for d in devices
    ]
