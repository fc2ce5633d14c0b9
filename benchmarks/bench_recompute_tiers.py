"""How long recomputing every case's tier takes on a national-scale world.

Usage::

    python benchmarks/bench_recompute_tiers.py [--people 250000] [--chunk-size 5000]

``DATABASE_URL`` chooses the PostgreSQL database (default
``postgres://postgres@127.0.0.1:5432/probation_bench``). If it holds no people, a demo world of
``--people`` is built first (``probation demo --people N``); if its people have no assessments (a
world built before risk existed), it is rebuilt (``probation demo --reset``).

Then :func:`probation.risk.batch.recompute_all_tiers` runs twice:

1. **first run**: the tier history is cleared first (``TRUNCATE risk_tiercalculation`` and every
   ``people_case.tier`` blanked; audit rows are append-only and stay), so every case gets a new
   history row, a tier update and an audit event;
2. **second run**: nothing changed, so nothing is written.

Prints cases, seconds and cases per second for each, and one JSON line. Target: under 60 s for
250,000 cases.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/probation_bench"
TARGET_SECONDS_250K = 60
ROOT = Path(__file__).resolve().parents[1]


def _ensure_database(url: str) -> None:
    """Create the database if the server does not have it yet."""
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _probation_demo(people: int, *, reset: bool) -> None:
    command = [
        str(ROOT / ".venv" / "bin" / "probation"),
        "demo",
        "--people",
        str(people),
    ] + (["--reset"] if reset else [])
    print("$ " + " ".join(command[1:]), flush=True)
    started = time.perf_counter()
    subprocess.run(command, check=True, env=os.environ.copy())
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=250_000, help="world size to build if empty")
    parser.add_argument("--chunk-size", type=int, default=5000)
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        print("This benchmark measures PostgreSQL: set DATABASE_URL to a postgres:// URL.")
        return 2
    _ensure_database(os.environ["DATABASE_URL"])
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.config.settings")
    import django

    django.setup()
    from django.db import connection

    from probation.demo.builder import ensure_schema
    from probation.people.models import Person
    from probation.risk.batch import recompute_all_tiers
    from probation.risk.models import Assessment

    ensure_schema()
    if not Person.objects.exists():
        _probation_demo(args.people, reset=False)
    elif not Assessment.objects.exists():
        _probation_demo(args.people, reset=True)
    connection.close()  # the build ran in another process; start afresh

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE risk_tiercalculation")
        cursor.execute("UPDATE people_case SET tier = ''")
        # Each run rewrites every case row: without a vacuum, repeated runs read ever more
        # dead rows and time the bloat, not the recompute.
        cursor.execute("VACUUM ANALYZE people_case")
        cursor.execute("ANALYZE")

    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - last[0] >= 10:
            last[0] = now
            print(f"  {done:>9,} / {total:,} cases  {now - started:6.1f} s", flush=True)

    runs = []
    for name in ("first", "second"):
        print(f"{name} run:", flush=True)
        started = time.perf_counter()
        report = recompute_all_tiers(chunk_size=args.chunk_size, progress=progress)
        seconds = time.perf_counter() - started
        rate = report.cases / seconds if seconds else 0.0
        print(
            f"{name} run: {report.cases:,} cases, {report.changed:,} changed, {seconds:.1f} s, "
            f"{rate:,.0f} cases/s",
            flush=True,
        )
        runs.append(
            {
                "run": name,
                "cases": report.cases,
                "changed": report.changed,
                "seconds": round(seconds, 1),
                "cases_per_second": round(rate),
                "by_tier": dict(sorted(report.by_tier.items())),
            }
        )
    print(json.dumps({"chunk_size": args.chunk_size, "runs": runs}))
    cases = runs[0]["cases"]
    if runs[0]["seconds"] > TARGET_SECONDS_250K * max(cases / 250_000, 0.01):
        print("WARNING: slower than the 250,000-cases target (60 s) scaled to this size")
    if runs[1]["changed"]:
        print("WARNING: the second run changed tiers: the recompute is not idempotent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
