"""The fault test of issue 11: kill -9 an ingest worker mid-stream and restart it → 0 fixes
lost, 0 duplicate fixes, 0 duplicate alerts, counted against what was sent.

The worker runs as a subprocess (``probation em ingest``) on the test database, so it must be
PostgreSQL (SQLite's test database is in this process's memory); CI runs on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from probation.monitoring.models import Alert, DeadLetter, Fix
from tests.monitoring.telemetry_setup import (
    INSIDE_ZONE,
    OUTSIDE_ZONE,
    em_order,
    exclusion_zone,
    fix,
    message,
    tag,
)
from tests.monitoring.test_mqtt_worker import (
    forget_session,
    needs_broker,
    publish,
    publisher,
    wait_for,
)

DEVICES = 10
MESSAGES_PER_DEVICE = 30
FIXES_PER_MESSAGE = 4
#: Each device's trail, message by message: outside, inside (an episode), outside, inside again.
INSIDE_MESSAGES = {*range(10, 18), *range(24, 30)}


def trail(serial: str, start: dt.datetime) -> list[Any]:
    messages = []
    for m in range(MESSAGES_PER_DEVICE):
        where = INSIDE_ZONE if m in INSIDE_MESSAGES else OUTSIDE_ZONE
        fixes = [
            fix(
                m * FIXES_PER_MESSAGE + k,
                start + dt.timedelta(seconds=10 * (m * FIXES_PER_MESSAGE + k)),
                where,
            )
            for k in range(FIXES_PER_MESSAGE)
        ]
        messages.append(message(serial, fixes, compact=m % 2 == 1))
    return messages


def episodes() -> int:
    """Entries into the zone in one trail (an alert each), counted from the trail's plan."""
    inside = [m in INSIDE_MESSAGES for m in range(MESSAGES_PER_DEVICE)]
    return sum(1 for i, now in enumerate(inside) if now and (i == 0 or not inside[i - 1]))


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    def __init__(self, client_id: str, group: str, log: Path) -> None:
        self.log = log
        env = {**os.environ, "DATABASE_URL": database_url(), "MIGRATION_DATABASE_URL": ""}
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [
                sys.executable,
                "-m",
                "probation.cli",
                "em",
                "ingest",
                "--client-id",
                client_id,
                "--group",
                group,
                "--batch-size",
                "8",
                "--max-wait-ms",
                "30",
                "--session-expiry",
                "300",
                "--report-every",
                "1",
            ],
            env=env,
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_subscribed(self, after: int) -> None:
        assert wait_for(lambda: self.log.read_text().count("Subscribed to") > after, 60), (
            self.log.read_text()
        )


@needs_broker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_kill_9_mid_stream_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the fault test runs the worker as a subprocess: it needs PostgreSQL")
    run = uuid.uuid4().hex[:8]
    today = timezone.localdate()
    devices = []
    for n in range(DEVICES):
        order = em_order(
            starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=1)
        )
        exclusion_zone(order)
        devices.append(tag(order, f"F{run}-{n}", fitted_at=timezone.now()))
    # The trail (20 minutes of fixes) ends 2 minutes ago: recent enough for no "no signal".
    start = timezone.now() - dt.timedelta(minutes=22)
    trails = [trail(d.serial, start) for d in devices]
    # Interleaved as gateways would send them, with one message in ten sent twice.
    outgoing = []
    for m in range(MESSAGES_PER_DEVICE):
        for t in trails:
            outgoing.append(t[m])
            if (m + len(outgoing)) % 10 == 0:
                outgoing.append(t[m])
    distinct_fixes = DEVICES * MESSAGES_PER_DEVICE * FIXES_PER_MESSAGE

    client_id, group = f"test-fault-{run}", f"test-fault-{run}"
    log = tmp_path / "worker.log"
    worker = WorkerProcess(client_id, group, log)
    client = publisher()
    try:
        worker.wait_subscribed(0)

        def send_all() -> None:
            for sent in outgoing:
                publish(client, sent.source, sent.payload)
                time.sleep(0.01)

        sender = threading.Thread(target=send_all)
        sender.start()
        # Mid-stream: some stored, much still to come.
        assert wait_for(
            lambda: Fix.objects.filter(device__in=devices).count() >= distinct_fixes // 4, 60
        )
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait(10)
        killed_at = Fix.objects.filter(device__in=devices).count()
        assert killed_at < distinct_fixes, "the worker finished before it could be killed"
        worker = WorkerProcess(client_id, group, log)
        worker.wait_subscribed(1)
        sender.join(120)
        assert wait_for(
            lambda: Fix.objects.filter(device__in=devices).count() >= distinct_fixes, 90
        )
        time.sleep(1)  # anything redelivered late must still not be stored twice
        worker.process.send_signal(signal.SIGTERM)
        assert worker.process.wait(30) == 0
    finally:
        if worker.process.poll() is None:
            worker.process.kill()
        client.disconnect()
        client.loop_stop()
        forget_session(client_id)

    stored = Fix.objects.filter(device__in=devices)
    assert stored.count() == distinct_fixes  # 0 lost, 0 duplicates
    assert not stored.values("device", "sequence").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert set(stored.values_list("device", "sequence")) == {
        (d.id, s) for d in devices for s in range(MESSAGES_PER_DEVICE * FIXES_PER_MESSAGE)
    }
    alerts = Alert.objects.filter(device__in=devices)
    assert sorted(alerts.values_list("kind", flat=True)) == ["exclusion_entered"] * DEVICES * 2
    assert alerts.count() == DEVICES * episodes()
    assert {(a.device_id, a.kind) for a in alerts} == {(d.id, "exclusion_entered") for d in devices}
    assert (
        not alerts.values("order", "rule", "episode_started_at")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    assert not DeadLetter.objects.filter(device_serial__startswith=f"F{run}").exists()
    assert "Stopped." in log.read_text()
