"""EM telemetry end to end: from MQTT publish to stored fix and raised alert.

Issue 11's benchmark: "with 100,000 simulated tags, ≥ 10,000 fixes per second sustained for 5
minutes on 2 cores, p99 fix-to-alert under 1 s; report lost and duplicate counts (target 0 and
0) and the ingest worker's peak memory (flat over the run, under 500 MB)."

What it does (this WRITES to the database: point it only at a benchmark database)::

    createdb -h 127.0.0.1 -U postgres probation_em_bench
    python benchmarks/bench_em_ingest.py \\
        --database-url postgres://postgres@127.0.0.1:5432/probation_em_bench \\
        --tags 100000 --seconds 300 --rate 10000 --workers 2

1. **World** (idempotent): migrates, then makes ``--tags`` fitted GPS tags ``BENCH-000001`` …,
   each on its own active order (a licence condition, on one of a few hundred benchmark cases)
   with an exclusion zone: a 200 m circle 2 km north of the tag's home, spread over England.
2. **Workers**: starts ``--workers`` ingest workers as subprocesses (``probation em ingest``, a
   shared subscription of this run's own group), and samples each one's resident memory (RSS,
   ``/proc``) every second.
3. **Publisher** (this process, paho-mqtt, QoS 1): ``--rate`` fixes a second for ``--seconds``,
   ``--fixes-per-message`` fixes a message in the compact form; the tags take turns, so each
   uploads its recent fixes in a batch, as a gateway does. ``--violations`` times a second, the
   newest fix of a message is inside its tag's exclusion zone, timed at the moment of publishing
   (each tag at most once): the alert it must raise measures fix-to-alert.
4. **Drain**: waits until every fix sent is stored (or ``--drain-seconds`` pass), stops the
   workers (SIGTERM: they store the batch in hand first) and reads the results from the
   database.

It prints a table (or ``--json``): fixes sent and stored; the sustained rate (fixes stored per
second over the run, by ``received_at``) and the slowest 10-second window; lost (distinct
(device, sequence) sent but not stored) and duplicates (rows beyond one per (device, sequence));
fix-to-store latency (``received_at`` minus ``recorded_at`` of the violation fixes, p50/p99);
fix-to-alert latency (``raised_at`` minus the violation fix's time, which is its publish time;
p50/p99/max), alerts missing and extra; and each worker's RSS: first minute, last minute, peak.

Run it small to check it works (``--tags 2000 --seconds 30``); the full size needs a machine
where the publisher has a core of its own or it will report the rate it could publish.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERIAL = "BENCH-{:06d}"
CASES = 500
ZONE_RADIUS_M = 200
ZONE_NORTH_M = 2_000
TARGET_RATE = 10_000
TARGET_P99_ALERT_S = 1.0
TARGET_RSS_MB = 500


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


# ---- the world ------------------------------------------------------------------------------


def home_of(index: int) -> tuple[float, float]:
    """A tag's home: a grid over England (about 51.0 to 53.5 N, 2.8 W to 0.2 E)."""
    rng = random.Random(index)
    return 51.0 + rng.random() * 2.5, -2.8 + rng.random() * 3.0


def metres_north(lat: float, metres: float) -> float:
    return lat + metres / 111_250.0


def build_world(tags: int, say: Any) -> dict[str, int]:
    """Tags, orders, zones, cases (made once; more tags are added if asked for). Returns
    serial → device id."""
    from django.db import transaction
    from django.utils import timezone

    from probation.contracts.models import ContractArea
    from probation.core.bulk import bulk_insert
    from probation.core.database import migrate_schema
    from probation.monitoring.models import Device, EmOrder, Fitting, Zone
    from probation.people.models import Case, Person
    from probation.workforce.models import Organisation

    migrate_schema()
    existing = dict(Device.objects.filter(serial__startswith="BENCH-").values_list("serial", "id"))
    wanted = [SERIAL.format(i) for i in range(1, tags + 1)]
    missing = [s for s in wanted if s not in existing]
    if not missing:
        return {s: existing[s] for s in wanted}
    say(f"Making {len(missing):,} benchmark tags (once)")
    provider = Organisation.objects.get(code="EMS")
    nps = Organisation.objects.get(code="NPS")
    area = ContractArea.objects.order_by("code").first()
    today = timezone.localdate()
    with transaction.atomic():
        cases = list(Case.objects.filter(person__crn__startswith="Z").order_by("id")[:CASES])
        if len(cases) < CASES:
            people = Person.objects.bulk_create(
                Person(
                    crn=f"Z{n:06d}",
                    forename="Bench",
                    surname=f"Tag{n}",
                    date_of_birth=dt.date(1990, 1, 1),
                    sex="male",
                    forename_key="bench",
                    surname_key=f"tag{n}",
                )
                for n in range(len(cases), CASES)
            )
            cases += Case.objects.bulk_create(
                Case(
                    person=p,
                    responsible_organisation=nps,
                    contract_area=area,
                    opened_on=today - dt.timedelta(days=30),
                )
                for p in people
            )
        for start in range(0, len(missing), 20_000):
            part = missing[start : start + 20_000]
            homes = {s: home_of(int(s[6:])) for s in part}
            orders = EmOrder.objects.bulk_create(
                EmOrder(
                    case=cases[int(s[6:]) % CASES],
                    source="licence_condition",
                    condition="Benchmark: exclusion zone",
                    starts_on=today - dt.timedelta(days=1),
                    ends_on=today + dt.timedelta(days=60),
                    curfew_latitude=homes[s][0],
                    curfew_longitude=homes[s][1],
                    trail_monitoring=True,
                )
                for s in part
            )
            bulk_insert(
                Zone,
                [
                    Zone(
                        order=o,
                        kind="exclusion",
                        name="Benchmark zone",
                        geometry={
                            "type": "Circle",
                            "coordinates": [
                                homes[s][1],
                                metres_north(homes[s][0], ZONE_NORTH_M),
                            ],
                            "radius_m": ZONE_RADIUS_M,
                        },
                    )
                    for s, o in zip(part, orders, strict=True)
                ],
            )
            devices = Device.objects.bulk_create(
                Device(serial=s, kind="gps", state="fitted", provider=provider, order=o)
                for s, o in zip(part, orders, strict=True)
            )
            fitted_at = timezone.now() - dt.timedelta(hours=2)
            bulk_insert(
                Fitting,
                [Fitting(device=d, order=d.order, fitted_at=fitted_at) for d in devices],
            )
            say(f"  {start + len(part):,} of {len(missing):,}")
    return dict(Device.objects.filter(serial__in=wanted).values_list("serial", "id"))


# ---- a broker of its own --------------------------------------------------------------------

#: The private broker's settings: no cap on the QoS 1 messages queued for a slow subscriber
#: (Mosquitto's default, 1,000 a client, silently drops the rest once the workers fall behind,
#: which a benchmark of lost messages must not measure), nothing persisted to disk.
PRIVATE_BROKER_CONF = """listener {port} 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_queued_bytes 0
log_dest stderr
log_type error
"""


def start_broker() -> tuple[subprocess.Popen[bytes], str]:
    """Mosquitto on a free local port, for this run only (so other traffic on the machine's
    broker neither slows nor feeds the workers)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf = Path(f"/tmp/bench-mosquitto-{port}.conf")
    conf.write_text(PRIVATE_BROKER_CONF.format(port=port))
    binary = next(
        (b for b in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if Path(b).exists()), "mosquitto"
    )
    process = subprocess.Popen([binary, "-c", str(conf)], stderr=subprocess.DEVNULL)
    for _ in range(50):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"mqtt://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("The private Mosquitto did not start: is mosquitto installed?")


# ---- workers and their memory ---------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    rss_mb: list[tuple[float, float]] = field(default_factory=list)


def start_workers(
    count: int, group: str, database_url: str, batch_size: int, mqtt_url: str
) -> list[Worker]:
    env = os.environ | {
        "DATABASE_URL": database_url,
        "MQTT_URL": mqtt_url,
        "PYTHONPATH": str(ROOT / "src"),
    }
    workers = []
    for n in range(count):
        command = [
            sys.executable, "-m", "probation.cli", "em", "ingest",
            "--client-id", f"{group}-{n}", "--group", group, "--session-expiry", "600",
            "--batch-size", str(batch_size), "--report-every", "10", "--sweep-every", "3600",
        ]  # fmt: skip
        log = open(f"/tmp/{group}-{n}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        workers.append(Worker(process))
    return workers


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def sample_memory(workers: list[Worker], stop: threading.Event, started: float) -> None:
    while not stop.wait(1.0):
        for worker in workers:
            value = rss_mb(worker.process.pid)
            if value is not None:
                worker.rss_mb.append((time.monotonic() - started, value))


# ---- the publisher --------------------------------------------------------------------------


@dataclass
class Sent:
    fixes: int = 0
    messages: int = 0
    violations: list[tuple[str, dt.datetime]] = field(default_factory=list)
    seconds: float = 0.0


class _Messages:
    """The tags' messages in turn: ``per_message`` recent fixes of one tag each, near home; now
    and then the newest inside the tag's exclusion zone, timed at the moment of publishing."""

    def __init__(self, serials: list[str], rate: int, per_message: int, violations: float) -> None:
        self.serials = serials
        self.per_message = per_message
        self.period = len(serials) / rate  # seconds between one tag's fixes
        self.homes = [home_of(i + 1) for i in range(len(serials))]
        self.sequence = [int(time.time() * 1000)] * len(serials)
        self.violated: set[int] = set()
        self.violation_share = violations * per_message / rate
        self.debt = 0.0
        self.next_tag = 0

    def next(self, sent: Sent) -> tuple[str, bytes]:
        index = self.next_tag
        self.next_tag = (index + 1) % len(self.serials)
        serial, (lat, lon) = self.serials[index], self.homes[index]
        now = time.time()
        lines = [f"EM1,{serial}"]
        for k in range(self.per_message):
            self.sequence[index] += 1
            seq = self.sequence[index]
            at = now - (self.per_message - 1 - k) * self.period
            jitter = (seq * 2654435761) % 1000 / 1000 - 0.5
            lines.append(
                f"F,{seq},{at:.3f},{lat + jitter * 0.0004:.6f},{lon + jitter * 0.0006:.6f},8"
            )
        self.debt += self.violation_share
        if self.debt >= 1 and index not in self.violated:
            self.debt -= 1
            self.violated.add(index)
            inside = metres_north(lat, ZONE_NORTH_M)
            lines[-1] = f"F,{self.sequence[index]},{now:.3f},{inside:.6f},{lon:.6f},5"
            sent.violations.append((serial, dt.datetime.fromtimestamp(now, dt.UTC)))
        return f"em/devices/{serial}/telemetry", ("\n".join(lines) + "\n").encode()


def _client(url: str) -> Any:
    import paho.mqtt.client as mqtt

    from probation.monitoring.mqtt_worker import Broker

    broker = Broker.from_url(url)
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"bench-publisher-{uuid.uuid4().hex[:8]}",
    )
    if broker.username:
        client.username_pw_set(broker.username, broker.password)
    client.max_inflight_messages_set(5_000)
    client.max_queued_messages_set(0)
    client.connect(broker.host, broker.port, keepalive=60)
    return client


def publish(
    serials: list[str],
    *,
    url: str,
    rate: int,
    seconds: float,
    per_message: int,
    violations_per_second: float,
) -> Sent:
    """Publish at ``rate`` fixes a second for ``seconds`` (QoS 1), keeping to the schedule."""
    client = _client(url)
    client.loop_start()
    sent = Sent()
    source = _Messages(serials, rate, per_message, violations_per_second)
    messages_per_second = rate / per_message
    pending: list[Any] = []
    started = time.monotonic()
    try:
        while (elapsed := time.monotonic() - started) < seconds:
            due = int(elapsed * messages_per_second) + 1 - sent.messages
            if due <= 0:
                time.sleep(min(0.005, 1 / messages_per_second))
                continue
            for _ in range(min(due, 2_000)):
                topic, payload = source.next(sent)
                pending.append(client.publish(topic, payload, qos=1))
                sent.messages += 1
                sent.fixes += per_message
            if len(pending) > 20_000:
                for info in pending[:10_000]:
                    info.wait_for_publish(timeout=60)
                del pending[:10_000]
        sent.seconds = time.monotonic() - started
        for info in pending:
            info.wait_for_publish(timeout=120)
    finally:
        client.loop_stop()
        client.disconnect()
    return sent


# ---- results --------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def stored(ids: list[int], since: dt.datetime) -> dict[str, Any]:
    from django.db import connection

    low, high = min(ids), max(ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT (device_id, sequence)) FROM monitoring_fix "
            "WHERE received_at >= %s AND device_id BETWEEN %s AND %s",
            [since, low, high],
        )
        rows, distinct = cursor.fetchone()
    return {"rows": rows, "distinct": distinct}


def rates(ids: list[int], since: dt.datetime) -> tuple[float, float]:
    """Fixes stored a second from the first stored to the last (by ``received_at``), and the
    slowest full 10-second window between them (the first and last windows, start-up and drain,
    left out)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(received_at), max(received_at), count(*) FROM monitoring_fix "
            "WHERE received_at >= %s AND device_id BETWEEN %s AND %s",
            [since, min(ids), max(ids)],
        )
        first, last, total = cursor.fetchone()
        if not total:
            return 0.0, math.nan
        cursor.execute(
            "SELECT floor(extract(epoch FROM received_at - %s) / 10)::int AS w, count(*) "
            "FROM monitoring_fix WHERE received_at >= %s AND device_id BETWEEN %s AND %s "
            "GROUP BY w ORDER BY w",
            [first, since, min(ids), max(ids)],
        )
        windows = dict(cursor.fetchall())
    inner = [n / 10 for w, n in windows.items() if 0 < w < max(windows)]
    seconds = max((last - first).total_seconds(), 1.0)
    return total / seconds, min(inner) if inner else math.nan


def store_latency(devices: dict[str, int], since: dt.datetime) -> list[float]:
    """``received_at`` minus ``recorded_at`` of each violation fix (each is the newest fix of its
    message, timed when it was published): publish to stored."""
    from probation.monitoring.models import Alert, Fix

    episodes = dict(
        Alert.objects.filter(
            device_id__in=list(devices.values()), kind="exclusion_entered", raised_at__gte=since
        ).values_list("device_id", "episode_started_at")
    )
    return [
        (received - recorded).total_seconds()
        for device_id, recorded, received in Fix.objects.filter(
            device_id__in=list(episodes), recorded_at__in=set(episodes.values())
        ).values_list("device_id", "recorded_at", "received_at")
        if episodes.get(device_id) == recorded
    ]


def alert_latency(
    sent: Sent, devices: dict[str, int], since: dt.datetime
) -> tuple[list[float], int, int]:
    """Each injected violation's alert (a tag is violated once, so its device finds it):
    ``raised_at`` minus the fix's time; and how many are missing, and how many extra."""
    from probation.monitoring.models import Alert

    wanted = {devices[s] for s, _ in sent.violations}
    found = {
        device_id: (raised - episode).total_seconds()
        for device_id, episode, raised in Alert.objects.filter(
            device_id__in=list(devices.values()), kind="exclusion_entered", raised_at__gte=since
        ).values_list("device_id", "episode_started_at", "raised_at")
        if device_id in wanted
    }
    extra = Alert.objects.filter(
        device_id__in=list(devices.values()), raised_at__gte=since
    ).exclude(device_id__in=list(wanted), kind="exclusion_entered")
    return list(found.values()), len(wanted - set(found)), extra.count()


def memory_summary(workers: list[Worker]) -> list[dict[str, Any]]:
    """Each worker's RSS: the highest of its first minute and of its last, and its peak."""
    memory = []
    for n, worker in enumerate(workers):
        samples = worker.rss_mb
        first = [mb for t, mb in samples if t <= 60]
        last = [mb for t, mb in samples if t >= samples[-1][0] - 60] if samples else []
        memory.append(
            {
                "worker": n,
                "first_minute_mb": round(max(first), 1) if first else None,
                "last_minute_mb": round(max(last), 1) if last else None,
                "peak_mb": round(max((mb for _, mb in samples), default=0), 1),
            }
        )
    return memory


def print_table(result: dict[str, Any]) -> None:
    memory = result["memory"]
    peak = max((m["peak_mb"] for m in memory), default=0)
    slowest = result["slowest_10s_per_second"]
    rows = [
        ("Tags", f"{result['tags']:,}", ""),
        ("Run", f"{result['seconds']:,.0f} s, {result['workers']} worker(s)", ""),
        ("Fixes sent", f"{result['fixes_sent']:,} ({result['published_per_second']:,}/s)", ""),
        ("Fixes stored", f"{result['fixes_stored']:,}", ""),
        ("Stored per second", f"{result['stored_per_second']:,}", f">= {TARGET_RATE:,}"),
        ("Slowest 10 s", f"{slowest:,}/s" if slowest is not None else "n/a", ""),
        ("Lost", f"{result['lost']:,}", "0"),
        ("Duplicates", f"{result['duplicates']:,}", "0"),
        ("Fix to store p50 / p99", f"{result['fix_to_store_p50_s']} / {result['fix_to_store_p99_s']} s", ""),
        ("Violations injected", f"{result['violations']:,}", ""),
        ("Alerts missing / extra", f"{result['alerts_missing']} / {result['alerts_extra']}", "0 / 0"),
        ("Fix to alert p50 / p99 / max", f"{result['fix_to_alert_p50_s']} / {result['fix_to_alert_p99_s']} / {result['fix_to_alert_max_s']} s", f"p99 < {TARGET_P99_ALERT_S} s"),
        *[
            (f"Worker {m['worker']} RSS first min / last min / peak", f"{m['first_minute_mb']} / {m['last_minute_mb']} / {m['peak_mb']} MB", "")
            for m in memory
        ],
        ("Peak worker RSS", f"{peak} MB", f"< {TARGET_RSS_MB} MB"),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>{value_width}}  {target}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument(
        "--mqtt-url",
        default="",
        help="a broker to use (default: a private Mosquitto started for the run)",
    )
    parser.add_argument("--tags", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--rate", type=int, default=TARGET_RATE, help="fixes a second")
    parser.add_argument("--fixes-per-message", type=int, default=10)
    parser.add_argument("--violations", type=float, default=5, help="a second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=500, help="messages a worker batch")
    parser.add_argument("--drain-seconds", type=float, default=120)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    broker = None
    if not args.mqtt_url:
        broker, args.mqtt_url = start_broker()
    os.environ["MQTT_URL"] = args.mqtt_url
    setup_django(args.database_url)
    from django.utils import timezone

    from probation.monitoring.models import Device

    devices = build_world(args.tags, say)
    # Every tag was just heard from: the no-signal sweep has nothing to say about them.
    Device.objects.filter(pk__in=list(devices.values())).update(last_seen_at=timezone.now())
    serials = [SERIAL.format(i) for i in range(1, args.tags + 1)]
    ids = list(devices.values())
    group = f"bench{uuid.uuid4().hex[:6]}"
    since = timezone.now()
    workers = start_workers(args.workers, group, args.database_url, args.batch_size, args.mqtt_url)
    stop = threading.Event()
    sampler = threading.Thread(
        target=sample_memory, args=(workers, stop, time.monotonic()), daemon=True
    )
    sampler.start()
    time.sleep(4)  # the workers connect and subscribe
    say(
        f"Publishing {args.rate:,} fixes a second from {args.tags:,} tags for {args.seconds:,.0f} s "
        f"to {args.workers} worker(s)"
    )
    sent = publish(
        serials,
        url=args.mqtt_url,
        rate=args.rate,
        seconds=args.seconds,
        per_message=args.fixes_per_message,
        violations_per_second=args.violations,
    )
    say(f"Sent {sent.fixes:,} fixes in {sent.messages:,} messages; draining")
    deadline = time.monotonic() + args.drain_seconds
    counts = stored(ids, since)
    while counts["distinct"] < sent.fixes and time.monotonic() < deadline:
        time.sleep(2)
        counts = stored(ids, since)
    for worker in workers:
        worker.process.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.process.kill()
    stop.set()
    if broker is not None:
        broker.terminate()
    counts = stored(ids, since)
    per_second, slowest = rates(ids, since)
    to_store = store_latency(devices, since)
    to_alert, missing, extra = alert_latency(sent, devices, since)
    memory = memory_summary(workers)
    result = {
        "tags": args.tags,
        "seconds": round(sent.seconds, 1),
        "workers": args.workers,
        "fixes_per_message": args.fixes_per_message,
        "fixes_sent": sent.fixes,
        "published_per_second": round(sent.fixes / sent.seconds) if sent.seconds else 0,
        "fixes_stored": counts["distinct"],
        "stored_per_second": round(per_second),
        "slowest_10s_per_second": round(slowest) if not math.isnan(slowest) else None,
        "lost": max(0, sent.fixes - counts["distinct"]),
        "duplicates": counts["rows"] - counts["distinct"],
        "fix_to_store_p50_s": round(percentile(to_store, 0.5), 3),
        "fix_to_store_p99_s": round(percentile(to_store, 0.99), 3),
        "violations": len(sent.violations),
        "alerts_missing": missing,
        "alerts_extra": extra,
        "fix_to_alert_p50_s": round(percentile(to_alert, 0.5), 3),
        "fix_to_alert_p99_s": round(percentile(to_alert, 0.99), 3),
        "fix_to_alert_max_s": round(max(to_alert), 3) if to_alert else None,
        "memory": memory,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
