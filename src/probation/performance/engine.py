"""The proven reoffending engine: whole cohorts at once, in Polars.

The definitions are the Ministry of Justice's, as written in
``docs/domain/reoffending-and-payment.md``: a person's **first** index event in a cohort counts;
an offence is a proven reoffence when ``index_date < offence_date <= index_date + 12 months`` and
``proven_date <= index_date + 18 months``. The per-person rule lives in
``probation.rules.reoffending.counts_as_reoffence``; this module applies the same windows to
millions of rows with columnar joins and filters, never a Python loop over rows, so a national
annual cohort is measured in seconds (``benchmarks/bench_reoffending.py``).

Calendar months are added with Polars' ``dt.offset_by("12mo")``, which clamps to the end of
the month exactly like ``probation.rules.dates.add_months`` (29 February 2016 + 12 months =
28 February 2017); ``tests/performance/test_engine.py`` compares the two over every day of
2015-2017.

Nothing here touches the database or saves anything: the same frames give the same output, in
the same order, so a published figure can be reproduced from its data's :func:`fingerprint` and
:data:`ENGINE_VERSION`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import polars as pl

from probation.rules.reoffending import FOLLOW_UP_MONTHS, PROVEN_WITHIN_MONTHS

#: Recorded with every result; bump it whenever a definition or an output column changes.
ENGINE_VERSION = "1.0.0"

#: The columns a cohort frame must have (``ogrs3_one_year`` may be null: a whole percent).
COHORT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "person_id": pl.String,
    "index_date": pl.Date,
    "cohort": pl.String,
    "contract_area": pl.String,
    "ogrs3_one_year": pl.Int64,
}
#: The columns an offences frame must have: one row per proven offence.
OFFENCE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "person_id": pl.String,
    "offence_date": pl.Date,
    "proven_date": pl.Date,
}
#: The columns of :func:`measure`'s result, in order.
RESULT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "cohort": pl.String,
    "contract_area": pl.String,
    "cohort_size": pl.Int64,
    "reoffenders": pl.Int64,
    "reoffences": pl.Int64,
    "binary_rate": pl.Float64,
    "frequency_per_reoffender": pl.Float64,
    "frequency_per_100": pl.Float64,
    "provisional": pl.Boolean,
}

_FOLLOW_UP = f"{FOLLOW_UP_MONTHS}mo"
_PROVEN_WITHIN = f"{PROVEN_WITHIN_MONTHS}mo"
_ROW = "__engine_row"


def _require(frame: pl.DataFrame, schema: dict[str, pl.DataType | type[pl.DataType]]) -> None:
    """Refuse a frame without the columns the definitions need (a programming error upstream)."""
    missing = [name for name in schema if name not in frame.columns]
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)}")


def first_index_events(cohort: pl.DataFrame) -> pl.DataFrame:
    """One row per ``(person_id, cohort)``: the earliest index date, ties to the earlier row.

    A person appears once per cohort (the spec's "first qualifying event in the period"); the
    same person in two cohorts is a member of both. Rows keep the order of the input.
    """
    _require(cohort, {k: COHORT_SCHEMA[k] for k in ("person_id", "index_date", "cohort")})
    return (
        cohort.lazy()
        .with_row_index(_ROW)
        .sort("index_date", _ROW)
        .unique(subset=["person_id", "cohort"], keep="first", maintain_order=True)
        .sort(_ROW)
        .drop(_ROW)
        .collect()
    )


def person_outcomes(cohort: pl.DataFrame, offences: pl.DataFrame) -> pl.DataFrame:
    """Each cohort member's first index event with ``reoffences``: their proven reoffences.

    Every column of ``cohort`` is carried through unchanged (the lead's members frame carries
    database keys through here). An offence with no proven date, or a null date anywhere, does
    not count: a comparison with null is not true.
    """
    _require(offences, OFFENCE_SCHEMA)
    members = first_index_events(cohort).with_row_index(_ROW)
    windows = members.lazy().select(
        _ROW,
        "person_id",
        "index_date",
        pl.col("index_date").dt.offset_by(_FOLLOW_UP).alias("follow_up_ends"),
        pl.col("index_date").dt.offset_by(_PROVEN_WITHIN).alias("proven_by"),
    )
    # Counted by the member's row number, an integer: grouping by two strings costs more.
    counted = (
        windows.join(
            offences.lazy().select("person_id", "offence_date", "proven_date"),
            on="person_id",
            how="inner",
        )
        .filter(
            (pl.col("offence_date") > pl.col("index_date"))
            & (pl.col("offence_date") <= pl.col("follow_up_ends"))
            & (pl.col("proven_date") <= pl.col("proven_by"))
        )
        .group_by(_ROW)
        .agg(pl.len().cast(pl.Int64).alias("reoffences"))
    )
    return (
        members.lazy()
        .join(counted, on=_ROW, how="left", maintain_order="left")
        .with_columns(pl.col("reoffences").fill_null(0))
        .drop(_ROW)
        .collect()
    )


def measure(
    cohort: pl.DataFrame, offences: pl.DataFrame, *, measured_on: dt.date | None = None
) -> pl.DataFrame:
    """The binary and frequency measures per ``(cohort, contract_area)`` and per cohort.

    The cohort's total has ``contract_area`` null and comes after its areas. A rate whose
    denominator is 0 is null, not 0 (no cohort, no rate). ``provisional`` is true for every
    row of a cohort measured before its last member's 18 months have passed
    (``Quarter.final_on`` is the same day for a whole quarter), null when ``measured_on`` is not
    given.
    """
    _require(cohort, {k: COHORT_SCHEMA[k] for k in ("cohort", "contract_area")})
    outcomes = person_outcomes(cohort, offences).lazy()
    sums = [
        pl.len().cast(pl.Int64).alias("cohort_size"),
        (pl.col("reoffences") > 0).sum().cast(pl.Int64).alias("reoffenders"),
        pl.col("reoffences").sum().cast(pl.Int64).alias("reoffences"),
        pl.col("index_date").max().alias("last_index_date"),
    ]
    by_area = outcomes.group_by("cohort", "contract_area").agg(sums)
    totals = (
        outcomes.group_by("cohort")
        .agg(sums)
        .with_columns(pl.lit(None, dtype=pl.String).alias("contract_area"))
    )
    rows = pl.concat([by_area, totals], how="diagonal")
    if measured_on is None:
        provisional = pl.lit(None, dtype=pl.Boolean)
    else:
        final_on = pl.col("last_index_date").max().over("cohort").dt.offset_by(_PROVEN_WITHIN)
        provisional = pl.lit(measured_on, dtype=pl.Date) < final_on
    return (
        rows.with_columns(
            _ratio("reoffenders", "cohort_size").alias("binary_rate"),
            _ratio("reoffences", "reoffenders").alias("frequency_per_reoffender"),
            (_ratio("reoffences", "cohort_size") * 100).alias("frequency_per_100"),
            provisional.alias("provisional"),
        )
        .sort("cohort", "contract_area", nulls_last=True)
        .select(pl.col(name).cast(dtype) for name, dtype in RESULT_SCHEMA.items())
        .collect()
    )


def _ratio(numerator: str, denominator: str) -> pl.Expr:
    """``numerator / denominator`` as a float, null when the denominator is 0."""
    return (
        pl.when(pl.col(denominator) > 0)
        .then(pl.col(numerator).cast(pl.Float64) / pl.col(denominator).cast(pl.Float64))
        .otherwise(None)
    )


def fingerprint(*frames: pl.DataFrame) -> str:
    """The SHA-256 (hex) of the frames' data, the same whatever the order of rows or columns.

    Each frame is written canonically: a line of its columns, sorted by name, with their types;
    a line with its number of rows and one with the length of its body; then its body, the rows
    sorted by every column (in that order, nulls first) as CSV without a header: ``,`` between
    values, ``\n`` after each row, dates ``YYYY-MM-DD``, a null as nothing and an empty string
    as ``""``, a value quoted (``"`` doubled) only when it is empty or holds ``,``, ``"``, or a
    line break. CSV text rather than Polars' row hashes, which are not stable across versions:
    a figure published today must be checkable next year. ``benchmarks/reoffending_pandas.py``
    computes the same digest independently, in pandas.
    """
    digest = hashlib.sha256(f"probation-reoffending-data/{len(frames)}\n".encode())
    for frame in frames:
        names = sorted(frame.columns)
        header = ",".join(f"{name}:{frame.schema[name]}" for name in names)
        canonical = frame.select(names)
        if names:
            canonical = canonical.sort(names)
        body = io.BytesIO()  # bytes straight from Polars: no str, no second copy
        canonical.write_csv(
            body, include_header=False, separator=",", quote_char='"', line_terminator="\n"
        )
        digest.update(f"{header}\n{frame.height}\n{body.tell()}\n".encode())
        digest.update(body.getbuffer())
    return digest.hexdigest()
