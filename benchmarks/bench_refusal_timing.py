"""Does the time a refusal takes tell whether a CRN exists?

A user asks for cases they may not see. A real CRN of another area's case and a well-formed CRN
that exists nowhere must be refused identically — the same page, byte for byte (tested in
``tests/people/test_visibility.py``) — and in the same time, or an attacker could tell real CRNs
from made-up ones by timing. This script sends ``--requests`` refusals of each kind, interleaved
in a seeded random order, to a running server, and prints the two latency distributions, their
difference, and the accuracy of the best one-threshold classifier ("slower than t ms means
real"): 50 % is a coin toss, and is the target.

End to end, on PostgreSQL::

    createdb -h 127.0.0.1 -U postgres probation_bench_small
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_bench_small
    probation demo --people 2000
    probation serve --port 8010 --workers 1 &
    python benchmarks/bench_refusal_timing.py --base-url http://127.0.0.1:8010

It WRITES to the database (it sets one practitioner's password), so point it only at a demo
world. It picks a CRC practitioner, the CRNs of cases that practitioner may not see (other areas'
cases), and CRNs that exist nowhere; it checks that every response is the 404 refusal page.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import requests

SRC = Path(__file__).resolve().parents[1] / "src"
PASSWORD = "bench-refusal-timing-2014"


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(SRC))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.config.settings")
    import django

    django.setup()


def choose(n: int, seed: int) -> tuple[str, list[str], list[str]]:
    """A CRC practitioner, ``n`` real CRNs they may not see, and ``n`` CRNs that do not exist."""
    from django.contrib.auth.hashers import make_password

    from probation.people.models import Case, Person
    from probation.people.selectors import cases_visible_to
    from probation.workforce.models import User

    rng = random.Random(seed)
    user = (
        User.objects.filter(is_active=True, roles__code="practitioner", organisation__kind="crc")
        .order_by("pk")
        .first()
    )
    if user is None:
        raise SystemExit("No CRC practitioner: build a demo world first (probation demo).")
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD))
    visible = cases_visible_to(user).values("pk")
    hidden = list(
        Case.objects.exclude(pk__in=visible).order_by("pk").values_list("person__crn", flat=True)
    )
    if len(hidden) < n:
        raise SystemExit(f"Only {len(hidden)} cases are hidden from {user}: use a larger world.")
    real = rng.sample(hidden, n)
    existing = set(Person.objects.values_list("crn", flat=True))
    unknown: set[str] = set()
    while len(unknown) < n:
        crn = f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXY')}{rng.randrange(1_000_000):06d}"
        if crn not in existing:
            unknown.add(crn)
    return user.get_username(), real, sorted(unknown)


def sign_in(session: requests.Session, base_url: str, username: str) -> None:
    page = session.get(f"{base_url}/sign-in/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the sign-in page"
    response = session.post(
        f"{base_url}/sign-in/",
        data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD},
        headers={"Referer": f"{base_url}/sign-in/"},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, f"sign-in failed: {response.status_code}"


def best_threshold_accuracy(real: list[float], unknown: list[float]) -> float:
    """The accuracy of the best rule "slower than t means real" (or "faster than t")."""
    points = sorted([(t, 1) for t in real] + [(t, 0) for t in unknown])
    total, real_n = len(points), len(real)
    best = 0.5
    real_below = 0
    for i, (_, is_real) in enumerate(points, start=1):
        real_below += is_real
        unknown_below = i - real_below
        # "above t is real": correct = real above + unknown below
        correct = (real_n - real_below) + unknown_below
        best = max(best, correct / total, 1 - correct / total)
    return best


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(values),
        "mean_ms": round(statistics.fmean(values), 3),
        "p50_ms": round(ordered[len(ordered) // 2], 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95)], 3),
        "stdev_ms": round(statistics.stdev(values), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--requests", type=int, default=1000, help="refusals of each kind")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2014)
    parser.add_argument("--format", choices=["table", "json"], default="table")
    args = parser.parse_args()

    setup_django(args.database_url)
    username, real, unknown = choose(args.requests, args.seed)
    session = requests.Session()
    sign_in(session, args.base_url, username)
    order: list[tuple[str, str]] = [("real", c) for c in real] + [("unknown", c) for c in unknown]
    random.Random(args.seed).shuffle(order)
    for _, crn in order[: args.warmup]:
        session.get(f"{args.base_url}/cases/{crn}/", timeout=10)
    times: dict[str, list[float]] = {"real": [], "unknown": []}
    bodies: dict[str, set[str]] = {"real": set(), "unknown": set()}
    for kind, crn in order:
        started = time.perf_counter()
        response = session.get(f"{args.base_url}/cases/{crn}/", timeout=10)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 404, f"{crn}: {response.status_code}"
        times[kind].append(elapsed)
        # The CSRF token and the CSP nonce are fresh on every response: mask them.
        bodies[kind].add(re.sub(r'(value|nonce)="[^"]+"', "", response.text))
    result: dict[str, Any] = {
        "user": username,
        "real_crn": summary(times["real"]),
        "unknown_crn": summary(times["unknown"]),
        "median_difference_ms": round(
            statistics.median(times["real"]) - statistics.median(times["unknown"]), 3
        ),
        "best_threshold_accuracy": round(
            best_threshold_accuracy(times["real"], times["unknown"]), 3
        ),
        "identical_pages": bodies["real"] == bodies["unknown"] and len(bodies["real"]) == 1,
        # The same classifier between two halves of the unknown CRNs: what chance alone gives.
        "noise_floor_accuracy": round(
            best_threshold_accuracy(times["unknown"][::2], times["unknown"][1::2]), 3
        ),
    }
    if args.format == "json":
        print(json.dumps(result, indent=2))
        return
    print(f"Refusals as {username}, {args.requests} of each kind, interleaved:")
    for kind in ("real_crn", "unknown_crn"):
        s = result[kind]
        print(
            f"  {kind:12} mean {s['mean_ms']:7.3f} ms  p50 {s['p50_ms']:7.3f}  "
            f"p95 {s['p95_ms']:7.3f}  stdev {s['stdev_ms']:6.3f}"
        )
    print(f"  median difference (real - unknown): {result['median_difference_ms']:+.3f} ms")
    print(
        f"  best one-threshold classifier: {result['best_threshold_accuracy']:.1%} correct "
        "(50 % = indistinguishable)"
    )
    print(
        f"  the same classifier between two halves of the unknown CRNs (chance alone): "
        f"{result['noise_floor_accuracy']:.1%}"
    )
    print(f"  refusal pages identical: {result['identical_pages']}")


if __name__ == "__main__":
    main()
