"""How long the demo world takes to build at scale, how much memory, how much disk.

Usage::

    python benchmarks/bench_demo_build.py [--people 250000] [--seed 2014]

``DATABASE_URL`` chooses the database to build into (it must be migrated or migratable and hold no
case data). Without it, the benchmark drops and re-creates a PostgreSQL database
``probation_bench`` on ``postgres://postgres@127.0.0.1:5432`` (``BENCH_ADMIN_URL`` overrides the
server), starting the local cluster if it is not running.

Prints the build time (migrations excluded; computing every case's tier, the last step, included
and also shown on its own), people per second, peak resident memory (this process and its
children, ``ru_maxrss``) and the database size. Targets: 250,000 people on PostgreSQL in
under 15 minutes with a peak under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BENCH_DATABASE = "probation_bench"
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
TARGET_SECONDS_250K = 15 * 60
TARGET_RSS_MB = 2048


def _start_postgres() -> None:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if versions:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
            check=False,
        )
        time.sleep(2)


def fresh_database(admin_url: str) -> str:
    """Drop and create the benchmark database; return its URL."""
    import psycopg

    try:
        conn = psycopg.connect(admin_url, autocommit=True)
    except psycopg.OperationalError:
        _start_postgres()
        conn = psycopg.connect(admin_url, autocommit=True)
    with conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    return admin_url.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"


def _peak_rss_mb() -> tuple[float, float]:
    """Peak resident set of this process and of its (waited-for) children, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=2014)
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = fresh_database(os.environ.get("BENCH_ADMIN_URL", ADMIN_URL))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.config.settings")
    import django

    django.setup()
    from django.db import connection

    from probation.demo.builder import build_world, ensure_schema

    started = time.perf_counter()
    ensure_schema()
    migrate_seconds = time.perf_counter() - started
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)
    print(f"migrations: {migrate_seconds:.1f} s", flush=True)

    last_report = [0.0]
    phases: dict[str, float] = {}  # phase → when it started
    unit = ["people"]

    def phase(message: str) -> None:
        now = time.perf_counter()
        phases[message] = now
        unit[0] = "cases" if "tier" in message.lower() else "people"
        print(f"{message} (at {now - build_started:.1f} s)", flush=True)

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - last_report[0] >= 10:
            last_report[0] = now
            elapsed = now - build_started
            started = max(phases.values(), default=build_started)
            rate = done / (now - started) if now > started else 0.0
            own, _ = _peak_rss_mb()
            print(
                f"  {done:>9,} / {total:,} {unit[0]}  {elapsed:7.1f} s  {rate:7,.0f}/s  "
                f"peak RSS {own:,.0f} MiB",
                flush=True,
            )

    build_started = time.perf_counter()
    result = build_world(people=args.people, seed=args.seed, progress=progress, phase=phase)
    seconds = time.perf_counter() - build_started
    tiers_started = next((t for name, t in phases.items() if "tier" in name.lower()), None)
    tier_seconds = build_started + seconds - tiers_started if tiers_started else 0.0

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            size_bytes = int(cursor.fetchone()[0])
    else:
        name = Path(str(connection.settings_dict["NAME"]))
        size_bytes = sum(p.stat().st_size for p in name.parent.glob(name.name + "*"))
    own, children = _peak_rss_mb()
    peak = max(own, children)
    figures = {
        "people": args.people,
        "seed": args.seed,
        "vendor": connection.vendor,
        "build_seconds": round(seconds, 1),
        "tier_seconds": round(tier_seconds, 1),  # the finish steps from computing tiers on
        "people_per_second": round(args.people / seconds),
        "peak_rss_mib": round(peak),
        "peak_rss_self_mib": round(own),
        "peak_rss_children_mib": round(children),
        "database_mib": round(size_bytes / 2**20),
        "rows": result.counts,
    }
    print(f"build: {seconds:.1f} s for {args.people:,} people ({args.people / seconds:,.0f}/s)")
    print(f"of which tiers (and the finish): {tier_seconds:.1f} s")
    print(f"peak RSS: {peak:,.0f} MiB (process {own:,.0f}, children {children:,.0f})")
    print(f"database size: {size_bytes / 2**20:,.0f} MiB")
    print(json.dumps(figures))
    scale = args.people / 250_000
    if seconds > TARGET_SECONDS_250K * max(scale, 0.01) or peak > TARGET_RSS_MB:
        print("WARNING: slower or larger than the 250,000-people targets scaled to this size")
    return 0


if __name__ == "__main__":
    sys.exit(main())
