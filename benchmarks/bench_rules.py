"""Throughput of the hot rules: OGRS3 and tiering, separately and together.

Usage: ``python benchmarks/bench_rules.py --n 250000 [--seed 2015]``. Standard library only.

Builds ``n`` seeded random *valid* fact sets (construction and validation are not timed), then
times three loops on one core and prints cases per second:

* ``ogrs3``    -- ``ogrs3.calculate`` on each ``Ogrs3Facts``;
* ``tiering``  -- ``tiering.calculate`` on each ``TierFacts``;
* ``both``     -- ``ogrs3.calculate`` then ``tiering.calculate`` per case (the re-tiering pass);
* ``pipeline`` -- as ``both``, but the tier facts are rebuilt with the fresh OGRS two-year score
  (``dataclasses.replace``, so ``TierFacts`` validation is timed too).

The service target is at least 50,000 OGRS3+tier evaluations per second.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import sys
import time
from pathlib import Path

try:
    from probation.rules import ogrs3, tiering
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from probation.rules import ogrs3, tiering

TARGET = 50_000
_CATEGORIES = list(ogrs3.OFFENCE_CATEGORIES)
_FACTORS = sorted(tiering.COMPLEXITY_FACTORS)
_SECTIONS = list(tiering.NEED_WEIGHTS)
_REQUIREMENTS = [
    "unpaid_work",
    "rehabilitation_activity",
    "programme",
    "curfew",
    "exclusion",
    "drug_rehabilitation",
    "alcohol_abstinence_monitoring",
]


def _age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def make_ogrs(rng: random.Random) -> ogrs3.Ogrs3Facts:
    conviction = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3650))
    age_days = rng.randrange(10 * 366 + 1, 80 * 365)
    born = conviction - dt.timedelta(days=age_days)
    follow_up = conviction + dt.timedelta(days=rng.choice((0, 0, rng.randrange(1, 1500))))
    age_c = _age_on(born, conviction)
    total = rng.choice((1, rng.randrange(1, 60)))
    first_age = age_c if total == 1 else rng.randrange(10, age_c + 1)
    return ogrs3.Ogrs3Facts(
        sex=rng.choice(("male", "female")),
        date_of_birth=born,
        conviction_date=conviction,
        follow_up_start=follow_up,
        total_sanctions=total,
        first_sanction_age=first_age,
        offence_category=rng.choice(_CATEGORIES),
    )


def make_tier(rng: random.Random) -> tiering.TierFacts:
    sentences = [
        tiering.TierSentence(
            kind=rng.choice(("custodial", "community", "suspended")),
            active=rng.random() < 0.8,
            requirements=rng.sample(_REQUIREMENTS, rng.randrange(0, 3)),
        )
        for _ in range(rng.randrange(0, 3))
    ]
    needs: dict[str, str | None] | None = None
    if rng.random() < 0.8:
        needs = {
            s: rng.choice(("none", "standard", "severe", None))
            for s in rng.sample(_SECTIONS, rng.randrange(0, len(_SECTIONS) + 1))
        }
    return tiering.TierFacts(
        sex=rng.choice(("male", "female")),
        rsr=rng.choice((None, round(rng.uniform(0, 100), 2))),
        ogrs=rng.choice((None, rng.randrange(1, 100))),
        rosh=rng.choice((None, "low", "medium", "high", "very_high")),
        mappa_level=rng.choice((None, None, None, 1, 2, 3)),
        complexity_factors=frozenset(rng.sample(_FACTORS, rng.randrange(0, 4))),
        parenting_responsibilities=rng.random() < 0.2,
        impulsivity_or_temper=rng.random() < 0.3,
        previous_enforcement=rng.random() < 0.3,
        integrated_offender_management=rng.random() < 0.1,
        unsupervised=rng.random() < 0.1,
        sentences=sentences,
        needs=needs,
    )


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=250_000, help="number of cases (250000)")
    parser.add_argument("--seed", type=int, default=2015, help="random seed (2015)")
    args = parser.parse_args(argv)
    n: int = args.n
    if n < 1:
        parser.error("--n must be at least 1")

    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    o_facts = [make_ogrs(rng) for _ in range(n)]
    t_facts = [make_tier(rng) for _ in range(n)]
    build = time.perf_counter() - t0
    print(f"built {n:,} OGRS3 + {n:,} tier fact sets in {build:.2f}s (seed {args.seed})")

    o_calc = ogrs3.calculate
    t_calc = tiering.calculate
    replace = dataclasses.replace

    t0 = time.perf_counter()
    for f in o_facts:
        o_calc(f)
    o_time = time.perf_counter() - t0

    t0 = time.perf_counter()
    for tf in t_facts:
        t_calc(tf)
    t_time = time.perf_counter() - t0

    t0 = time.perf_counter()
    for f, tf in zip(o_facts, t_facts, strict=True):
        o_calc(f)
        t_calc(tf)
    b_time = time.perf_counter() - t0

    t0 = time.perf_counter()
    for f, tf in zip(o_facts, t_facts, strict=True):
        t_calc(replace(tf, ogrs=o_calc(f).two_year))
    p_time = time.perf_counter() - t0

    rows = [
        ("ogrs3", o_time),
        ("tiering", t_time),
        ("both", b_time),
        ("pipeline", p_time),
    ]
    for name, seconds in rows:
        print(f"{name:<9} {n:>9,} cases in {seconds:6.2f}s = {_rate(n, seconds):>10,.0f} cases/s")
    both_rate = _rate(n, b_time)
    verdict = "meets" if both_rate >= TARGET else "MISSES"
    print(f"OGRS3+tier: {both_rate:,.0f} cases/s {verdict} the {TARGET:,}/s target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
