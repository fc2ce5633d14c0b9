"""Throughput of the electronic monitoring zone checks (``probation.rules.geo.contains``).

Usage: ``python benchmarks/bench_zone_checks.py [--n 1000000] [--seed 2013]``.

Builds ``n`` seeded random fixes scattered over a 6 km square in London (building them is not
timed), then prints fixes per second for:

* ``polygon`` -- one vectorised check against a 500-vertex polygon zone (a wobbly ring about
  2 km across, with a 25 m buffer), prepared once;
* ``circle``  -- one vectorised check against a circle (a curfew address with its buffer);
* ``judge``   -- ``monitoring.judge_fixes`` on batches of 500 fixes of one subject against the
  polygon as an exclusion zone (the ingest path: one zone check per batch, then a small pass
  over state changes; building the ``Fix`` objects is timed too).

About 10,000 people are on GPS, a fix a minute each: about 170 fixes a second in all, so the
checks have orders of magnitude to spare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time
from pathlib import Path

import numpy as np

try:
    from probation.rules import geo, monitoring
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from probation.rules import geo, monitoring

CENTRE = (51.5, -0.1)


def polygon_zone(vertices: int) -> geo.Zone:
    ring = []
    for k in range(vertices):
        angle = 2 * math.pi * k / vertices
        wobble = 1 + 0.15 * math.sin(7 * angle)
        ring.append(
            [
                CENTRE[1] + 0.014 * wobble * math.cos(angle),
                CENTRE[0] + 0.009 * wobble * math.sin(angle),
            ]
        )
    ring.append(ring[0])
    return geo.zone_from_geojson({"type": "Polygon", "coordinates": [ring]}, buffer_m=25)


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>14,.0f} fixes/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2013)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    lats = CENTRE[0] + rng.uniform(-0.027, 0.027, args.n)
    lons = CENTRE[1] + rng.uniform(-0.043, 0.043, args.n)

    polygon = polygon_zone(500)
    circle = geo.circle_zone(*CENTRE, 1_000, buffer_m=50)
    for name, zone in (("polygon", polygon), ("circle", circle)):
        started = time.perf_counter()
        inside = geo.contains(zone, lats, lons)
        took = time.perf_counter() - started
        print(f"{name:<8}{rate(args.n, took)}  ({int(inside.sum()):,} of {args.n:,} inside)")

    rule = monitoring.ZoneRule("exclusion", polygon)
    start = dt.datetime(2026, 3, 6, 12, tzinfo=dt.UTC)
    judged = min(args.n, 200_000)
    state = monitoring.ZoneState()
    alerts = 0
    started = time.perf_counter()
    for first in range(0, judged, 500):
        batch = [
            monitoring.Fix(i, start + dt.timedelta(seconds=i), float(lats[i]), float(lons[i]))
            for i in range(first, min(first + 500, judged))
        ]
        state, events = monitoring.judge_fixes(state, batch, rule)
        state = monitoring.prune(state, batch[-1].at - dt.timedelta(hours=1))
        alerts += sum(e.kind == "exclusion_entered" for e in events)
    took = time.perf_counter() - started
    print(f"{'judge':<8}{rate(judged, took)}  ({alerts:,} alerts, batches of 500)")


if __name__ == "__main__":
    main()
