"""Reading a cohort file and an offences file for the reoffending engine, checking every row.

``probation reoffending measure`` (``docs/how-to/measure-reoffending.md``) lets an analyst
reproduce a published figure from files, so a bad row must never be measured silently: each
problem is reported with its file and line, and the run fails unless the analyst chose to skip
invalid rows (then the skipped rows are counted in the output). The columns are the spec's
(``docs/domain/reoffending-and-payment.md``, "Engine interface"):

- cohort: ``person_id, index_date, cohort, contract_area`` and, optionally, ``ogrs3_one_year``
  (a whole percent, 0 to 100);
- offences: ``person_id, offence_date, proven_date``.

Files are CSV (a header line is required; values are trimmed of surrounding spaces) or Parquet,
chosen by the extension. Dates are ISO ``YYYY-MM-DD`` only: ``5/1/2016`` means different days
in different countries. Every check is a Polars expression over whole columns: values are read
as text, cast with ``strict=False``, and a value that was present but became null is a problem.

A CSV line number counts the header as line 1 and follows values that span lines, so it is the
line an editor shows; in a Parquet file there are no lines, so the problem gives the row number
(the first row is row 1).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from probation.performance.engine import COHORT_SCHEMA, ENGINE_VERSION, OFFENCE_SCHEMA

#: A larger file is refused before it is read: 2 GB of CSV is several national cohorts.
MAX_INPUT_BYTES = 2 * 1024**3
#: Problems printed before "and N more".
PRINTED_PROBLEMS = 20

COHORT_REQUIRED = ("person_id", "index_date", "cohort", "contract_area")
COHORT_OPTIONAL = ("ogrs3_one_year",)
OFFENCE_REQUIRED = ("person_id", "offence_date", "proven_date")

_POSITION = "__position"
_TYPED = "__typed_"
_FLAG = "__invalid_"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_WHOLE_PERCENT = r"^\d{1,3}$"
_SHOWN_VALUE_CHARS = 40


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file; ``line`` None is about the whole file."""

    file: str
    line: int | None
    reason: str
    unit: str = "line"

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.reason}"
        where = f"{self.line}" if self.unit == "line" else f"row {self.line}"
        return f"{self.file}:{where}: {self.reason}"


class InputError(Exception):
    """The files cannot be measured as they are; ``problems`` says where and why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self, limit: int = PRINTED_PROBLEMS) -> list[str]:
        shown = [str(problem) for problem in self.problems[:limit]]
        if len(self.problems) > limit:
            shown.append(f"and {len(self.problems) - limit:,} more problems")
        return shown


@dataclass(frozen=True)
class Loaded:
    """A checked frame of the engine's schema, and the problems of the rows left out of it."""

    frame: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0


@dataclass(frozen=True)
class MeasureInputs:
    cohort: pl.DataFrame
    offences: pl.DataFrame
    skipped_cohort: int
    skipped_offences: int


def read_measure_inputs(
    cohort_path: Path,
    offences_path: Path,
    *,
    skip_invalid: bool = False,
    max_bytes: int = MAX_INPUT_BYTES,
) -> MeasureInputs:
    """Both files, checked. Raises :class:`InputError` listing the problems of both files.

    Without ``skip_invalid`` any problem fails the run; with it, invalid rows are left out and
    counted. An offence is checked against the people of the cohort rows that are kept (with
    ``skip_invalid``) or of every cohort row with a person id (without it, so one bad cohort row
    is reported once, not again for each of the person's offences). A problem with a file as a
    whole (missing, too large, a missing column) always fails the run.
    """
    cohort = read_cohort(cohort_path, skip_invalid=skip_invalid, max_bytes=max_bytes)
    offences = read_offences(
        offences_path,
        people=cohort.frame["person_id"],
        skip_invalid=skip_invalid,
        max_bytes=max_bytes,
    )
    problems = cohort.problems + offences.problems
    if problems and not skip_invalid:
        raise InputError(problems)
    return MeasureInputs(
        cohort=cohort.frame,
        offences=offences.frame,
        skipped_cohort=cohort.skipped,
        skipped_offences=offences.skipped,
    )


def read_cohort(
    path: Path, *, skip_invalid: bool = False, max_bytes: int = MAX_INPUT_BYTES
) -> Loaded:
    """The cohort file as :data:`~probation.performance.engine.COHORT_SCHEMA`.

    Without ``skip_invalid`` the frame keeps every row that has a person id (the caller fails
    the run on any problem, but still needs the people to check the offences against).
    """
    raw = _read_text_columns(path, COHORT_REQUIRED, COHORT_OPTIONAL, max_bytes=max_bytes)
    if "ogrs3_one_year" not in raw.frame.columns:
        raw = raw.with_frame(
            raw.frame.with_columns(pl.lit(None, dtype=pl.String).alias("ogrs3_one_year"))
        )
    name = str(path)
    checks = [
        *_present(("person_id", "cohort", "contract_area")),
        *_dates(("index_date",)),
        (
            pl.col("ogrs3_one_year").is_not_null() & (_whole_percent("ogrs3_one_year").is_null()),
            _reason("ogrs3_one_year", "not a whole number from 0 to 100"),
        ),
    ]
    typed = {
        "index_date": _iso_date("index_date"),
        "ogrs3_one_year": _whole_percent("ogrs3_one_year"),
    }
    return _checked(raw, typed, checks, COHORT_SCHEMA, name, skip_invalid=skip_invalid)


def read_offences(
    path: Path,
    *,
    people: pl.Series,
    skip_invalid: bool = False,
    max_bytes: int = MAX_INPUT_BYTES,
) -> Loaded:
    """The offences file as :data:`~probation.performance.engine.OFFENCE_SCHEMA`.

    ``people`` are the cohort's person ids: an offence of anyone else is an "unknown person"
    (most often a typing error in the id, which would otherwise lower the rates silently).
    """
    raw = _read_text_columns(path, OFFENCE_REQUIRED, (), max_bytes=max_bytes)
    # An anti-join: Polars' is_in over millions of strings is several times slower.
    unknown_at = (
        raw.frame.lazy()
        .select(_POSITION, "person_id")
        .join(people.to_frame("person_id").lazy(), on="person_id", how="anti")
        .filter(pl.col("person_id").is_not_null())
        .collect()[_POSITION]
    )
    dates = ("offence_date", "proven_date")
    typed = {column: _iso_date(column) for column in dates}
    checks = [
        *_present(("person_id",)),
        *_dates(dates),
        (
            pl.col(_POSITION).is_in(unknown_at.implode()),
            _reason("person_id", "unknown person"),
        ),
        (
            _iso_date("proven_date") < _iso_date("offence_date"),
            pl.concat_str(
                pl.lit("proven_date: before the offence date ("),
                pl.col("proven_date"),
                pl.lit(" is before "),
                pl.col("offence_date"),
                pl.lit(")"),
            ),
        ),
    ]
    return _checked(raw, typed, checks, OFFENCE_SCHEMA, str(path), skip_invalid=skip_invalid)


# --- Reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Raw:
    """Every value as trimmed text (null when empty), with each row's line or row number."""

    frame: pl.DataFrame
    unit: str

    def with_frame(self, frame: pl.DataFrame) -> _Raw:
        return _Raw(frame=frame, unit=self.unit)


def _read_text_columns(
    path: Path, required: Sequence[str], optional: Sequence[str], *, max_bytes: int
) -> _Raw:
    name = str(path)
    kind = path.suffix.lower()
    if kind not in (".csv", ".parquet"):
        raise InputError([Problem(name, None, "must be a .csv or .parquet file")])
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError([Problem(name, None, "no such file")]) from None
    except OSError as error:
        raise InputError([Problem(name, None, f"cannot be read ({error.strerror})")]) from None
    if not path.is_file():
        raise InputError([Problem(name, None, "not a file")])
    if size > max_bytes:
        raise InputError(
            [
                Problem(
                    name,
                    None,
                    f"too large ({size:,} bytes; the limit is {max_bytes:,}): "
                    "split it, for example by cohort",
                )
            ]
        )
    if kind == ".csv":
        columns = _csv_columns(path)
        _check_columns(name, columns, required, optional, line=1)
        frame = _read_csv(path)
        return _Raw(frame=frame.with_row_index(_POSITION), unit="line")
    frame = _read_parquet(path)
    _check_columns(name, frame.columns, required, optional, line=None)
    try:
        as_text = frame.select(_as_text(frame, column) for column in frame.columns)
    except pl.exceptions.PolarsError:
        types = ", ".join(f"{column} ({dtype})" for column, dtype in frame.schema.items())
        raise InputError(
            [Problem(name, None, f"a column is not text, a date or a number: {types}")]
        ) from None
    return _Raw(frame=as_text.with_row_index(_POSITION), unit="row")


def _csv_columns(path: Path) -> list[str]:
    """The header's column names, without spaces around them."""
    try:
        names = pl.read_csv(path, n_rows=0, infer_schema=False).columns
    except pl.exceptions.NoDataError:
        raise InputError([Problem(str(path), 1, "empty file: a header line is required")]) from None
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError([Problem(str(path), None, _unreadable("CSV", error))]) from None
    return [name.strip() for name in names]


def _read_csv(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError([Problem(str(path), None, _unreadable("CSV", error))]) from None
    frame.columns = [name.strip() for name in frame.columns]
    return frame.with_columns(_trimmed(pl.all()))


def _trimmed(text: pl.Expr) -> pl.Expr:
    """Spaces around a value dropped, and a value of nothing (``""`` in a CSV file) missing."""
    stripped = text.str.strip_chars()
    return pl.when(stripped.str.len_bytes() > 0).then(stripped)


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        return pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError([Problem(str(path), None, _unreadable("Parquet", error))]) from None


def _unreadable(kind: str, error: Exception) -> str:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"cannot be read as {kind} ({first_line[:200]})"


def _as_text(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A Parquet column as the text a CSV would hold, so both are checked by the same rules."""
    dtype = frame.schema[column]
    if dtype == pl.Date:
        return pl.col(column).dt.strftime("%Y-%m-%d")
    if dtype == pl.String:
        return _trimmed(pl.col(column))
    return pl.col(column).cast(pl.String)


def _check_columns(
    name: str,
    columns: Sequence[str],
    required: Sequence[str],
    optional: Sequence[str],
    *,
    line: int | None,
) -> None:
    problems = [
        Problem(name, line, f"missing column {column!r}")
        for column in required
        if column not in columns
    ]
    allowed = set(required) | set(optional)
    problems += [
        Problem(name, line, f"unexpected column {column!r} (expected {', '.join(required)})")
        for column in columns
        if column not in allowed
    ]
    if len(set(columns)) != len(columns):
        problems.append(Problem(name, line, "a column name is repeated"))
    if problems:
        raise InputError(problems)


def _line_numbers(text: pl.DataFrame, unit: str) -> pl.DataFrame:
    """Each row's position → its line in the CSV file (the header is line 1, and a quoted value
    may span lines), or its row number in a Parquet file (the first is 1). Only computed when
    there are problems to report."""
    position = pl.col(_POSITION).cast(pl.Int64)
    data_columns = [column for column in text.columns if column != _POSITION]
    if unit != "line" or not data_columns:
        return text.select(_POSITION, (position + (2 if unit == "line" else 1)).alias("line"))
    breaks = pl.sum_horizontal(
        pl.col(column).str.count_matches("\n", literal=True).fill_null(0) for column in data_columns
    )
    return text.select(_POSITION, (position + 2 + breaks.cum_sum() - breaks).alias("line"))


# --- Checking -----------------------------------------------------------------------------

_Check = tuple[pl.Expr, pl.Expr]


def _shown(column: str) -> pl.Expr:
    """The offending value as it will be printed: bounded, so a huge cell cannot flood stderr."""
    value = pl.col(column)
    return (
        pl.when(value.str.len_chars() > _SHOWN_VALUE_CHARS)
        .then(pl.concat_str(value.str.slice(0, _SHOWN_VALUE_CHARS), pl.lit("…")))
        .otherwise(value)
    )


def _reason(column: str, what: str) -> pl.Expr:
    return pl.concat_str(pl.lit(f"{column}: {what} ("), _shown(column), pl.lit(")"))


def _present(columns: Sequence[str]) -> list[_Check]:
    return [(pl.col(column).is_null(), pl.lit(f"{column}: missing")) for column in columns]


def _iso_date(column: str) -> pl.Expr:
    """The value as a date if it is a real ``YYYY-MM-DD`` day, else null."""
    value = pl.col(column)
    return (
        pl.when(value.str.contains(_ISO_DATE))
        .then(value.str.to_date("%Y-%m-%d", strict=False))
        .otherwise(None)
    )


def _dates(columns: Sequence[str]) -> list[_Check]:
    checks: list[_Check] = []
    for column in columns:
        checks.append((pl.col(column).is_null(), pl.lit(f"{column}: missing")))
        checks.append(
            (
                pl.col(column).is_not_null() & _iso_date(column).is_null(),
                _reason(column, "not a date"),
            )
        )
    return checks


def _whole_percent(column: str) -> pl.Expr:
    value = pl.col(column)
    number = value.cast(pl.Int64, strict=False)
    return (
        pl.when(value.str.contains(_WHOLE_PERCENT) & (number <= 100)).then(number).otherwise(None)
    )


def _checked(
    raw: _Raw,
    typed: dict[str, pl.Expr],
    checks: Sequence[_Check],
    schema: dict[str, pl.DataType | type[pl.DataType]],
    name: str,
    *,
    skip_invalid: bool,
) -> Loaded:
    """Run every check and every conversion in one pass; then find the reasons for the few rows
    that failed. Keep the valid rows (or, when not skipping, all rows with a person id: the run
    fails anyway, and the offences are checked against them)."""
    text = raw.frame
    data_columns = [column for column in text.columns if column != _POSITION]
    blank = pl.all_horizontal(pl.col(column).is_null() for column in data_columns)
    flags = [f"{_FLAG}{n}" for n in range(len(checks))]
    evaluated = (
        text.lazy()
        .with_columns(
            *(expr.alias(f"{_TYPED}{column}") for column, expr in typed.items()),
            *(
                (~blank & condition).fill_null(False).alias(flag)
                for flag, (condition, _) in zip(flags, checks, strict=True)
            ),
            blank.alias(f"{_FLAG}blank"),
        )
        .collect()
    )
    flags.append(f"{_FLAG}blank")
    reasons = [reason for _, reason in checks] + [pl.lit("blank line")]
    invalid = pl.any_horizontal(flags)
    failed = evaluated.filter(invalid)
    problems = []
    if failed.height:
        found = (
            pl.concat(
                [
                    failed.lazy().filter(pl.col(flag)).select(_POSITION, reason.alias("reason"))
                    for flag, reason in zip(flags, reasons, strict=True)
                ],
                how="vertical",
            )
            .sort(_POSITION, maintain_order=True)
            .join(_line_numbers(text, raw.unit).lazy(), on=_POSITION, maintain_order="left")
            .select("line", "reason")
            .collect()
        )
        problems = [
            Problem(name, int(line), str(reason), raw.unit) for line, reason in found.iter_rows()
        ]
    columns = [
        pl.col(f"{_TYPED}{column}" if column in typed else column).cast(dtype).alias(column)
        for column, dtype in schema.items()
    ]
    if not failed.height:  # the usual case: nothing to leave out, nothing to copy
        frame = evaluated.select(columns)
    else:
        keep = ~invalid if skip_invalid else pl.col("person_id").is_not_null()
        frame = evaluated.lazy().filter(keep).select(columns).collect()
    return Loaded(frame=frame, problems=problems, skipped=failed.height if skip_invalid else 0)


# --- Writing the result -------------------------------------------------------------------


def result_document(
    results: pl.DataFrame,
    *,
    fingerprint: str,
    measured_on: dt.date | None,
    skipped_cohort: int,
    skipped_offences: int,
) -> dict[str, Any]:
    """The JSON document ``probation reoffending measure --format json`` prints.

    ``engine_version`` and ``data_fingerprint`` are what a published figure is reproduced from
    (``docs/how-to/measure-reoffending.md``); rates are unrounded floats, null when their
    denominator is 0.
    """
    return {
        "engine_version": ENGINE_VERSION,
        "data_fingerprint": fingerprint,
        "measured_on": measured_on.isoformat() if measured_on else None,
        "skipped_rows": {"cohort": skipped_cohort, "offences": skipped_offences},
        "results": results.to_dicts(),
    }


def results_csv(results: pl.DataFrame) -> str:
    """The results as CSV, the columns of the JSON ``results`` (empty cells for null)."""
    return results.write_csv(null_value="", line_terminator="\n")


def parse_day(option: str, text: str) -> dt.date:
    """An ISO ``YYYY-MM-DD`` day given on the command line; anything else is an InputError."""
    shown = text if len(text) <= _SHOWN_VALUE_CHARS else text[:_SHOWN_VALUE_CHARS] + "…"
    if re.fullmatch(_ISO_DATE, text.strip()):
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            pass
    raise InputError([Problem(option, None, f"not a date in the form YYYY-MM-DD ({shown})")])


def results_cells(results: pl.DataFrame) -> list[list[str]]:
    """The results as text for a terminal table: rates to 3 places, "all areas" for a total."""
    return [
        [
            _cell(row["contract_area"] or "all areas" if key == "contract_area" else value)
            for key, value in row.items()
        ]
        for row in results.iter_rows(named=True)
    ]


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return f"{value:,}" if isinstance(value, int) else str(value)
