"""How long measuring a national annual cohort's proven reoffending takes, CSV to JSON.

Usage::

    python benchmarks/bench_reoffending.py [--people 600000] [--runs 3] [--seed 2016]

Builds, from the seed and not timed, a national annual cohort as CSV in a temporary directory:
``--people`` people in 21 contract areas and four quarterly cohorts (2016Q1-Q4), some with a
second index event in the same quarter (only the first counts) or an index event in another
quarter too, about 35 % reoffenders, and at least 2,000,000 offence rows, most of them outside
the windows (before the index date, after the 12 months, on the index date itself, exactly 12
months on and a day later, proven after the 18 months), so the filters do real work.

Then it times, end to end in a child process, each ``--runs`` times:

- ``probation reoffending measure --cohort … --offences … --format json --measured-on …``
  (``probation.performance.engine`` and ``probation.performance.files``, Polars), and
- ``python benchmarks/reoffending_pandas.py`` with the same arguments (the same definitions and
  checks, in idiomatic vectorised pandas, printing the same JSON).

For each it prints the median wall-clock seconds and the child's peak resident memory (from
``os.wait4``, so each child is measured alone), then the ratio, the start-up of the ``probation``
command alone (``measure --help``: Python, Django and the CLI), and checks the two JSON documents
are identical, fingerprint included (exit code 1 if not). Target: the engine under 5 s and
2 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 5.0
TARGET_MIB = 2048
MIN_OFFENCE_ROWS = 2_000_000
AREAS = [f"C{n:02d}" for n in range(1, 22)]
YEAR = 2016
MEASURED_ON = "2017-09-30"  # 2016Q1 final, 2016Q2-Q4 provisional


def generate(directory: Path, *, people: int, seed: int) -> tuple[Path, Path, dict[str, int]]:
    """Write cohort.csv and offences.csv; every offence belongs to someone in the cohort."""
    rng = np.random.default_rng(seed)
    person = np.arange(people)
    letters = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ"))
    ids = pl.Series(letters[person // 1_000_000 % len(letters)]) + pl.Series(
        person % 1_000_000
    ).cast(pl.String).str.zfill(6)
    area_weights = rng.dirichlet(np.full(len(AREAS), 8.0))
    quarter_starts = np.array(
        [dt.date(YEAR, m, 1) for m in (1, 4, 7, 10)] + [dt.date(YEAR + 1, 1, 1)],
        dtype="datetime64[D]",
    )

    def index_dates(quarter: np.ndarray) -> np.ndarray:
        length = (quarter_starts[quarter + 1] - quarter_starts[quarter]).astype(np.int64)
        return quarter_starts[quarter] + (rng.random(len(quarter)) * length).astype(np.int64)

    quarter = rng.integers(0, 4, people)
    area = rng.choice(len(AREAS), people, p=area_weights)
    ogrs3 = np.clip(np.round(rng.beta(2.0, 2.6, people) * 100), 1, 99).astype(np.int64)
    first = pl.DataFrame(
        {
            "person": person,
            "index_date": index_dates(quarter),
            "quarter": quarter,
            "area": area,
            "ogrs3": ogrs3,
        }
    )
    # 2 % have a later second event in the same quarter (not counted), 5 % one in another.
    again = first.sample(fraction=0.02, seed=seed)
    quarter_ends = quarter_starts[1:] - np.timedelta64(1, "D")
    later = np.minimum(
        again["index_date"].to_numpy() + rng.integers(1, 60, again.height).astype("timedelta64[D]"),
        quarter_ends[again["quarter"].to_numpy()],
    )
    again = again.with_columns(index_date=pl.Series(later))
    other = first.sample(fraction=0.05, seed=seed + 1)
    other_quarter = (other["quarter"].to_numpy() + rng.integers(1, 4, other.height)) % 4
    other = other.with_columns(
        quarter=pl.Series(other_quarter), index_date=pl.Series(index_dates(other_quarter))
    )
    events = pl.concat([first, again, other])
    missing_score = rng.random(events.height) < 0.05
    cohort = events.select(
        person_id=ids.gather(events["person"]),
        index_date=pl.col("index_date").cast(pl.Date),
        cohort=pl.lit(f"{YEAR}Q") + (pl.col("quarter") + 1).cast(pl.String),
        contract_area=pl.Series(AREAS).gather(events["area"]),
        ogrs3_one_year=pl.when(pl.Series(missing_score)).then(None).otherwise(pl.col("ogrs3")),
    ).sample(fraction=1.0, shuffle=True, seed=seed)

    # Reoffending follows OGRS3, scaled so that about 35 % reoffend.
    probability = np.clip(ogrs3 / 100 * 0.35 / (ogrs3.mean() / 100), 0, 0.95)
    reoffender = rng.random(people) < probability
    base = first.filter(pl.Series(reoffender)).select("person", "index_date")
    counts = rng.geometric(0.3, base.height)
    inside = repeated(base, counts)
    inside = inside.with_columns(
        offence_date=pl.col("index_date")
        + pl.duration(days=pl.Series(rng.integers(1, 366, inside.height))),
    ).with_columns(
        proven_date=pl.col("offence_date")
        + pl.duration(days=pl.Series(rng.integers(0, 200, inside.height)))
    )
    n_outside = rng.poisson(2.4, people)
    outside = repeated(first.select("person", "index_date"), n_outside)
    kind = rng.integers(0, 6, outside.height)
    # The row exactly 12 months on counts: give it only to reoffenders, to keep about 35 %.
    kind[(kind == 3) & ~reoffender[outside["person"].to_numpy()]] = 4
    days = pl.Series(rng.integers(1, 1200, outside.height))
    day = pl.duration(days=days)
    offence = (
        pl.when(pl.Series(kind == 0)).then(pl.col("index_date") - day)  # before the index date
        .when(pl.Series(kind == 1)).then(pl.col("index_date").dt.offset_by("12mo") + day)
        .when(pl.Series(kind == 2)).then(pl.col("index_date"))  # on the index date
        .when(pl.Series(kind == 3)).then(pl.col("index_date").dt.offset_by("12mo"))  # last day
        .when(pl.Series(kind == 4)).then(pl.col("index_date").dt.offset_by("12mo") + pl.duration(days=1))
        .otherwise(pl.col("index_date") + pl.duration(days=30))  # proven too late, below
    )  # fmt: skip
    outside = outside.with_columns(offence_date=offence).with_columns(
        proven_date=pl.when(pl.Series(kind == 5))
        .then(pl.col("index_date").dt.offset_by("18mo") + pl.duration(days=days.clip(1, 400)))
        .otherwise(pl.col("offence_date") + pl.duration(days=days.clip(0, 150)))
    )
    offences = (
        pl.concat([inside, outside])
        .select(
            person_id=ids.gather(pl.concat([inside["person"], outside["person"]])),
            offence_date=pl.col("offence_date").cast(pl.Date),
            proven_date=pl.col("proven_date").cast(pl.Date),
        )
        .sample(fraction=1.0, shuffle=True, seed=seed + 2)
    )
    if offences.height < MIN_OFFENCE_ROWS and people >= 600_000:
        raise SystemExit(f"only {offences.height:,} offence rows; the benchmark needs 2,000,000")
    cohort_path, offences_path = directory / "cohort.csv", directory / "offences.csv"
    cohort.write_csv(cohort_path, date_format="%Y-%m-%d")
    offences.write_csv(offences_path, date_format="%Y-%m-%d")
    sizes = {
        "people": people,
        "cohort_rows": cohort.height,
        "offence_rows": offences.height,
        "cohort_mib": cohort_path.stat().st_size // 2**20,
        "offences_mib": offences_path.stat().st_size // 2**20,
    }
    return cohort_path, offences_path, sizes


def repeated(frame: pl.DataFrame, times: np.ndarray) -> pl.DataFrame:
    """Each row of ``frame`` ``times`` times (0 leaves it out)."""
    return (
        frame.with_columns(times=pl.Series(times))
        .filter(pl.col("times") > 0)
        .select(pl.exclude("times").repeat_by(pl.col("times")).explode())
    )


def run_child(command: list[str], output: Path) -> tuple[float, float, float, int]:
    """Run ``command`` with stdout to ``output``: wall seconds, CPU seconds (user + system, all
    threads), peak RSS MiB, exit code."""
    with output.open("wb") as stdout:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=stdout, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, child.returncode  # kB on Linux


def timed(name: str, command: list[str], output: Path, runs: int) -> tuple[float, float, float]:
    """Median wall seconds, median CPU seconds and the highest peak RSS over ``runs`` runs."""
    seconds, cpus, peaks = [], [], []
    for n in range(1, runs + 1):
        load = os.getloadavg()[0]
        wall, cpu, peak, code = run_child(command, output)
        if code != 0:
            raise SystemExit(f"{name} failed (exit code {code}): {' '.join(command)}")
        print(
            f"  {name} run {n}: {wall:.2f} s ({cpu:.2f} s CPU), peak {peak:,.0f} MiB "
            f"(load average {load:.1f})",
            flush=True,
        )
        seconds.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
    return statistics.median(seconds), statistics.median(cpus), max(peaks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=600_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--generate-into", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_into:  # in a child, so the timed children do not inherit its memory
        *_, sizes = generate(args.generate_into, people=args.people, seed=args.seed)
        print(json.dumps(sizes))
        return 0

    probation = Path(sys.executable).parent / "probation"
    with tempfile.TemporaryDirectory(prefix="bench-reoffending-") as temp:
        directory = Path(temp)
        started = time.perf_counter()
        generator = [
            sys.executable, __file__, "--generate-into", str(directory),
            "--people", str(args.people), "--seed", str(args.seed),
        ]  # fmt: skip
        sizes = json.loads(subprocess.run(generator, check=True, capture_output=True).stdout)
        cohort, offences = directory / "cohort.csv", directory / "offences.csv"
        print(
            f"generated in {time.perf_counter() - started:.1f} s (not timed): "
            f"{sizes['people']:,} people, {sizes['cohort_rows']:,} cohort rows "
            f"({sizes['cohort_mib']} MiB), {sizes['offence_rows']:,} offence rows "
            f"({sizes['offences_mib']} MiB); {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f}",
            flush=True,
        )
        files = ["--cohort", str(cohort), "--offences", str(offences)]
        engine_command = [
            str(probation), "reoffending", "measure", *files,
            "--format", "json", "--measured-on", MEASURED_ON,
        ]  # fmt: skip
        pandas_command = [
            sys.executable, str(ROOT / "benchmarks" / "reoffending_pandas.py"), *files,
            "--measured-on", MEASURED_ON,
        ]  # fmt: skip
        startup_command = [str(probation), "reoffending", "measure", "--help"]
        engine_out, pandas_out = directory / "engine.json", directory / "pandas.json"

        startup, startup_cpu, startup_peak = timed(
            "start-up", startup_command, directory / "help", args.runs
        )
        engine, engine_cpu, engine_peak = timed("engine", engine_command, engine_out, args.runs)
        pandas, pandas_cpu, pandas_peak = timed("pandas", pandas_command, pandas_out, args.runs)
        engine_doc = json.loads(engine_out.read_text())
        pandas_doc = json.loads(pandas_out.read_text())

    same = engine_doc == pandas_doc
    total = next(r for r in engine_doc["results"] if r["contract_area"] is None)
    print()
    print(f"{'':<34}{'median s':>10}{'CPU s':>8}{'peak MiB':>10}")
    for label, wall, cpu, peak in (
        ("probation reoffending measure", engine, engine_cpu, engine_peak),
        ("  of which start-up (--help)", startup, startup_cpu, startup_peak),
        ("pandas (reoffending_pandas.py)", pandas, pandas_cpu, pandas_peak),
    ):
        print(f"{label:<34}{wall:>10.2f}{cpu:>8.2f}{peak:>10,.0f}")
    print(f"pandas / engine: {pandas / engine:.1f}× (CPU {pandas_cpu / engine_cpu:.1f}×)")
    print(
        f"results identical: {'yes' if same else 'NO'} ({len(engine_doc['results'])} rows; "
        f"2016Q1 reoffenders {total['reoffenders']:,} of {total['cohort_size']:,}, binary rate "
        f"{total['binary_rate']:.3f}, {total['reoffences']:,} reoffences)"
    )
    summary = {
        **sizes,
        "engine_seconds": round(engine, 2),
        "engine_cpu_seconds": round(engine_cpu, 2),
        "engine_peak_mib": round(engine_peak),
        "pandas_seconds": round(pandas, 2),
        "pandas_cpu_seconds": round(pandas_cpu, 2),
        "pandas_peak_mib": round(pandas_peak),
        "startup_seconds": round(startup, 2),
        "startup_cpu_seconds": round(startup_cpu, 2),
        "ratio": round(pandas / engine, 1),
        "identical": same,
    }
    print(json.dumps(summary))
    if args.people >= 600_000 and (engine > TARGET_SECONDS or engine_peak > TARGET_MIB):
        print(f"WARNING: outside the target ({TARGET_SECONDS} s and {TARGET_MIB} MiB)")
    if not same:
        differing = [key for key in engine_doc if engine_doc.get(key) != pandas_doc.get(key)]
        print(f"the JSON documents differ in: {', '.join(differing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
