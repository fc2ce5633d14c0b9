"""How long comparing a proposed sift policy over every active case takes on a national world.

Usage::

    python benchmarks/bench_policy_compare.py [--runs 2] [--chunk-size 25000]

``DATABASE_URL`` chooses the PostgreSQL database (default
``postgres://postgres@127.0.0.1:5432/probation_bench``), which must already hold a demo world
(``DATABASE_URL=… probation demo --people 250000``); this benchmark builds nothing and writes
nothing (it calls :func:`probation.allocation.comparison.compare_policy` directly, so not even
the audit event the command writes).

The proposed policy is ``tr-2014`` without ``rsr-high``. Each run prints the seconds, the cases
compared and the moves each way, with the CPU seconds of this process (the rest is the
database's work and waiting for a CPU: the load average is printed too); a last run under ``tracemalloc`` gives the peak of Python's
allocations (slower, so it is not timed), and the process's peak resident memory is printed at
the end, then one JSON line. Target: under 10 s for 250,000 people.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/probation_bench"
TARGET_SECONDS = 10
ROOT = Path(__file__).resolve().parents[1]
PROPOSED = {
    "id": "tr-2014-without-rsr",
    "version": 1,
    "rules": ["rosh-high", "mappa", "public-interest", "deportation", "rosh-missing"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="timed runs")
    parser.add_argument("--chunk-size", type=int, default=None, help="case ids per chunk")
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        print("This benchmark measures PostgreSQL: set DATABASE_URL to a postgres:// URL.")
        return 2
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.config.settings")
    import django

    django.setup()
    from django.db import connection

    from probation.allocation.comparison import CHUNK, compare_policy, parse_policy
    from probation.people.models import Person

    if not Person.objects.exists():
        print("The database holds no people: build a world first (probation demo --people N).")
        return 2
    chunk_size = args.chunk_size or CHUNK
    policy = parse_policy(json.dumps(PROPOSED))
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)
    print(f"policy: {policy.to_json()}", flush=True)

    runs: list[float] = []
    cpus: list[float] = []
    for n in range(1, args.runs + 1):
        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        result = compare_policy(policy, chunk_size=chunk_size)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"run {n}: {result.cases:,} cases in {seconds:.2f} s, {cpu:.2f} s of it on this "
            f"process's CPU (load average {load:.1f} on {os.cpu_count()} CPUs) "
            f"({result.cases / seconds:,.0f} cases/s): {result.nps_to_crc:,} NPS → CRC, "
            f"{result.crc_to_nps:,} CRC → NPS; practitioners {result.staff.to_nps:,} to the "
            f"NPS, {result.staff.to_crc:,} to a CRC",
            flush=True,
        )
        runs.append(round(seconds, 2))
        cpus.append(round(cpu, 2))

    tracemalloc.start()
    compare_policy(policy, chunk_size=chunk_size)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(f"peak Python allocations: {peak / 2**20:.0f} MiB; peak resident: {max_rss_mb:.0f} MiB")
    summary = {
        "cases": result.cases,
        "would_move": result.totals()["would_move"],
        "why": result.as_json()["why"],
        "chunk_size": chunk_size,
        "seconds": runs,
        "cpu_seconds": cpus,
        "peak_python_mib": round(peak / 2**20),
        "peak_rss_mib": round(max_rss_mb),
    }
    print(json.dumps(summary))
    if min(runs) > TARGET_SECONDS * max(result.cases / 250_000, 0.01):
        print(f"WARNING: slower than the target ({TARGET_SECONDS} s for 250,000 people)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
