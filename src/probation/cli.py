"""The ``probation`` command: build a demo world, run the web service, see what the database holds.

Commands stay thin: the work is done in ``probation.demo`` (the demo world; not installed in
production), ``probation.ops`` (serving, counts) and the apps' services and selectors; the command
itself does no database queries. Django is set up by :func:`main` before a command runs, so those
imports happen inside the commands.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

if TYPE_CHECKING:
    from probation.allocation.comparison import PolicyComparison
    from probation.demo.builder import DemoOutcome

app = typer.Typer(
    help="OpenProbation: probation case management for the split NPS/CRC service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


def _console(*, stderr: bool = False) -> Console:
    # soft_wrap: messages stay on one line however narrow the terminal (the terminal wraps them).
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _progress_bar(console: Console) -> Progress:
    """A progress bar on ``console``, shown only on a terminal and cleared when it stops (the
    summary printed afterwards replaces it)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


@app.command()
def demo(
    people: Annotated[
        int, typer.Option("--people", min=1, help="How many people on probation to create.")
    ] = 3000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same world.")] = 2014,
    reset: Annotated[
        bool,
        typer.Option(
            "--reset/--no-reset", help="Delete all case data and demo staff first, then rebuild."
        ),
    ] = False,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="The world's 'today' (default: today); with the seed, fixes every date.",
        ),
    ] = None,
) -> None:
    """Migrate the database and build a synthetic world to try the service with."""
    from django.apps import apps

    console = _console()
    if not apps.is_installed("probation.demo"):
        console.print(
            "[red]The demo is not installed in production (DJANGO_ENV=production): "
            "it builds synthetic people and staff with a shared password. "
            "Run it on a development or test machine.[/red]"
        )
        raise typer.Exit(code=1)
    from probation.demo.builder import DemoError, run_demo

    bar = _progress_bar(console)
    current: list[TaskID] = [bar.add_task("Preparing", total=None)]

    def phase(message: str) -> None:
        bar.remove_task(current[0])
        current[0] = bar.add_task(message, total=None)
        if not console.is_terminal:  # logs: say what is happening, line by line
            console.print(f"{message}…")

    def progress(done: int, total: int) -> None:
        bar.update(current[0], total=total, completed=done)

    if console.is_terminal:
        bar.start()
    try:
        outcome = run_demo(
            people=people,
            seed=seed,
            reset=reset,
            as_of=as_of.date() if as_of else None,
            progress=progress,
            phase=phase,
        )
    except DemoError as error:
        bar.stop()
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(code=1) from error
    finally:
        if console.is_terminal:
            bar.stop()

    _print_demo_outcome(console, outcome, seed=seed)


def _print_demo_outcome(console: Console, outcome: DemoOutcome, *, seed: int) -> None:
    """What ``probation demo`` did, then the demo sign-ins."""
    if outcome.removed is not None:
        console.print(
            f"Reset: removed {outcome.removed['people']:,} people and "
            f"{outcome.removed['staff']:,} demo staff."
        )
    if outcome.built is None:
        console.print(
            f"A demo world already exists ({outcome.people:,} people): nothing to build. "
            "Use --reset to rebuild it."
        )
    else:
        counts = outcome.built.counts
        console.print(
            f"Built a demo world of {counts.get('people', 0):,} people, "
            f"{counts.get('staff', 0):,} staff and {counts.get('sentences', 0):,} sentences "
            f"in {outcome.built.seconds:.1f} s (seed {seed}, as of {outcome.built.as_of:%d %B %Y})."
        )
    table = Table(title="Demo sign-ins")
    table.add_column("Username", no_wrap=True)
    table.add_column("Password", no_wrap=True)
    table.add_column("Role")
    table.add_column("Organisation")
    for signin in outcome.signins:
        name = f"{signin.username} *" if signin.needs_code else signin.username
        table.add_row(name, signin.password, signin.role, signin.organisation)
    console.print(table)
    if any(signin.needs_code for signin in outcome.signins):
        from probation.demo.second_factor import demo_totp_secret

        console.print(
            "* Also enter a 6-digit code after the password: run "
            "[bold].venv/bin/probation demo-code USERNAME[/bold] for the current one, or add "
            f"the demo key {demo_totp_secret()} to an authenticator app."
        )


@app.command("demo-code")
def demo_code_command(
    username: Annotated[str, typer.Argument(help="A demo account, e.g. auditor or admin.")],
) -> None:
    """Print the current sign-in code of a demo account's authenticator (demo accounts only)."""
    from django.conf import settings

    if "probation.demo" not in settings.INSTALLED_APPS:
        _console().print("[red]There are no demo accounts here: the demo is not installed.[/red]")
        raise typer.Exit(code=1)
    from probation.demo.second_factor import demo_code

    code = demo_code(username)
    if code is None:
        _console().print(f"[red]{username!r} is not a demo account with an authenticator.[/red]")
        raise typer.Exit(code=1)
    typer.echo(code)


@app.command()
def serve(
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    workers: Annotated[int, typer.Option("--workers", min=1, help="gunicorn workers.")] = 2,
    dev: Annotated[
        bool, typer.Option("--dev", help="Django's development server, reloading on changes.")
    ] = False,
    with_worker: Annotated[
        bool,
        typer.Option(
            "--with-worker",
            help="Also run `probation worker` (background tasks, appointment reminders) "
            "alongside, stopped with the server.",
        ),
    ] = False,
) -> None:
    """Run the web service (gunicorn; static files served by WhiteNoise)."""
    from probation.ops.serve import serve_development, serve_production, unapplied_migrations

    console = _console()
    pending = unapplied_migrations()
    if pending:
        console.print(
            f"[yellow]The database needs {pending} migration(s): run probation demo "
            "(or manage.py migrate) first.[/yellow]"
        )
    # The development server re-runs this command in a child process to reload it: start the
    # worker once, from the first process.
    worker = _start_worker(console) if with_worker and not os.environ.get("RUN_MAIN") else None
    try:
        if dev:
            serve_development(host=host, port=port)
        else:
            console.print(f"Serving on http://{host}:{port}/ with {workers} worker(s).")
            serve_production(host=host, port=port, workers=workers)
    finally:
        if worker is not None:
            _stop_worker(console, worker)


def _start_worker(console: Console) -> subprocess.Popen[bytes]:
    """``probation worker`` in its own process, printing to this terminal."""
    console.print(
        "Starting the background worker: it sends appointment reminders "
        f"(email backend: {_email_backend_name()})."
    )
    # Its own session: Ctrl-C reaches the server alone, which then stops the worker with one
    # SIGTERM (two signals would stop the worker mid-task).
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "probation.cli", "worker"], start_new_session=True
    )


def _stop_worker(console: Console, worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the worker finishes its task), then wait; kill it if it will not stop."""
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            console.print("[yellow]The worker did not stop in 30 seconds: ending it.[/yellow]")
            worker.kill()
            worker.wait()


def _email_backend_name() -> str:
    from django.conf import settings

    backend = str(settings.EMAIL_BACKEND)
    return "printed on the console" if backend.endswith("console.EmailBackend") else backend


@app.command()
def worker(
    sweep_every: Annotated[
        float,
        typer.Option(
            "--sweep-every", min=1, help="Seconds between two sweeps for reminders to queue."
        ),
    ] = 60.0,
) -> None:
    """Run background tasks (django-tasks) and queue appointment reminders every minute.

    Stops cleanly on Ctrl-C or SIGTERM: the task running finishes first."""
    from probation.ops.serve import unapplied_migrations
    from probation.ops.worker import run_worker

    console = _console()
    pending = unapplied_migrations()
    if pending:
        console.print(
            f"[red]The database needs {pending} migration(s): run probation migrate first.[/red]"
        )
        raise typer.Exit(code=1)

    from django.utils import timezone

    def say(message: str) -> None:
        console.print(f"[dim]{timezone.localtime():%H:%M:%S}[/dim] worker: {message}")

    say(f"Email: {_email_backend_name()}.")
    run_worker(say=say, sweep_every=sweep_every)


@app.command()
def stats(
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table for people, json for programs.")
    ] = OutputFormat.table,
) -> None:
    """Count what the database holds: people, cases, staff, sentences, audit events..."""
    from probation.ops.stats import collect

    counts = collect()
    if output is OutputFormat.json:
        typer.echo(json.dumps(counts, indent=2))
        return
    table = Table(title="What the database holds")
    table.add_column("What")
    table.add_column("Count", justify="right")
    for name, value in counts.items():
        label = name.replace("_", " ").capitalize()
        if isinstance(value, dict):
            table.add_row(f"[bold]{label}[/bold]", "")
            for key, n in value.items():
                table.add_row(f"  {key}", f"{n:,}")
        else:
            table.add_row(f"[bold]{label}[/bold]", f"{value:,}")
    _console().print(table)


recompute_app = typer.Typer(
    help="Recompute derived facts for every case (after a rule or bulk data change).",
    no_args_is_help=True,
)
app.add_typer(recompute_app, name="recompute")


@recompute_app.command("tiers")
def recompute_tiers(
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", min=1, help="Cases read and written per transaction.")
    ] = 5000,
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as-user",
            metavar="USERNAME",
            help="Record this user as the actor in the audit trail (default: system).",
        ),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table for people, json for programs.")
    ] = OutputFormat.table,
) -> None:
    """Recompute every case's tier; a history entry (audited) for each one that changed."""
    from probation.ops.stats import tier_order
    from probation.risk.batch import recompute_all_tiers
    from probation.workforce.selectors import active_user_by_username

    console = _console()
    user = None
    if as_user is not None:
        user = active_user_by_username(as_user)
        if user is None:
            console.print(f"[red]No active user is called {as_user!r}.[/red]")
            raise typer.Exit(code=1)
    # The bar goes to stderr, so that --format json leaves stdout to the JSON.
    bar = _progress_bar(_console(stderr=True))
    task = bar.add_task("Recomputing tiers", total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, total=total, completed=done)

    started = time.perf_counter()
    with bar:
        report = recompute_all_tiers(by_user=user, chunk_size=chunk_size, progress=progress)
    seconds = time.perf_counter() - started
    by_tier = dict(sorted(report.by_tier.items(), key=lambda item: tier_order(item[0])))
    if output is OutputFormat.json:
        typer.echo(
            json.dumps(
                {
                    "cases": report.cases,
                    "changed": report.changed,
                    "by_tier": by_tier,
                    "seconds": round(seconds, 2),
                },
                indent=2,
            )
        )
        return
    console.print(
        f"Recomputed the tiers of {report.cases:,} cases in {seconds:.1f} s: "
        f"{report.changed:,} changed"
        + (f" (recorded as {user.get_username()})." if user else " (recorded as system).")
    )
    table = Table(title="Cases by tier")
    table.add_column("Tier")
    table.add_column("Cases", justify="right")
    for tier, n in by_tier.items():
        table.add_row(tier, f"{n:,}")
    console.print(table)


audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table for people, json for programs.")
    ] = OutputFormat.table,
) -> None:
    """Check the audit trail's hash chain; name the first broken link (exit code 1 if any)."""
    from probation.core.audit_chain import verify_chain

    bar = _progress_bar(_console(stderr=True))
    task = bar.add_task("Verifying the audit trail", total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, total=total, completed=done)

    with bar:
        report = verify_chain(progress=progress)
    if output is OutputFormat.json:
        typer.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "events": report.events,
                    "broken_at": report.broken_at,
                    "reason": report.reason,
                    "last_hash": report.last_hash,
                },
                indent=2,
            )
        )
    elif report.ok:
        _console().print(f"The audit trail is intact: {report.events:,} events, every link holds.")
    else:
        _console().print(
            f"[red]The audit trail is broken at event {report.broken_at}: {report.reason}. "
            f"{report.events:,} events before it verified.[/red]"
        )
    if not report.ok:
        raise typer.Exit(code=1)


allocation_app = typer.Typer(
    help="The sift: its policy, and the sift of custodial cases before release.",
    no_args_is_help=True,
)
app.add_typer(allocation_app, name="allocation")


@allocation_app.command("sift-releases")
def allocation_sift_releases(
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table for people, json for programs.")
    ] = OutputFormat.table,
) -> None:
    """Sift every custodial case whose release is within 10 working days and which has not been
    sifted since its sentence (docs/domain/allocation.md §3); run it each day."""
    from probation.allocation.services import release_sifts

    sifts = release_sifts(by_user=None)
    rows: list[dict[str, Any]] = [
        {
            "crn": sift.case.person.crn,
            "organisation": sift.organisation.code,
            "contract_area": sift.contract_area.code,
            "reasons": sift.reason_sentences,
        }
        for sift in sifts
    ]
    if output is OutputFormat.json:
        typer.echo(json.dumps({"sifted": len(rows), "cases": rows}, indent=2))
        return
    console = _console()
    if not rows:
        console.print("No custodial case was due for its sift.")
        return
    table = Table(title=f"{len(rows):,} case{'s' if len(rows) != 1 else ''} sifted before release")
    for header in ("CRN", "Organisation", "Area", "Because"):
        table.add_column(header)
    for row in rows:
        table.add_row(
            row["crn"], row["organisation"], row["contract_area"], "; ".join(row["reasons"])
        )
    console.print(table)


@allocation_app.command("compare")
def allocation_compare(
    policy_file: Annotated[
        Path,
        typer.Argument(
            metavar="POLICY.json",
            help="The proposed policy, as JSON (docs/domain/allocation.md, section 1).",
        ),
    ],
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table for people, json for programs.")
    ] = OutputFormat.table,
) -> None:
    """Compare a proposed sift policy with the current decisions over every active case; changes
    nothing (exit code 2 for a policy that is not valid)."""
    from probation.allocation.comparison import (
        POLICY_MAX_CHARS,
        compare_policy,
        comparison_audited,
        parse_policy,
    )
    from probation.core.errors import InvalidInput

    errors = _console(stderr=True)
    try:
        with policy_file.open("rb") as handle:
            text = handle.read(POLICY_MAX_CHARS + 1)
        policy = parse_policy(text)
    except OSError as error:
        errors.print(
            f"policy: cannot read {policy_file}: {error.strerror}", style="red", markup=False
        )
        raise typer.Exit(code=2) from error
    except InvalidInput as error:
        errors.print(error.message, style="red", markup=False)
        raise typer.Exit(code=2) from error
    bar = _progress_bar(errors)
    task = bar.add_task("Comparing the policy", total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, total=total, completed=done)

    started = time.perf_counter()
    with bar:
        result = compare_policy(policy, progress=progress)
    seconds = time.perf_counter() - started
    comparison_audited(by_user=None, result=result, source="cli")
    if output is OutputFormat.json:
        typer.echo(json.dumps(result.as_json(), indent=2))
        return
    _print_comparison(_console(), result, seconds=seconds)


def _print_comparison(console: Console, result: PolicyComparison, *, seconds: float) -> None:
    """The comparison as tables: by contract area with the reasons, then the staff split."""
    from probation.allocation.comparison import NO_RULE_NOW

    def why(counts: dict[str, int]) -> str:  # rule ids: the words the policy is written in
        return ", ".join(f"{rule} {n:,}" for rule, n in sorted(counts.items()))

    policy, current = result.policy, result.current_policy
    console.print(
        f"Policy {policy.id} version {policy.version} against the current decisions "
        f"(policy {current.id} version {current.version}) over {result.cases:,} active cases "
        f"in {seconds:.1f} s: {result.nps_to_crc:,} would move from the NPS to a CRC, "
        f"{result.crc_to_nps:,} from a CRC to the NPS. Nothing was changed."
    )
    table = Table(title="Cases that would move, by contract area")
    for header in ("Area", "Cases", "NPS → CRC", "Why", "CRC → NPS", "Why"):
        table.add_column(header, justify="right" if header not in ("Area", "Why") else "left")
    for area in result.areas:
        table.add_row(
            f"{area.contract_area} {area.name}",
            f"{area.cases:,}",
            f"{area.nps_to_crc:,}",
            why(area.why_nps_to_crc),
            f"{area.crc_to_nps:,}",
            why(area.why_crc_to_nps),
        )
    table.add_row(
        "[bold]All areas[/bold]",
        f"{result.cases:,}",
        f"{result.nps_to_crc:,}",
        why(result.why_nps_to_crc),
        f"{result.crc_to_nps:,}",
        why(result.why_crc_to_nps),
    )
    console.print(table)
    if NO_RULE_NOW in result.why_nps_to_crc:
        console.print(
            f"{NO_RULE_NOW}: the NPS holds the case, but no rule of the current policy keeps it on "
            "today's facts (they changed after the sift)."
        )
    staff = result.staff
    for title, groups in (("grade", staff.by_grade), ("office", staff.by_office)):
        table = Table(
            title=f"Practitioners by the side most of their cases would go to, by {title}"
        )
        for header in (title.capitalize(), "Practitioners", "NPS", "CRC", "Changing side"):
            table.add_column(header, justify="left" if header == title.capitalize() else "right")
        for group in groups:
            table.add_row(
                group.label,
                f"{group.practitioners:,}",
                f"{group.to_nps:,}",
                f"{group.to_crc:,}",
                f"{group.changing_side:,}",
            )
        console.print(table)


reoffending_app = typer.Typer(
    help="Proven reoffending, measured from files (docs/domain/reoffending-and-payment.md).",
    no_args_is_help=True,
)
app.add_typer(reoffending_app, name="reoffending")


@reoffending_app.command("measure")
def reoffending_measure(
    cohort_file: Annotated[
        Path,
        typer.Option(
            "--cohort",
            help="CSV or Parquet: person_id, index_date, cohort, contract_area[, ogrs3_one_year].",
        ),
    ],
    offences_file: Annotated[
        Path,
        typer.Option("--offences", help="CSV or Parquet: person_id, offence_date, proven_date."),
    ],
    output: Annotated[
        str, typer.Option("--format", help="table for people; json or csv for programs.")
    ] = "table",
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Leave out invalid rows and count them, not fail."),
    ] = False,
    measured_on: Annotated[
        str | None,
        typer.Option(
            "--measured-on",
            metavar="YYYY-MM-DD",
            help="Label results provisional if measured before their 18 months have passed.",
        ),
    ] = None,
) -> None:
    """Measure proven reoffending from a cohort file and an offences file, without the database.

    Any invalid row fails the run (exit code 2) with its file and line on stderr and nothing on
    stdout, unless --skip-invalid. See docs/how-to/measure-reoffending.md.
    """
    from probation.performance import engine, files

    errors = _console(stderr=True)
    if output not in ("table", "json", "csv"):
        errors.print(f"--format: must be table, json or csv, not {output[:40]!r}", markup=False)
        raise typer.Exit(code=2)
    try:
        measured = files.parse_day("--measured-on", measured_on) if measured_on else None
        inputs = files.read_measure_inputs(cohort_file, offences_file, skip_invalid=skip_invalid)
    except files.InputError as error:
        for line in error.lines():
            errors.print(line, style="red", markup=False)
        raise typer.Exit(code=2) from None
    results = engine.measure(inputs.cohort, inputs.offences, measured_on=measured)
    document = files.result_document(
        results,
        fingerprint=engine.fingerprint(inputs.cohort, inputs.offences),
        measured_on=measured,
        skipped_cohort=inputs.skipped_cohort,
        skipped_offences=inputs.skipped_offences,
    )
    summary = (
        f"engine {document['engine_version']}, data fingerprint {document['data_fingerprint']}; "
        f"skipped rows: {inputs.skipped_cohort:,} cohort, {inputs.skipped_offences:,} offences"
    )
    if output == "json":
        typer.echo(json.dumps(document, indent=2))
        return
    if output == "csv":
        typer.echo(files.results_csv(results), nl=False)
        errors.print(summary, markup=False)
        return
    table = Table(title="Proven reoffending", caption=summary)
    for column in results.columns:
        left = column in ("cohort", "contract_area")
        table.add_column(column.replace("_", " "), justify="left" if left else "right")
    for cells in files.results_cells(results):
        table.add_row(*cells)
    _console().print(table)


# --- Payment by results: a quarter's results and statements, baselines ------------------------
pbr_app = typer.Typer(
    help="Payment by results: a quarter's results and payment statements, and baselines.",
    no_args_is_help=True,
)
app.add_typer(pbr_app, name="pbr")


def _quarter_option(text: str) -> Any:
    from probation.rules.reoffending import Quarter

    try:
        return Quarter.parse(text)
    except ValueError as error:
        raise typer.BadParameter(str(error).removeprefix("quarter: ")) from error


def _day_option(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()  # noqa: DTZ007 (a calendar day)
    except ValueError as error:
        raise typer.BadParameter(f"give a date as YYYY-MM-DD, got {text!r}") from error


@pbr_app.command("run")
def pbr_run(
    quarter: Annotated[
        str,
        typer.Option("--quarter", help="The cohort's quarter, e.g. 2016Q1.", show_default=False),
    ],
    measured_on: Annotated[
        str | None,
        typer.Option(
            "--measured-on",
            metavar="YYYY-MM-DD",
            help="Count what was proven up to this day (default: today).",
        ),
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            metavar="DIR",
            help="Also write the cohort and offences as CSV, for 'probation reoffending measure'.",
        ),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table for people, json for programs.")
    ] = OutputFormat.table,
) -> None:
    """Compute a quarter's reoffending results, payment statements and indicators, and store
    them with the data's fingerprint and the engine version (docs/domain/reoffending-and-payment.md).
    Running it again on the same data gives the same figures, as a new run."""
    from django.utils import timezone

    from probation.performance.extract import quarter_extract
    from probation.performance.selectors import run_results
    from probation.performance.services import RUN_STEPS, pbr_run_record

    the_quarter = _quarter_option(quarter)
    day = _day_option(measured_on) or timezone.localdate()
    errors = _console(stderr=True)
    bar = _progress_bar(errors)
    task = bar.add_task("Reading the cohort and its offences", total=len(RUN_STEPS) + 1)

    def progress(step: str, done: int, total: int) -> None:
        bar.update(task, description=step, completed=done + 1, total=total + 1)

    with bar:
        extract = quarter_extract(quarter=the_quarter, measured_on=day)
        bar.update(task, completed=1)
        if export is not None:
            _export_extract(extract, export)
        run = pbr_run_record(
            quarter=the_quarter, extract=extract, measured_on=day, by_user=None, progress=progress
        )
    rows = run_results(run=run)
    summary = {
        "run": run.pk,
        "quarter": run.quarter,
        "measured_on": run.measured_on.isoformat(),
        "provisional": run.provisional,
        "data_fingerprint": run.data_fingerprint,
        "engine_version": run.engine_version,
        "cohort_size": extract.cohort.height,
        "results": rows,
    }
    if output is OutputFormat.json:
        typer.echo(json.dumps(summary, indent=2, default=str))
        return
    _print_run(_console(), summary)


@pbr_app.command("baseline")
def pbr_baseline(
    area: Annotated[
        str, typer.Option("--area", help="The contract area, e.g. C08.", show_default=False)
    ],
    period: Annotated[
        str, typer.Option("--period", help="The baseline cohort, e.g. 2011.", show_default=False)
    ],
    cohort: Annotated[Path, typer.Option("--cohort", help="The baseline cohort (CSV or Parquet).")],
    offences: Annotated[
        Path, typer.Option("--offences", help="Their proven offences (CSV or Parquet).")
    ],
) -> None:
    """Measure a contract area's baseline cohort from files and keep it as the area's baseline
    (replacing the previous one; audited). Every member needs an OGRS3 score."""
    from probation.contracts.selectors import contract_area_by_code
    from probation.core.errors import InvalidInput
    from probation.performance.files import InputError, read_measure_inputs
    from probation.performance.services import baseline_record

    errors = _console(stderr=True)
    contract_area = contract_area_by_code(code=area.strip().upper())
    if contract_area is None:
        errors.print(f"area: no contract area {area!r} (C01 to C21)", style="red", markup=False)
        raise typer.Exit(code=2)
    try:
        inputs = read_measure_inputs(cohort, offences)
        baseline = baseline_record(
            contract_area=contract_area,
            period=period,
            cohort=inputs.cohort,
            offences=inputs.offences,
            by_user=None,
        )
    except InputError as error:
        for line in error.lines():
            errors.print(line, style="red", markup=False)
        raise typer.Exit(code=2) from error
    except InvalidInput as error:
        errors.print(error.message, style="red", markup=False)
        raise typer.Exit(code=2) from error
    _console().print(
        f"Baseline {baseline.period} for {contract_area.code}: {baseline.cohort_size:,} people, "
        f"{baseline.reoffenders:,} reoffenders ({baseline.reoffenders / baseline.cohort_size:.1%}), "
        f"{baseline.reoffences:,} reoffences; calibration k = "
        f"{baseline.reoffenders / baseline.sum_probability:.3f}."
    )


def _export_extract(extract: Any, directory: Path) -> None:
    """The run's two input tables in the engine's file format, so anyone can measure them again."""
    directory.mkdir(parents=True, exist_ok=True)
    cohort_columns = ["person_id", "index_date", "cohort", "contract_area", "ogrs3_one_year"]
    extract.cohort.select(cohort_columns).write_csv(directory / "cohort.csv")
    extract.offences.write_csv(directory / "offences.csv")


def _print_run(console: Console, summary: dict[str, Any]) -> None:
    label = "provisional" if summary["provisional"] else "final"
    console.print(
        f"Run {summary['run']} for {summary['quarter']} ({label}, measured on "
        f"{summary['measured_on']}): {summary['cohort_size']:,} people in the CRCs' cohorts."
    )
    console.print(
        f"Data fingerprint {summary['data_fingerprint']}, engine {summary['engine_version']}."
    )
    table = Table(title="Proven reoffending against each area's baseline")
    for header in ("Area", "Cohort", "Rate", "Expected", "z", "Result", "Outcome", "Statement"):
        table.add_column(header, justify="left" if header in ("Area", "Result") else "right")
    for row in summary["results"]:
        rate = row["binary_rate"]
        expected = row["expected_reoffenders"]
        z = row["binary_z"]
        outcome = row["outcome_payment"] - row["outcome_deduction"]
        table.add_row(
            row["contract_area"],
            f"{row['cohort_size']:,}",
            "" if rate is None else f"{rate:.1%}",
            "" if expected is None else f"{expected:,.1f}",
            "" if z is None else f"{z:+.2f}",
            row["binary_direction"].replace("_", " "),
            f"£{outcome:,.2f}",
            "" if row["statement_total"] is None else f"£{row['statement_total']:,.2f}",
        )
    console.print(table)


em_app = typer.Typer(
    help="Electronic monitoring: telemetry ingest, telemetry partitions, the billing ledger, "
    "the simulator.",
    no_args_is_help=True,
)
app.add_typer(em_app, name="em")


@em_app.command("ingest")
def em_ingest(
    batch_size: Annotated[
        int,
        typer.Option("--batch-size", min=1, max=10_000, help="Messages stored per transaction."),
    ] = 500,
    max_wait_ms: Annotated[
        int,
        typer.Option(
            "--max-wait-ms", min=1, max=60_000, help="Longest wait to fill a batch, milliseconds."
        ),
    ] = 200,
    client_id: Annotated[
        str | None,
        typer.Option(
            "--client-id",
            help="This worker's fixed MQTT client id (its session); one per worker. "
            "Default: ingest-<host name>.",
        ),
    ] = None,
    group: Annotated[
        str, typer.Option("--group", help="The shared subscription's group: one per installation.")
    ] = "ingest",
    session_expiry: Annotated[
        int,
        typer.Option(
            "--session-expiry",
            min=0,
            help="Seconds the broker keeps this worker's session (and its messages) while it is "
            "down.",
        ),
    ] = 7 * 24 * 3600,
    sweep_every: Annotated[
        float, typer.Option("--sweep-every", min=1, help="Seconds between no-signal sweeps.")
    ] = 60.0,
    report_every: Annotated[
        float, typer.Option("--report-every", min=1, help="Seconds between progress lines.")
    ] = 10.0,
) -> None:
    """Store EM telemetry from the MQTT broker (MQTT_URL), acknowledging each message only once
    it is stored, and raise the alerts it causes. Run several for more throughput.

    Stops cleanly on Ctrl-C or SIGTERM: the batch in hand is stored first."""
    import socket

    from django.conf import settings
    from django.utils import timezone

    from probation.monitoring.mqtt_worker import IngestSettings, run_ingest
    from probation.ops.serve import unapplied_migrations

    console = _console()
    pending = unapplied_migrations()
    if pending:
        console.print(
            f"[red]The database needs {pending} migration(s): run probation migrate first.[/red]"
        )
        raise typer.Exit(code=1)

    def say(message: str) -> None:
        console.print(f"[dim]{timezone.localtime():%H:%M:%S}[/dim] ingest: {message}")

    config = IngestSettings(
        url=settings.MQTT_URL,
        client_id=client_id or f"ingest-{socket.gethostname()}",
        group=group,
        batch_size=batch_size,
        max_wait=max_wait_ms / 1000,
        session_expiry=session_expiry,
        sweep_every=sweep_every,
        report_every=report_every,
    )
    try:
        run_ingest(config, say=say)
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(code=2) from error


@em_app.command("partitions")
def em_partitions(
    ahead: Annotated[
        int, typer.Option("--ahead", min=0, max=366, help="Days ahead to have partitions for.")
    ] = 7,
    retain_days: Annotated[
        int | None,
        typer.Option(
            "--retain-days",
            min=1,
            help="Days of telemetry to keep; older days are dropped. "
            "Default: EM_TELEMETRY_RETAIN_DAYS (90).",
        ),
    ] = None,
) -> None:
    """Create the next days' telemetry partitions and drop the days past the retention (run
    daily; as the owner role when MIGRATION_DATABASE_URL is set, like migrate)."""
    from probation.monitoring.partitions import maintain_partitions, run_as_owner

    arguments = ["em", "partitions", "--ahead", str(ahead)]
    if retain_days is not None:
        arguments += ["--retain-days", str(retain_days)]
    if run_as_owner(arguments):
        return
    report = maintain_partitions(ahead=ahead, retain_days=retain_days)
    console = _console()
    if not report.partitioned:
        console.print("Telemetry tables are not partitioned here (SQLite): retention only.")
    console.print(f"Partitions created: {', '.join(report.created) or 'none needed'}.")
    days = ", ".join(f"{d:%-d %B %Y}" for d in report.dropped_days)
    console.print(f"Days dropped: {days or 'none'}; rows deleted: {report.rows_deleted:,}.")


def _ledger_month(text: str) -> date:
    """``YYYY-MM`` as the first day of that month (2000 to 2100), else a BadParameter."""
    parts = text.strip().split("-")
    if len(parts) == 2 and all(p.isascii() and p.isdigit() for p in parts):
        year, month = int(parts[0]), int(parts[1])
        if len(parts[0]) == 4 and 2000 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    raise typer.BadParameter(f"{text!r} is not a month like 2026-05 (2000 to 2100)")


@em_app.command("ledger")
def em_ledger(
    months: Annotated[
        list[str] | None,
        typer.Option(
            "--month",
            metavar="YYYY-MM",
            help="A month to compute (repeat for several). Default: last month and this month.",
        ),
    ] = None,
) -> None:
    """Judge each EM provider's month with the billing ledger and store the figures the
    contract managers' totals show (run nightly; a reconciled claim also refreshes its month)."""
    from django.utils import timezone

    from probation.monitoring.claim_selectors import em_providers
    from probation.monitoring.ledger_services import ledger_month_record

    console = _console()
    if months:
        chosen = sorted({_ledger_month(m) for m in months})
    else:
        this_month = timezone.localdate().replace(day=1)
        chosen = [(this_month - timedelta(days=1)).replace(day=1), this_month]
    providers = list(em_providers())
    if not providers:
        console.print("No electronic monitoring provider: nothing to compute.")
        return
    bar = _progress_bar(_console(stderr=True))
    task = bar.add_task("Judging the ledger", total=len(providers) * len(chosen))
    table = Table(title="Device-days by the ledger")
    for column in ("Month", "Provider"):
        table.add_column(column)
    for column in ("On someone", "Billable"):
        table.add_column(column, justify="right")
    started = time.perf_counter()
    with bar:
        for month in chosen:
            for provider in providers:
                ledger = ledger_month_record(provider=provider, month=month, by_user=None)
                table.add_row(
                    f"{month:%B %Y}",
                    provider.name,
                    f"{ledger.device_days:,}",
                    f"{ledger.billable_days:,}",
                )
                bar.advance(task)
    seconds = time.perf_counter() - started
    console.print(table)
    console.print(f"Stored {len(providers) * len(chosen):,} ledger figure(s) in {seconds:.1f} s.")


@em_app.command("simulate")
def em_simulate(
    tags: Annotated[
        int, typer.Option("--tags", min=1, max=200_000, help="How many fitted devices to simulate.")
    ] = 10,
    interval: Annotated[
        float, typer.Option("--interval", min=1, help="Seconds between a tag's fixes or readings.")
    ] = 60.0,
    violations: Annotated[
        str,
        typer.Option(
            "--violations",
            help="Violations to inject, comma-separated, each optionally with a count: "
            "exclusion, curfew, tamper, battery, gap (e.g. exclusion,curfew:2,gap).",
        ),
    ] = "",
    duration: Annotated[
        float, typer.Option("--duration", min=1, help="Seconds the run lasts.")
    ] = 600.0,
    rate: Annotated[
        float,
        typer.Option("--rate", min=0, help="At most this many messages a second (0: no cap)."),
    ] = 0.0,
    batch: Annotated[
        int, typer.Option("--batch", min=1, max=1_000, help="Items a message (a tag's upload).")
    ] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the trails and injections.")] = 2014,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write what was injected here, as JSON.")
    ] = None,
) -> None:
    """Publish realistic telemetry for fitted devices of the database over MQTT (MQTT_URL): at
    home overnight and in curfew, moving by day, with the violations asked for; prints what it
    injected (device and time of each) so the alerts can be scored against it.

    Watch it live: run ``probation em ingest`` in another terminal first, then open the
    monitoring operator's alert queue."""
    import datetime as dt

    from django.conf import settings

    from probation.monitoring import simulator

    console = _console()
    try:
        wanted = simulator.parse_violations(violations)
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(code=2) from None
    chosen = simulator.tags_from_database(tags)
    if not chosen:
        console.print(
            "[red]No fitted device on an active order: build the demo world (probation demo) "
            "or fit a device first.[/red]"
        )
        raise typer.Exit(code=1)
    plan = simulator.plan_run(
        chosen,
        start=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1),
        duration=dt.timedelta(seconds=duration),
        interval=dt.timedelta(seconds=interval),
        violations=wanted,
        batch=batch,
        no_signal_after=dt.timedelta(minutes=settings.EM_NO_SIGNAL_MINUTES),
        seed=seed,
    )
    console.print(
        f"Simulating {len(chosen):,} tag(s) for {duration:,.0f} s: {len(plan.messages):,} "
        f"message(s), {plan.fixes:,} fix(es), {plan.events:,} event(s) to {settings.MQTT_URL}."
    )
    for line in plan.skipped:
        console.print(f"[yellow]Not injected: {line}[/yellow]")
    try:
        published = simulator.publish(plan.messages, url=settings.MQTT_URL, rate=rate)
    except (OSError, ValueError) as error:
        console.print(f"[red]Cannot publish to {settings.MQTT_URL}: {error}[/red]")
        raise typer.Exit(code=1) from None
    except KeyboardInterrupt:
        console.print("[yellow]Stopped: the report below counts the whole plan.[/yellow]")
        published = None
    result = plan.report(published=published)
    console.print(json.dumps(result, indent=2), soft_wrap=True, markup=False)
    if report is not None:
        simulator.write_report(str(report), result)


@app.command()
def migrate() -> None:
    """Apply the database migrations (as the owner role when MIGRATION_DATABASE_URL is set)."""
    from probation.core.database import migrate_schema

    migrate_schema(verbosity=1)


def setup_django() -> None:
    """Settings module, ``src`` on the path (for a checkout without an install), django.setup()."""
    src = str(Path(__file__).resolve().parent.parent)
    if src not in sys.path:
        sys.path.insert(0, src)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.config.settings")
    import django

    django.setup()


#: Commands that work on files alone: an analyst reproducing a published figure needs no
#: database and no settings, and is spared Django's start-up.
FILE_ONLY_COMMANDS = frozenset({"reoffending"})


def main() -> None:
    if not FILE_ONLY_COMMANDS.intersection(sys.argv[1:2]):
        setup_django()
    app()


if __name__ == "__main__":
    main()
