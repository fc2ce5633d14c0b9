"""Latency of the allocating manager's pages under concurrent signed-in managers: the cases to
allocate and "choose a practitioner".

Measures p50/p95/p99/max response times of ``GET /allocations/`` (the organisation's unallocated
list) and ``GET /cases/<CRN>/allocate/`` (the choice of practitioners, with each one's workload and
capacity now and after taking the case) while ``--users`` allocating managers (20 by default) use
a running server at the same time, each from its own thread and HTTP session, and prints a table
(or JSON). It is modelled on ``benchmarks/bench_web.py`` and uses its sign-in, timing and
percentile code. The target is p95 < 150 ms for each page.

End to end, on PostgreSQL, in a world built by ``probation demo --people 250000``::

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_bench
    probation migrate    # the world must have the current schema
    probation serve --port 8020 --workers 2 &
    python benchmarks/bench_allocation_web.py --base-url http://127.0.0.1:8020 \\
        --database-url "$DATABASE_URL"

How it sets the world up (this WRITES to the database, so point it only at a benchmark world;
every step is idempotent, so it can be run again):

- the organisation is ``--organisation`` (default ``NPS``, the largest); its team with the most
  active practitioners is made up to ``--team-size`` (60) active practitioners by moving
  practitioners of the same organisation from its other teams (a staff-record change, audited
  row by row by the staff manager like any bulk change);
- ``--users`` active allocating managers of that organisation are put in that team (their home
  team, so the workload page defaults to it) and given ``--password`` (one hash, computed once),
  unless ``--keep-passwords``;
- the cases to choose a practitioner for are the organisation's active unallocated cases (the
  managers' own list, read through ``allocation.selectors.unallocated_cases``, so the same scoping
  as the page); if there are fewer than ``--cases``, the benchmark stops and says so.

Then each thread signs in, all threads wait at a barrier, run ``--warmup`` unmeasured rounds of
the two pages, wait again, and make ``--requests-per-user`` measured requests, alternating the list
and the choice for a random case of the list, with a pause of ``--think-ms`` on average (0.5 to
1.5 times it) between a manager's requests: 1,000 ms by default, as in ``bench_web.py``'s target
run; ``--think-ms 0`` measures saturation. A response counts as an error unless it is a 200
with the page's expected content; errors are reported and kept out of the latencies. Latency is
the client's time from sending the request to reading the whole body.

Needs ``requests`` (installed with the ``dev`` extra) and Django (the project).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_web import (
    PageSamples,
    SignInFailed,
    check_server,
    fetch,
    run_together,
    setup_django,
    sign_in,
    summarise,
)

PAGES = ("unallocated", "choose_practitioner")
TARGET_P95_MS = 150.0


@dataclass
class World:
    organisation: str
    team: str
    team_size: int
    managers: list[str]
    crns: list[str]
    waiting: int


# --- setting the world up (direct database access) ----------------------------------------------


def _team_of(organisation: Any, size: int) -> Any:
    """The organisation's team with the most active practitioners, made up to ``size``."""
    from django.db.models import Count, Q

    from probation.workforce.models import RoleCode, Team, User

    practitioners = User.objects.filter(
        organisation=organisation, is_active=True, roles__code=RoleCode.PRACTITIONER
    )
    team = (
        Team.objects.filter(organisation=organisation)
        .annotate(
            n=Count(
                "members",
                filter=Q(members__is_active=True, members__roles__code=RoleCode.PRACTITIONER),
                distinct=True,
            )
        )
        .order_by("-n", "pk")
        .first()
    )
    if team is None:
        raise SystemExit(f"{organisation} has no teams")
    members = set(practitioners.filter(team=team).values_list("pk", flat=True))
    if len(members) < size:
        movers = list(
            practitioners.exclude(pk__in=members)
            .order_by("pk")
            .values_list("pk", flat=True)
            .distinct()[: size - len(members)]
        )
        User.objects.filter(pk__in=movers).update(team=team)
    count = practitioners.filter(team=team).distinct().count()
    if count < size:
        raise SystemExit(f"{organisation} has only {count} active practitioners; asked for {size}")
    return team, count


def prepare_world(
    *, organisation_code: str, team_size: int, users: int, cases: int, password: str | None
) -> World:
    from django.contrib.auth.hashers import make_password
    from django.db import connections

    from probation.allocation.selectors import unallocated_cases
    from probation.workforce.models import Organisation, RoleCode, User

    organisation = Organisation.objects.get(code=organisation_code)
    team, size = _team_of(organisation, team_size)
    managers = list(
        User.objects.filter(
            organisation=organisation, is_active=True, roles__code=RoleCode.ALLOCATING_MANAGER
        )
        .distinct()
        .order_by("pk")[:users]
    )
    if len(managers) < users:
        raise SystemExit(f"{organisation} has only {len(managers)} allocating managers")
    update: dict[str, Any] = {"team": team}
    if password is not None:
        update["password"] = make_password(password)
    User.objects.filter(pk__in=[m.pk for m in managers]).update(**update)
    waiting = unallocated_cases(for_user=managers[0])
    total = waiting.count()
    crns = list(waiting.values_list("person__crn", flat=True)[:cases])
    if len(crns) < cases:
        raise SystemExit(
            f"{organisation} has {len(crns)} unallocated cases; asked for {cases}. "
            "Pass a smaller --cases or another --organisation."
        )
    connections.close_all()
    return World(
        organisation=organisation_code,
        team=team.name,
        team_size=size,
        managers=[m.get_username() for m in managers],
        crns=crns,
        waiting=total,
    )


# --- the simulated managers (HTTP only) ---------------------------------------------------------


def request_for(
    number: int, world: World, base_url: str, rng: random.Random
) -> tuple[str, str, str]:
    """The ``number``-th request in the cycle: (page, url, text the page must contain)."""
    page = PAGES[number % len(PAGES)]
    if page == "unallocated":
        return page, f"{base_url}/allocations/", 'data-testid="unallocated-table"'
    crn = rng.choice(world.crns)
    return page, f"{base_url}/cases/{crn}/allocate/", 'data-testid="practitioner-table"'


def run_user(
    username: str,
    *,
    world: World,
    args: argparse.Namespace,
    samples: PageSamples,
    barrier: threading.Barrier,
    seed: int,
    failures: list[str],
) -> None:
    rng = random.Random(seed)
    session = requests.Session()
    try:
        try:
            samples.sign_in.append(sign_in(session, args.base_url, username, args.password))
        except (SignInFailed, requests.RequestException) as error:
            failures.append(f"sign-in failed: {error}")
            barrier.abort()
            return
        barrier.wait()
        for number in range(args.warmup * len(PAGES)):
            _page, url, expect = request_for(number, world, args.base_url, rng)
            fetch(session, url, expect)
        barrier.wait()
        for number in range(args.requests_per_user):
            page, url, expect = request_for(number, world, args.base_url, rng)
            seconds, problem = fetch(session, url, expect)
            samples.add(page, seconds, problem)
            if args.think_ms:
                time.sleep(args.think_ms / 1000 * rng.uniform(0.5, 1.5))
        barrier.wait()
    except threading.BrokenBarrierError:
        return
    except Exception as error:  # a bug or a dead server: stop everyone rather than hang
        failures.append(f"{username}: {type(error).__name__}: {error}")
        barrier.abort()
    finally:
        session.close()


# --- reporting -----------------------------------------------------------------------------------


def report(
    samples: PageSamples, wall: float, world: World, args: argparse.Namespace
) -> dict[str, Any]:
    pages = {p: summarise(samples.latencies[p], len(samples.errors[p])) for p in PAGES}
    everything = [v for p in PAGES for v in samples.latencies[p]]
    error_count = sum(len(samples.errors[p]) for p in PAGES)
    pages["all"] = summarise(everything, error_count)
    return {
        "base_url": args.base_url,
        "organisation": world.organisation,
        "team": world.team,
        "team_size": world.team_size,
        "unallocated_cases": world.waiting,
        "users": args.users,
        "requests_per_user": args.requests_per_user,
        "warmup_rounds": args.warmup,
        "think_ms": args.think_ms,
        "wall_seconds": round(wall, 3),
        "throughput_rps": round((len(everything) + error_count) / wall, 1) if wall else None,
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": all(pages[p].get("p95_ms", float("inf")) < TARGET_P95_MS for p in PAGES),
        "pages": pages,
        "sign_in": summarise(samples.sign_in, 0),
        "error_examples": sorted({e for p in PAGES for e in samples.errors[p]})[:10],
    }


def print_table(result: dict[str, Any]) -> None:
    columns = ("count", "errors", "p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms")
    print(
        f"{result['users']} allocating managers of {result['organisation']} "
        f"(team {result['team']!r}, {result['team_size']} practitioners; "
        f"{result['unallocated_cases']} cases to allocate) x {result['requests_per_user']} "
        f"requests against {result['base_url']} ({result['warmup_rounds']} warm-up round(s), "
        f"think time {result['think_ms']:g} ms)"
    )
    print(f"{'page':<22}" + "".join(f"{c:>9}" for c in columns))
    rows = [*result["pages"].items(), ("sign in*", result["sign_in"])]
    for name, row in rows:
        cells = "".join(f"{row.get(c, '-')!s:>9}" for c in columns)
        print(f"{name:<22}{cells}")
    verdict = "met" if result["meets_target"] else "NOT met"
    print(
        f"throughput: {result['throughput_rps']} requests/s over {result['wall_seconds']} s; "
        f"target p95 < {result['target_p95_ms']:g} ms per page: {verdict} "
        "(* sign-in once per user, before the measured phase)"
    )
    for example in result["error_examples"]:
        print(f"error: {example}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8020")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests-per-user", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured rounds of the 2 pages")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=1000,
        help="mean pause between a manager's requests (default 1000, as bench_web.py's target "
        "run; 0: every manager always has a request in flight)",
    )
    parser.add_argument("--organisation", default="NPS", help="organisation code, e.g. CRC-C08")
    parser.add_argument("--team-size", type=int, default=60)
    parser.add_argument("--cases", type=int, default=200, help="cases to choose a practitioner for")
    parser.add_argument(
        "--database-url", default=None, help="the server's database (default: $DATABASE_URL)"
    )
    parser.add_argument("--password", default="bench-password-not-for-production")
    parser.add_argument("--keep-passwords", action="store_true")
    parser.add_argument("--seed", type=int, default=2014)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args(argv)
    args.base_url = args.base_url.rstrip("/")

    check_server(args.base_url)
    setup_django(args.database_url)
    world = prepare_world(
        organisation_code=args.organisation,
        team_size=args.team_size,
        users=args.users,
        cases=args.cases,
        password=None if args.keep_passwords else args.password,
    )

    samples = PageSamples(PAGES)
    wall, failures = run_together(
        [(username, {}) for username in world.managers],
        run_user,
        common={"world": world, "args": args, "samples": samples},
        seed=args.seed,
    )
    if failures:
        print("Benchmark stopped:\n" + "\n".join(sorted(set(failures))[:10]), file=sys.stderr)
        return 2
    result = report(samples, wall, world, args)
    if args.format == "json":
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 1 if result["pages"]["all"]["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
