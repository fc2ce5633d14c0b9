"""Latency of the case pages under concurrent signed-in users: My cases, case overview, search.

Measures p50/p95/p99/max response times of ``GET /cases/``, ``GET /cases/<CRN>/`` and
``GET /search/?q=<misspelt surname>`` while ``--users`` practitioners (20 by default) use a running
server at the same time, each from its own thread and HTTP session, and prints a table (or JSON).

End to end, on PostgreSQL (the world build takes a while for large ``--people``)::

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE probation_bench"
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_bench
    probation demo --people 250000
    probation serve --port 8000 --workers 4 &
    python benchmarks/bench_web.py --base-url http://127.0.0.1:8000 --database-url "$DATABASE_URL"

How it picks its users (this WRITES to the database, so point it only at a benchmark world):

- it sets Django up on ``--database-url`` (default: ``$DATABASE_URL``, else the project default),
  and chooses ``--users`` distinct active practitioners, each the responsible officer of at least
  ``--min-cases`` active cases they can see (the same scoping as the pages), with a seeded random
  choice;
- it gives those users the password ``--password`` by writing its hash to their rows (one hash,
  computed once), unless ``--keep-passwords`` is given (e.g. with ``probation demo``'s shared
  demo password);
- from each user's caseload it takes the CRNs to open and the surnames to search for; every search
  misspells the surname by one edit (a dropped, doubled, swapped or changed letter), which the
  search must tolerate.

Then each thread signs in (``GET /sign-in/`` for the CSRF token, then ``POST``), all threads wait
at a barrier, run ``--warmup`` unmeasured rounds of the three pages, wait again, and make
``--requests-per-user`` measured requests, cycling My cases -> a case overview -> a search. A
response counts as an error unless it is a 200 with the page's expected content (a redirect to
sign-in, a 404 "case not available" or a server error all count); errors are reported and kept out
of the latencies. Latency is the client's time from sending the request to reading the whole body,
over loopback with keep-alive where the server allows it. Throughput is measured requests (all
pages) divided by the wall time of the measured phase.

Needs ``requests`` (installed with the ``dev`` extra) and Django (the project).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

SRC = Path(__file__).resolve().parents[1] / "src"
PAGES = ("my_cases", "case_overview", "search")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Practitioner:
    username: str
    crns: list[str]
    surnames: list[str]


@dataclass
class Samples:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PAGES})
    errors: dict[str, list[str]] = field(default_factory=lambda: {p: [] for p in PAGES})
    sign_in: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, page: str, seconds: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.latencies[page].append(seconds)
            else:
                self.errors[page].append(error)


class PageSamples(Samples):
    """:class:`Samples` for another benchmark's ``pages``."""

    def __init__(self, pages: tuple[str, ...]) -> None:
        super().__init__(latencies={p: [] for p in pages}, errors={p: [] for p in pages})


def run_together(
    users: list[tuple[str, dict[str, Any]]], target: Any, *, common: dict[str, Any], seed: int
) -> tuple[float, list[str]]:
    """Run ``target(name, **own, **common, barrier=, seed=, failures=)`` for each ``(name,
    own)`` of ``users`` in a thread of its own, all meeting at one barrier after signing in,
    after the warm-up and after the last measured request. Returns the measured phase's wall
    time and the failures (a failure stops every user)."""
    failures: list[str] = []
    passed: list[float] = []
    barrier = threading.Barrier(len(users), action=lambda: passed.append(time.perf_counter()))
    threads = [
        threading.Thread(
            target=target,
            args=(name,),
            kwargs={**own, **common, "barrier": barrier, "seed": seed + n, "failures": failures},
            name=f"user-{n}",
        )
        for n, (name, own) in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = passed[2] - passed[1] if len(passed) == 3 else 0.0
    return wall, failures


# --- choosing the users (direct database access) -------------------------------------------------


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.config.settings")
    try:
        import probation  # noqa: F401
    except ImportError:  # run from a checkout without the package installed
        sys.path.insert(0, str(SRC))
    import django

    django.setup()


def misspell(surname: str, rng: random.Random) -> str:
    """``surname`` with one typo: a letter dropped, doubled, swapped with its neighbour or
    changed. Only letters are edited, so the name's search key changes by exactly one edit."""
    letters = [i for i, ch in enumerate(surname) if ch.isalpha()]
    i = rng.choice(letters[1:-1] or letters)
    kind = rng.choice(("drop", "double", "swap", "change"))
    if kind == "drop":
        return surname[:i] + surname[i + 1 :]
    if kind == "double":
        return surname[:i] + surname[i] + surname[i:]
    swappable = i + 1 < len(surname) and surname[i + 1].isalpha()
    if kind == "swap" and swappable and surname[i].lower() != surname[i + 1].lower():
        return surname[:i] + surname[i + 1] + surname[i] + surname[i + 2 :]
    vowels = "aeiou" if surname[i].lower() not in "aeiou" else "rstnl"
    return surname[:i] + rng.choice(vowels) + surname[i + 1 :]


def choose_practitioners(
    *, users: int, min_cases: int, password: str | None, seed: int
) -> list[Practitioner]:
    """``users`` distinct practitioners with active caseloads, given ``password`` if not None."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connections
    from django.db.models import Count

    from probation.people.models import Case
    from probation.people.selectors import my_cases

    user_model = get_user_model()
    officers = Case.objects.filter(
        status="active",
        responsible_officer__is_active=True,
        responsible_officer__roles__code="practitioner",
    )
    candidates = list(
        officers.values_list("responsible_officer", flat=True)
        .annotate(active_cases=Count("pk", distinct=True))
        .filter(active_cases__gte=min_cases)
        .order_by("responsible_officer")
    )
    rng = random.Random(seed)
    rng.shuffle(candidates)
    chosen: list[Practitioner] = []
    chosen_pks: list[int] = []
    for pk in candidates:
        user = user_model.objects.select_related("organisation").get(pk=pk)
        caseload = list(my_cases(for_user=user)[:200])  # what the page shows, same scoping
        if len(caseload) < min_cases:
            continue
        surnames = sorted(
            {
                c.person.surname
                for c in caseload
                if sum(ch.isalpha() for ch in c.person.surname) >= 4
            }
        )
        if not surnames:
            continue
        crns = [c.person.crn for c in caseload]
        chosen.append(Practitioner(user.get_username(), crns, surnames))
        chosen_pks.append(pk)
        if len(chosen) == users:
            break
    if len(chosen) < users:
        raise SystemExit(
            f"Only {len(chosen)} active practitioners with at least {min_cases} visible active "
            f"cases (of {len(candidates)} with cases); asked for {users}. Build a bigger world "
            "or pass a smaller --users / --min-cases."
        )
    if password is not None:
        user_model.objects.filter(pk__in=chosen_pks).update(password=make_password(password))
    connections.close_all()
    return chosen


# --- the simulated users (HTTP only) -------------------------------------------------------------


class SignInFailed(RuntimeError):
    pass


def check_server(base_url: str) -> None:
    """Fail early, and clearly, when nothing healthy answers at ``base_url``."""
    try:
        response = requests.get(f"{base_url}/healthz", timeout=10)
    except requests.RequestException as error:
        raise SystemExit(f"No server at {base_url}: {error}") from None
    if response.status_code != 200:
        raise SystemExit(f"{base_url}/healthz answered {response.status_code}")


def sign_in(session: requests.Session, base_url: str, username: str, password: str) -> float:
    started = time.perf_counter()
    form = session.get(f"{base_url}/sign-in/", timeout=30)
    form.raise_for_status()
    token = CSRF_INPUT.search(form.text)
    if token is None:
        raise SignInFailed("no CSRF token on the sign-in page")
    response = session.post(
        f"{base_url}/sign-in/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token.group(1),
            "next": "",
        },
        headers={"Referer": f"{base_url}/sign-in/"},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302 or "/sign-in/" in response.headers.get("Location", ""):
        raise SignInFailed(f"{username}: sign-in returned {response.status_code}")
    return time.perf_counter() - started


def fetch(session: requests.Session, url: str, expect: str) -> tuple[float, str | None]:
    """Time one GET (whole body read). Returns (seconds, error or None)."""
    started = time.perf_counter()
    try:
        response = session.get(url, allow_redirects=False, timeout=60)
        body = response.text
    except requests.RequestException as error:
        return time.perf_counter() - started, f"{type(error).__name__}: {error}"
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        return elapsed, f"HTTP {response.status_code} {url}"
    if expect not in body:
        return elapsed, f"missing {expect!r} in {url}"
    return elapsed, None


def request_for(
    number: int, who: Practitioner, base_url: str, rng: random.Random
) -> tuple[str, str, str]:
    """The ``number``-th request in the cycle: (page, url, text the page must contain)."""
    page = PAGES[number % len(PAGES)]
    if page == "my_cases":
        return page, f"{base_url}/cases/", 'data-testid="case-table"'
    if page == "case_overview":
        crn = rng.choice(who.crns)
        return page, f"{base_url}/cases/{crn}/", f"CRN {crn}"
    query = urlencode({"q": misspell(rng.choice(who.surnames), rng)})
    return page, f"{base_url}/search/?{query}", 'id="results-heading"'


def run_user(
    who: Practitioner,
    *,
    args: argparse.Namespace,
    samples: Samples,
    barrier: threading.Barrier,
    seed: int,
    failures: list[str],
) -> None:
    rng = random.Random(seed)
    session = requests.Session()
    try:
        try:
            samples.sign_in.append(sign_in(session, args.base_url, who.username, args.password))
        except (SignInFailed, requests.RequestException) as error:
            failures.append(f"sign-in failed: {error}")
            barrier.abort()
            return
        barrier.wait()  # everyone signed in
        for number in range(args.warmup * len(PAGES)):
            _page, url, expect = request_for(number, who, args.base_url, rng)
            fetch(session, url, expect)
        barrier.wait()  # measured phase starts together
        for number in range(args.requests_per_user):
            page, url, expect = request_for(number, who, args.base_url, rng)
            seconds, problem = fetch(session, url, expect)
            samples.add(page, seconds, problem)
            if args.think_ms:
                time.sleep(args.think_ms / 1000 * rng.uniform(0.5, 1.5))
        barrier.wait()  # measured phase ends when the last user finishes
    except threading.BrokenBarrierError:
        return
    except Exception as error:  # a bug or a dead server: stop everyone rather than hang
        failures.append(f"{who.username}: {type(error).__name__}: {error}")
        barrier.abort()
    finally:
        session.close()


# --- reporting -----------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``values`` (not empty)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summarise(values: list[float], errors: int) -> dict[str, Any]:
    if not values:
        return {"count": 0, "errors": errors}
    ms = [v * 1000 for v in values]
    return {
        "count": len(ms),
        "errors": errors,
        "mean_ms": round(statistics.fmean(ms), 1),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
    }


def report(samples: Samples, wall: float, args: argparse.Namespace) -> dict[str, Any]:
    pages = {p: summarise(samples.latencies[p], len(samples.errors[p])) for p in PAGES}
    everything = [v for p in PAGES for v in samples.latencies[p]]
    error_count = sum(len(samples.errors[p]) for p in PAGES)
    pages["all"] = summarise(everything, error_count)
    return {
        "base_url": args.base_url,
        "users": args.users,
        "requests_per_user": args.requests_per_user,
        "warmup_rounds": args.warmup,
        "think_ms": args.think_ms,
        "wall_seconds": round(wall, 3),
        "throughput_rps": round((len(everything) + error_count) / wall, 1) if wall else None,
        "pages": pages,
        "sign_in": summarise(samples.sign_in, 0),
        "error_examples": sorted({e for p in PAGES for e in samples.errors[p]})[:10],
    }


def print_table(result: dict[str, Any]) -> None:
    columns = ("count", "errors", "p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms")
    print(
        f"{result['users']} users x {result['requests_per_user']} requests against "
        f"{result['base_url']} ({result['warmup_rounds']} warm-up round(s) not measured, "
        f"think time {result['think_ms']:g} ms)"
    )
    print(f"{'page':<15}" + "".join(f"{c:>9}" for c in columns))
    rows = [*result["pages"].items(), ("sign in*", result["sign_in"])]
    for name, row in rows:
        cells = "".join(f"{row.get(c, '-')!s:>9}" for c in columns)
        print(f"{name:<15}{cells}")
    print(
        f"throughput: {result['throughput_rps']} requests/s over {result['wall_seconds']} s "
        "(* sign-in once per user, before the measured phase)"
    )
    for example in result["error_examples"]:
        print(f"error: {example}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests-per-user", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured rounds of the 3 pages")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0,
        help="mean pause between a user's requests (default 0: every user always has a request "
        "in flight, the hardest case)",
    )
    parser.add_argument(
        "--database-url", default=None, help="the server's database (default: $DATABASE_URL)"
    )
    parser.add_argument("--password", default="bench-password-not-for-production")
    parser.add_argument(
        "--keep-passwords",
        action="store_true",
        help="do not write --password to the chosen users (they already have it)",
    )
    parser.add_argument("--min-cases", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2014)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args(argv)
    args.base_url = args.base_url.rstrip("/")

    check_server(args.base_url)
    setup_django(args.database_url)
    practitioners = choose_practitioners(
        users=args.users,
        min_cases=args.min_cases,
        password=None if args.keep_passwords else args.password,
        seed=args.seed,
    )

    samples = Samples()
    failures: list[str] = []
    # The barrier's action runs once each time all users arrive: after signing in, after the
    # warm-up (the measured phase starts) and after the last measured request (it ends).
    passed: list[float] = []
    barrier = threading.Barrier(args.users, action=lambda: passed.append(time.perf_counter()))
    threads = [
        threading.Thread(
            target=run_user,
            args=(who,),
            kwargs={
                "args": args,
                "samples": samples,
                "barrier": barrier,
                "seed": args.seed + n,
                "failures": failures,
            },
            name=f"user-{n}",
        )
        for n, who in enumerate(practitioners)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        print("Benchmark stopped:\n" + "\n".join(sorted(set(failures))[:10]), file=sys.stderr)
        return 2
    result = report(samples, passed[2] - passed[1], args)
    if args.format == "json":
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 1 if result["pages"]["all"]["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
