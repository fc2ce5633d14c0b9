"""The proven reoffending measures in pandas: the comparison for ``bench_reoffending.py``.

Usage::

    python benchmarks/reoffending_pandas.py --cohort cohort.csv --offences offences.csv \\
        [--measured-on YYYY-MM-DD]

The same definitions as ``probation.performance.engine`` (``docs/domain/reoffending-and-payment.md``),
written as idiomatic, vectorised pandas, as an analyst fluent in pandas would: ``read_csv`` with
text columns, ``to_datetime(format="%Y-%m-%d")`` with ``errors="coerce"``,
``pd.DateOffset(months=12)`` for calendar months (it clamps to the month's end like
``probation.rules.dates.add_months``), ``drop_duplicates`` for the first index event, a
``merge`` and ``groupby`` for the counts. No Python loop over rows.

To be a fair comparison it does the same work as ``probation reoffending measure --format
json``: it checks the same things (dates, persons, whole-percent OGRS3, proven before
committed; a bad row fails the run, reported with its line, though without
``--skip-invalid``), and prints the same JSON document, including the same data fingerprint
(the engine's canonical CSV of the checked frames, written here with ``to_csv``)
so the benchmark can check the two outputs are identical.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

import numpy as np
import pandas as pd

ENGINE_VERSION = "1.0.0"  # the version of the definitions this reproduces
COHORT_COLUMNS = ["person_id", "index_date", "cohort", "contract_area", "ogrs3_one_year"]
OFFENCE_COLUMNS = ["person_id", "offence_date", "proven_date"]
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def read_checked(path: str, columns: list[str], dates: list[str]) -> tuple[pd.DataFrame, list]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    missing = [c for c in columns if c not in frame.columns and c != "ogrs3_one_year"]
    extra = [c for c in frame.columns if c not in columns]
    if missing or extra:
        raise SystemExit(f"{path}:1: wrong columns (missing {missing}, unexpected {extra})")
    if "ogrs3_one_year" in columns and "ogrs3_one_year" not in frame.columns:
        frame["ogrs3_one_year"] = np.nan
    frame = frame[columns].apply(lambda column: column.str.strip())
    problems = []
    line = frame.index.to_series() + 2
    for column in ("person_id", "cohort", "contract_area"):
        if column in frame.columns:
            problems += [(n, f"{column}: missing") for n in line[frame[column].isna()]]
    for column in dates:
        text = frame[column]
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        parsed = parsed.where(text.str.match(ISO_DATE, na=False))
        problems += [(n, f"{column}: missing") for n in line[text.isna()]]
        bad = text.notna() & parsed.isna()
        problems += [
            (n, f"{column}: not a date ({v})") for n, v in zip(line[bad], text[bad], strict=True)
        ]
        frame[column] = parsed
    return frame, problems


def read_inputs(cohort_path: str, offences_path: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    cohort, cohort_problems = read_checked(cohort_path, COHORT_COLUMNS, ["index_date"])
    score = cohort["ogrs3_one_year"]
    whole = score.str.fullmatch(r"\d{1,3}", na=False)
    number = pd.to_numeric(score.where(whole), errors="coerce").astype("Int64")
    bad = score.notna() & ~(whole & (number <= 100))
    cohort_problems += [
        (n, f"ogrs3_one_year: not a whole number from 0 to 100 ({v})")
        for n, v in zip(cohort.index[bad] + 2, score[bad], strict=True)
    ]
    cohort["ogrs3_one_year"] = number

    offences, offence_problems = read_checked(
        offences_path, OFFENCE_COLUMNS, ["offence_date", "proven_date"]
    )
    unknown = offences["person_id"].notna() & ~offences["person_id"].isin(
        cohort["person_id"].dropna()
    )
    early = offences["proven_date"] < offences["offence_date"]
    offence_problems += [(n, "person_id: unknown person") for n in offences.index[unknown] + 2]
    offence_problems += [
        (n, "proven_date: before the offence date") for n in offences.index[early] + 2
    ]
    problems = [(cohort_path, *p) for p in sorted(cohort_problems)]
    problems += [(offences_path, *p) for p in sorted(offence_problems)]
    if problems:
        for path, line, reason in problems[:20]:
            print(f"{path}:{line}: {reason}", file=sys.stderr)
        raise SystemExit(2)
    return cohort, offences


def measure(cohort: pd.DataFrame, offences: pd.DataFrame, measured_on: str | None) -> list[dict]:
    members = cohort.sort_values("index_date", kind="stable").drop_duplicates(
        ["person_id", "cohort"], keep="first"
    )
    windows = members[["person_id", "cohort", "index_date"]].assign(
        follow_up_ends=members["index_date"] + pd.DateOffset(months=12),
        proven_by=members["index_date"] + pd.DateOffset(months=18),
    )
    joined = windows.merge(offences, on="person_id", how="inner")
    counted = joined[
        (joined["offence_date"] > joined["index_date"])
        & (joined["offence_date"] <= joined["follow_up_ends"])
        & (joined["proven_date"] <= joined["proven_by"])
    ]
    reoffences = counted.groupby(["person_id", "cohort"]).size().rename("reoffences")
    members = members.merge(reoffences, on=["person_id", "cohort"], how="left")
    members["reoffences"] = members["reoffences"].fillna(0).astype("int64")
    members["reoffender"] = members["reoffences"] > 0

    def sums(keys: list[str]) -> pd.DataFrame:
        return (
            members.groupby(keys, sort=False)
            .agg(
                cohort_size=("person_id", "size"),
                reoffenders=("reoffender", "sum"),
                reoffences=("reoffences", "sum"),
                last_index_date=("index_date", "max"),
            )
            .reset_index()
        )

    rows = pd.concat([sums(["cohort", "contract_area"]), sums(["cohort"])], ignore_index=True)
    rows["binary_rate"] = rows["reoffenders"] / rows["cohort_size"]
    rows["frequency_per_reoffender"] = (rows["reoffences"] / rows["reoffenders"]).where(
        rows["reoffenders"] > 0
    )
    rows["frequency_per_100"] = rows["reoffences"] / rows["cohort_size"] * 100
    if measured_on is None:
        rows["provisional"] = None
    else:
        final_on = rows.groupby("cohort")["last_index_date"].transform("max") + pd.DateOffset(
            months=18
        )
        rows["provisional"] = pd.Timestamp(measured_on) < final_on
    rows = rows.sort_values(["cohort", "contract_area"], na_position="last", kind="stable")
    columns = [
        "cohort", "contract_area", "cohort_size", "reoffenders", "reoffences", "binary_rate",
        "frequency_per_reoffender", "frequency_per_100", "provisional",
    ]  # fmt: skip
    records = rows[columns].astype(object).where(rows[columns].notna(), None)
    return [
        {
            key: value.item() if isinstance(value, np.generic) else value
            for key, value in row.items()
        }
        for row in records.to_dict("records")
    ]


def canonical_csv(frame: pd.DataFrame) -> str:
    """The engine's canonical form: columns by name, rows sorted (nulls first), CSV quoted
    only where needed. ``to_csv`` writes a null and an empty string alike, which is the same
    here because checked data has no empty strings (they are missing values)."""
    names = sorted(frame.columns)
    ordered = frame[names].sort_values(names, na_position="first", kind="stable")
    return ordered.to_csv(header=False, index=False, lineterminator="\n", date_format="%Y-%m-%d")


def fingerprint(*frames: tuple[pd.DataFrame, dict[str, str]]) -> str:
    digest = hashlib.sha256(f"probation-reoffending-data/{len(frames)}\n".encode())
    for frame, types in frames:
        header = ",".join(f"{name}:{types[name]}" for name in sorted(frame.columns))
        body = canonical_csv(frame).encode()
        digest.update(f"{header}\n{len(frame)}\n{len(body)}\n".encode())
        digest.update(body)
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohort", required=True)
    parser.add_argument("--offences", required=True)
    parser.add_argument("--measured-on", default=None)
    parser.add_argument("--format", choices=["json"], default="json")
    args = parser.parse_args()
    cohort, offences = read_inputs(args.cohort, args.offences)
    cohort_types = {"person_id": "String", "index_date": "Date", "cohort": "String",
                    "contract_area": "String", "ogrs3_one_year": "Int64"}  # fmt: skip
    offence_types = {"person_id": "String", "offence_date": "Date", "proven_date": "Date"}
    document = {
        "engine_version": ENGINE_VERSION,
        "data_fingerprint": fingerprint((cohort, cohort_types), (offences, offence_types)),
        "measured_on": args.measured_on,
        "skipped_rows": {"cohort": 0, "offences": 0},
        "results": measure(cohort, offences, args.measured_on),
    }
    print(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
