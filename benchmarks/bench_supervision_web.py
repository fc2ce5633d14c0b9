"""Latency of a practitioner's day under concurrent signed-in practitioners: the to-do list, the
diary, and recording a contact, in the national world with a year of contacts.

Measures p50/p95/p99/max response times of ``GET /todo/`` (the practitioner's home),
``GET /diary/?day=…`` (their day), and recording a contact: ``GET /cases/<CRN>/contacts/new/``
(the form, reported as ``contact_form``) then ``POST`` of it (``record_contact``: a phone call
recorded as attended, written through ``supervision.services.contact_record`` with its audit
event, answered by a redirect to the contact log), while ``--users`` practitioners (20 by
default) use a running server at once, each from its own thread and HTTP session. The target is
p95 < 150 ms for the to-do list, the diary and recording a contact.

End to end, on PostgreSQL, in a world built by ``benchmarks/bench_demo_build.py --people
250000`` (a year of contacts: over 10 million rows)::

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_bench
    CACHE_URL=redis://127.0.0.1:6379/3 probation serve --port 8020 --workers 4 &
    python benchmarks/bench_supervision_web.py --base-url http://127.0.0.1:8020 \\
        --database-url "$DATABASE_URL"

How it sets the world up (this WRITES to the database, so point it only at a benchmark world):
the ``--users`` active practitioners of ``--organisation`` (default the NPS) with the largest
active caseloads are given ``--password`` (one hash, computed once) unless
``--keep-passwords``; each records contacts on cases of their own caseload. Each recorded contact
is a real row (and audit event) in the world afterwards.

Then each thread signs in, all threads wait at a barrier, run ``--warmup`` unmeasured rounds, wait
again, each pauses up to ``--think-ms`` (so that the users arrive over the first second rather
than at one instant), then makes ``--requests-per-user`` measured rounds of the three steps, with
a pause of ``--think-ms`` on average (0.5 to 1.5 times it) between a practitioner's requests. A response
counts as an error unless it is the page's expected answer; errors are reported and kept out of
the latencies. Latency is the client's time from sending the request to reading the whole body.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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

PAGES = ("todo", "diary", "contact_form", "record_contact")
TARGETED = ("todo", "diary", "record_contact")
TARGET_P95_MS = 150.0
LONDON = ZoneInfo("Europe/London")
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@dataclass
class World:
    organisation: str
    practitioners: dict[str, list[str]]  # username -> CRNs of their active cases
    contacts: int


def prepare_world(*, organisation_code: str, users: int, password: str | None) -> World:
    from django.contrib.auth.hashers import make_password
    from django.db import connections
    from django.db.models import Count, Q

    from probation.people.models import Case, CaseStatus
    from probation.supervision.models import Contact
    from probation.workforce.models import RoleCode, User

    busiest = list(
        User.objects.filter(
            organisation__code=organisation_code,
            is_active=True,
            roles__code=RoleCode.PRACTITIONER,
        )
        .annotate(n=Count("caseload", filter=Q(caseload__status=CaseStatus.ACTIVE)))
        .filter(n__gt=0)
        .order_by("-n", "pk")[:users]
    )
    if len(busiest) < users:
        raise SystemExit(f"{organisation_code} has only {len(busiest)} practitioners with cases")
    if password is not None:
        User.objects.filter(pk__in=[u.pk for u in busiest]).update(password=make_password(password))
    practitioners = {
        user.get_username(): list(
            Case.objects.filter(
                responsible_officer=user, status=CaseStatus.ACTIVE, restricted=False
            )
            .values_list("person__crn", flat=True)
            .order_by("pk")
        )
        for user in busiest
    }
    total = Contact.objects.count()
    connections.close_all()
    return World(organisation=organisation_code, practitioners=practitioners, contacts=total)


def _form(session: requests.Session, url: str) -> tuple[float, str | None, str]:
    """Time one GET of a form page; return (seconds, error or None, body)."""
    started = time.perf_counter()
    try:
        response = session.get(url, allow_redirects=False, timeout=60)
        body = response.text
    except requests.RequestException as error:
        return time.perf_counter() - started, f"{type(error).__name__}: {error}", ""
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or 'name="submission_token"' not in body:
        return elapsed, f"HTTP {response.status_code} {url} (no form)", body
    return elapsed, None, body


def record_contact(
    session: requests.Session,
    base_url: str,
    crn: str,
    when: dt.datetime,
    samples: PageSamples | None,
) -> None:
    """The contact form, then the recording of a phone call at ``when`` (attended)."""
    url = f"{base_url}/cases/{crn}/contacts/new/"
    seconds, problem, page = _form(session, url)
    if samples is not None:
        samples.add("contact_form", seconds, problem)
    if problem:
        return
    data = dict(HIDDEN.findall(page)) | {
        "contact_type": "phone",
        "outcome": "attended_complied",
        "day_0": str(when.day),
        "day_1": str(when.month),
        "day_2": str(when.year),
        "starts_at": f"{when:%H:%M}",
        "length": "15",
        "notes": "Called to confirm the next appointment.",
    }
    started = time.perf_counter()
    try:
        response = session.post(
            url, data=data, headers={"Referer": url}, allow_redirects=False, timeout=60
        )
        _ = response.content  # the whole answer read, as for a page
    except requests.RequestException as error:
        if samples is not None:
            samples.add("record_contact", time.perf_counter() - started, str(error))
        return
    elapsed = time.perf_counter() - started
    ok = response.status_code == 302 and "/contacts/" in response.headers.get("Location", "")
    if samples is not None:
        samples.add(
            "record_contact", elapsed, None if ok else f"HTTP {response.status_code} POST {url}"
        )


def one_round(
    session: requests.Session,
    args: argparse.Namespace,
    crns: list[str],
    rng: random.Random,
    measure: PageSamples | None,
) -> None:
    """The to-do list, yesterday's diary, and a contact recorded on one of the user's cases
    (a call in the four weeks before, between 07:00 and 17:00)."""
    yesterday = dt.datetime.now(LONDON).date() - dt.timedelta(days=1)
    steps = (
        ("todo", f"{args.base_url}/todo/", 'data-testid="section-absences"'),
        ("diary", f"{args.base_url}/diary/?day={yesterday:%Y-%m-%d}", 'data-testid="next-day"'),
    )
    for page, url, expect in steps:
        seconds, problem = fetch(session, url, expect)
        if measure is not None:
            measure.add(page, seconds, problem)
            time.sleep(args.think_ms / 1000 * rng.uniform(0.5, 1.5))
    # A call on one of the four weeks before yesterday: never on the day the diary shows, so
    # that repeated runs do not fill the measured diary with their own contacts.
    day = yesterday - dt.timedelta(days=rng.randrange(1, 29))
    when = dt.datetime.combine(day, dt.time(7)) + dt.timedelta(minutes=rng.randrange(600))
    record_contact(session, args.base_url, rng.choice(crns), when, measure)
    if measure is not None:
        time.sleep(args.think_ms / 1000 * rng.uniform(0.5, 1.5))


def run_user(
    username: str,
    *,
    crns: list[str],
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
        for _ in range(args.warmup):
            one_round(session, args, crns, rng, None)
        barrier.wait()
        # Users arrive over the first second, as people do, not all in the same millisecond:
        # without this the first round's 20 to-do lists queue behind each other on the server's
        # workers and that burst, not the page, makes the slowest twentieth of the figures.
        time.sleep(args.think_ms / 1000 * rng.uniform(0, 1))
        for _ in range(args.requests_per_user):
            one_round(session, args, crns, rng, samples)
        barrier.wait()
    except threading.BrokenBarrierError:
        return
    except Exception as error:  # a bug or a dead server: stop everyone rather than hang
        failures.append(f"{username}: {type(error).__name__}: {error}")
        barrier.abort()
    finally:
        session.close()


def report(
    samples: PageSamples, wall: float, world: World, args: argparse.Namespace
) -> dict[str, Any]:
    pages = {p: summarise(samples.latencies[p], len(samples.errors[p])) for p in PAGES}
    count = sum(len(samples.latencies[p]) + len(samples.errors[p]) for p in PAGES)
    return {
        "base_url": args.base_url,
        "organisation": world.organisation,
        "contacts_in_world": world.contacts,
        "users": args.users,
        "caseloads": sorted(len(c) for c in world.practitioners.values()),
        "rounds_per_user": args.requests_per_user,
        "warmup_rounds": args.warmup,
        "think_ms": args.think_ms,
        "wall_seconds": round(wall, 3),
        "throughput_rps": round(count / wall, 1) if wall else None,
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": all(pages[p].get("p95_ms", float("inf")) < TARGET_P95_MS for p in TARGETED),
        "pages": pages,
        "sign_in": summarise(samples.sign_in, 0),
        "error_examples": sorted({e for p in PAGES for e in samples.errors[p]})[:10],
    }


def print_table(result: dict[str, Any]) -> None:
    columns = ("count", "errors", "p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms")
    loads = result["caseloads"]
    print(
        f"{result['users']} practitioners of {result['organisation']} (caseloads "
        f"{loads[0]}–{loads[-1]}; {result['contacts_in_world']:,} contacts in the world) x "
        f"{result['rounds_per_user']} rounds against {result['base_url']} "
        f"({result['warmup_rounds']} warm-up round(s), think time {result['think_ms']:g} ms)"
    )
    print(f"{'page':<22}" + "".join(f"{c:>9}" for c in columns))
    for name, row in [*result["pages"].items(), ("sign in*", result["sign_in"])]:
        print(f"{name:<22}" + "".join(f"{row.get(c, '-')!s:>9}" for c in columns))
    verdict = "met" if result["meets_target"] else "NOT met"
    print(
        f"throughput: {result['throughput_rps']} requests/s over {result['wall_seconds']} s; "
        f"target p95 < {result['target_p95_ms']:g} ms for {', '.join(TARGETED)}: {verdict} "
        "(* sign-in once per user, before the measured phase)"
    )
    for example in result["error_examples"]:
        print(f"error: {example}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8020")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests-per-user", type=int, default=15, help="measured rounds")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured rounds")
    parser.add_argument("--think-ms", type=float, default=1000)
    parser.add_argument("--organisation", default="NPS", help="organisation code, e.g. CRC-C08")
    parser.add_argument("--database-url", default=None, help="default: $DATABASE_URL")
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
        users=args.users,
        password=None if args.keep_passwords else args.password,
    )
    samples = PageSamples(PAGES)
    wall, failures = run_together(
        [(username, {"crns": crns}) for username, crns in world.practitioners.items()],
        run_user,
        common={"args": args, "samples": samples},
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
    return 1 if any(result["pages"][p]["errors"] for p in PAGES) else 0


if __name__ == "__main__":
    raise SystemExit(main())
