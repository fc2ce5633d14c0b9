"""Reading cohort and offences files: every bad row reported with its file and line, or skipped
and counted (``docs/domain/reoffending-and-payment.md``, "Engine interface")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from probation.performance import engine, files

COHORT_HEADER = "person_id,index_date,cohort,contract_area,ogrs3_one_year\n"
OFFENCE_HEADER = "person_id,offence_date,proven_date\n"
GOOD_COHORT = COHORT_HEADER + "A1,2016-01-05,2016Q1,C01,12\nB2,2016-02-29,2016Q1,C02,\n"
GOOD_OFFENCES = OFFENCE_HEADER + "A1,2016-03-01,2016-05-01\n"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(cohort: Path, offences: Path) -> list[str]:
    with pytest.raises(files.InputError) as raised:
        files.read_measure_inputs(cohort, offences)
    return [str(problem) for problem in raised.value.problems]


def test_good_files_are_read_into_the_engine_schemas(tmp_path):
    inputs = files.read_measure_inputs(
        write(tmp_path, "cohort.csv", GOOD_COHORT),
        write(tmp_path, "offences.csv", GOOD_OFFENCES),
    )
    assert inputs.cohort.schema == pl.Schema(engine.COHORT_SCHEMA)
    assert inputs.offences.schema == pl.Schema(engine.OFFENCE_SCHEMA)
    assert inputs.cohort.rows() == [
        ("A1", dt.date(2016, 1, 5), "2016Q1", "C01", 12),
        ("B2", dt.date(2016, 2, 29), "2016Q1", "C02", None),
    ]
    assert inputs.offences.rows() == [("A1", dt.date(2016, 3, 1), dt.date(2016, 5, 1))]
    assert (inputs.skipped_cohort, inputs.skipped_offences) == (0, 0)


def test_ogrs3_column_is_optional_and_spaces_around_values_are_trimmed(tmp_path):
    cohort = write(
        tmp_path,
        "cohort.csv",
        "person_id,index_date,cohort,contract_area\n A1 , 2016-01-05 ,2016Q1,C01\n",
    )
    inputs = files.read_measure_inputs(cohort, write(tmp_path, "o.csv", GOOD_OFFENCES))
    assert inputs.cohort.rows() == [("A1", dt.date(2016, 1, 5), "2016Q1", "C01", None)]


# (what, cohort rows after the header, expected problem after "cohort.csv:")
COHORT_PROBLEMS = [
    ("month 13", "A1,2016-13-01,2016Q1,C01,12", "2: index_date: not a date (2016-13-01)"),
    ("30 February", "A1,2016-02-30,2016Q1,C01,12", "2: index_date: not a date (2016-02-30)"),
    ("not ISO", "A1,05/01/2016,2016Q1,C01,12", "2: index_date: not a date (05/01/2016)"),
    ("no leading zeros", "A1,2016-1-5,2016Q1,C01,12", "2: index_date: not a date (2016-1-5)"),
    ("missing date", "A1,,2016Q1,C01,12", "2: index_date: missing"),
    ("empty person", ",2016-01-05,2016Q1,C01,12", "2: person_id: missing"),
    ("empty cohort", "A1,2016-01-05,,C01,12", "2: cohort: missing"),
    ("empty area", "A1,2016-01-05,2016Q1,,12", "2: contract_area: missing"),
    (
        "ogrs3 over 100",
        "A1,2016-01-05,2016Q1,C01,101",
        "2: ogrs3_one_year: not a whole number from 0 to 100 (101)",
    ),
    (
        "ogrs3 a fraction",
        "A1,2016-01-05,2016Q1,C01,12.5",
        "2: ogrs3_one_year: not a whole number from 0 to 100 (12.5)",
    ),
    (
        "ogrs3 negative",
        "A1,2016-01-05,2016Q1,C01,-1",
        "2: ogrs3_one_year: not a whole number from 0 to 100 (-1)",
    ),
    (
        "ogrs3 text",
        "A1,2016-01-05,2016Q1,C01,high",
        "2: ogrs3_one_year: not a whole number from 0 to 100 (high)",
    ),
    ("blank line", "", "2: blank line"),
]


@pytest.mark.parametrize(
    ("row", "expected"), [case[1:] for case in COHORT_PROBLEMS], ids=[c[0] for c in COHORT_PROBLEMS]
)
def test_a_bad_cohort_row_is_reported_with_its_line(tmp_path, row, expected):
    cohort = write(tmp_path, "cohort.csv", COHORT_HEADER + row + "\nZ9,2016-01-05,2016Q1,C01,0\n")
    offences = write(tmp_path, "offences.csv", OFFENCE_HEADER)
    assert problems_of(cohort, offences) == [f"{cohort}:{expected}"]


def test_ogrs3_bounds_0_and_100_are_accepted(tmp_path):
    cohort = write(
        tmp_path,
        "cohort.csv",
        COHORT_HEADER + "A1,2016-01-05,2016Q1,C01,0\nB2,2016-01-05,2016Q1,C01,100\n",
    )
    inputs = files.read_measure_inputs(cohort, write(tmp_path, "o.csv", OFFENCE_HEADER))
    assert inputs.cohort["ogrs3_one_year"].to_list() == [0, 100]


OFFENCE_PROBLEMS = [
    ("unknown person", "Q7,2016-03-01,2016-05-01", "2: person_id: unknown person (Q7)"),
    (
        "proven before the offence",
        "A1,2016-03-01,2016-02-28",
        "2: proven_date: before the offence date (2016-02-28 is before 2016-03-01)",
    ),
    ("no proven date", "A1,2016-03-01,", "2: proven_date: missing"),
    ("bad offence date", "A1,2016-03-32,2016-05-01", "2: offence_date: not a date (2016-03-32)"),
    ("empty person", ",2016-03-01,2016-05-01", "2: person_id: missing"),
]


@pytest.mark.parametrize(
    ("row", "expected"),
    [case[1:] for case in OFFENCE_PROBLEMS],
    ids=[c[0] for c in OFFENCE_PROBLEMS],
)
def test_a_bad_offence_row_is_reported_with_its_line(tmp_path, row, expected):
    cohort = write(tmp_path, "cohort.csv", GOOD_COHORT)
    offences = write(tmp_path, "offences.csv", OFFENCE_HEADER + row + "\n")
    assert problems_of(cohort, offences) == [f"{offences}:{expected}"]


def test_offences_on_the_same_day_as_proven_are_fine(tmp_path):
    offences = write(tmp_path, "o.csv", OFFENCE_HEADER + "A1,2016-03-01,2016-03-01\n")
    inputs = files.read_measure_inputs(write(tmp_path, "c.csv", GOOD_COHORT), offences)
    assert inputs.offences.height == 1


def test_line_numbers_count_the_header_blank_lines_and_values_that_span_lines(tmp_path):
    cohort = write(
        tmp_path,
        "cohort.csv",
        COHORT_HEADER
        + "A1,2016-01-05,2016Q1,C01,1\n"  # line 2
        + '"B\n2",2016-01-05,2016Q1,C01,1\n'  # lines 3-4
        + "\n"  # line 5
        + "C3,2016-01-05,2016Q1,C01,1\n"  # line 6
        + "D4,2016-99-05,2016Q1,C01,1\n",  # line 7
    )
    problems = problems_of(cohort, write(tmp_path, "o.csv", OFFENCE_HEADER))
    assert problems == [
        f"{cohort}:5: blank line",
        f"{cohort}:7: index_date: not a date (2016-99-05)",
    ]


def test_problems_of_both_files_are_listed_and_each_rows_problems_too(tmp_path):
    cohort = write(
        tmp_path,
        "cohort.csv",
        COHORT_HEADER + "A1,2016-01-05,2016Q1,C01,1\nB2,2016-00-01,2016Q1,C01,200\n",
    )
    offences = write(
        tmp_path,
        "offences.csv",
        OFFENCE_HEADER + "B2,2016-03-01,2016-05-01\nA1,,2016-01-01\n",
    )
    # B2's offence is not "unknown": B2 is in the cohort, with a bad row reported once.
    assert problems_of(cohort, offences) == [
        f"{cohort}:3: index_date: not a date (2016-00-01)",
        f"{cohort}:3: ogrs3_one_year: not a whole number from 0 to 100 (200)",
        f"{offences}:3: offence_date: missing",
    ]


def test_skip_invalid_drops_and_counts_bad_rows_and_their_orphaned_offences(tmp_path):
    cohort = write(
        tmp_path,
        "cohort.csv",
        COHORT_HEADER
        + "A1,2016-01-05,2016Q1,C01,1\nB2,2016-00-01,2016Q1,C01,200\nC3,2016-01-07,2016Q1,C02,\n",
    )
    offences = write(
        tmp_path,
        "offences.csv",
        OFFENCE_HEADER
        + "A1,2016-03-01,2016-05-01\n"
        + "B2,2016-03-01,2016-05-01\n"  # B2's cohort row was skipped: now unknown
        + "C3,2016-03-01,2016-02-01\n"  # proven before committed
        + "C3,2016-04-01,2016-05-01\n",
    )
    inputs = files.read_measure_inputs(cohort, offences, skip_invalid=True)
    assert inputs.cohort["person_id"].to_list() == ["A1", "C3"]
    assert inputs.offences.select("person_id", "offence_date").rows() == [
        ("A1", dt.date(2016, 3, 1)),
        ("C3", dt.date(2016, 4, 1)),
    ]
    assert (inputs.skipped_cohort, inputs.skipped_offences) == (1, 2)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "person_id,index_date,cohort,ogrs3_one_year",
            ["1: missing column 'contract_area'"],
        ),
        (
            "person_id,index_date,cohort,contract_area,notes",
            [
                "1: unexpected column 'notes' (expected person_id, index_date, cohort, "
                "contract_area)"
            ],
        ),
    ],
)
def test_wrong_columns_fail_even_when_skipping(tmp_path, header, expected):
    cohort = write(tmp_path, "cohort.csv", header + "\n")
    with pytest.raises(files.InputError) as raised:
        files.read_measure_inputs(
            cohort, write(tmp_path, "o.csv", OFFENCE_HEADER), skip_invalid=True
        )
    assert [str(p) for p in raised.value.problems] == [f"{cohort}:{e}" for e in expected]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("missing.csv", None, "no such file"),
        ("cohort.txt", GOOD_COHORT, "must be a .csv or .parquet file"),
        ("empty.csv", "", "1: empty file: a header line is required"),
        ("ragged.csv", COHORT_HEADER + "A1,2016-01-05,2016Q1,C01,1,extra\n", "cannot be read"),
        ("broken.parquet", "not parquet", "cannot be read as Parquet"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_message_not_a_traceback(tmp_path, name, text, expected):
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(files.InputError) as raised:
        files.read_cohort(path)
    (problem,) = raised.value.problems
    assert str(problem).startswith(f"{path}:")
    assert expected in str(problem)


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    cohort = write(tmp_path, "cohort.csv", GOOD_COHORT)
    with pytest.raises(files.InputError, match="too large"):
        files.read_cohort(cohort, max_bytes=10)
    assert files.MAX_INPUT_BYTES == 2 * 1024**3


def test_printed_problems_are_capped(tmp_path):
    rows = "".join(f"P{n},2016-13-01,2016Q1,C01,1\n" for n in range(25))
    cohort = write(tmp_path, "cohort.csv", COHORT_HEADER + rows)
    with pytest.raises(files.InputError) as raised:
        files.read_measure_inputs(cohort, write(tmp_path, "o.csv", OFFENCE_HEADER))
    lines = raised.value.lines()
    assert len(raised.value.problems) == 25
    assert len(lines) == 21
    assert lines[-1] == "and 5 more problems"
    assert lines[19] == f"{cohort}:21: index_date: not a date (2016-13-01)"


def test_a_long_bad_value_is_shortened_in_the_message(tmp_path):
    cohort = write(tmp_path, "cohort.csv", COHORT_HEADER + f"A1,{'9' * 500},2016Q1,C01,1\n")
    (problem,) = problems_of(cohort, write(tmp_path, "o.csv", OFFENCE_HEADER))
    assert problem == f"{cohort}:2: index_date: not a date ({'9' * 40}…)"


# --- Parquet ------------------------------------------------------------------------------


def test_parquet_files_are_read_like_csv(tmp_path):
    cohort = tmp_path / "cohort.parquet"
    pl.DataFrame(
        {
            "person_id": ["A1", "B2"],
            "index_date": [dt.date(2016, 1, 5), dt.date(2016, 2, 29)],
            "cohort": ["2016Q1", "2016Q1"],
            "contract_area": ["C01", "C02"],
            "ogrs3_one_year": [12, None],
        }
    ).write_parquet(cohort)
    offences = tmp_path / "offences.parquet"
    pl.DataFrame(
        {"person_id": ["A1"], "offence_date": ["2016-03-01"], "proven_date": ["2016-05-01"]}
    ).write_parquet(offences)
    inputs = files.read_measure_inputs(cohort, offences)
    csv_inputs = files.read_measure_inputs(
        write(tmp_path, "cohort.csv", GOOD_COHORT), write(tmp_path, "o.csv", GOOD_OFFENCES)
    )
    assert inputs.cohort.equals(csv_inputs.cohort)
    assert inputs.offences.equals(csv_inputs.offences)


def test_parquet_problems_give_the_row_number(tmp_path):
    cohort = tmp_path / "cohort.parquet"
    pl.DataFrame(
        {
            "person_id": ["A1", None, "C3"],
            "index_date": ["2016-01-05", "2016-01-06", "2016-13-01"],
            "cohort": ["2016Q1"] * 3,
            "contract_area": ["C01"] * 3,
            "ogrs3_one_year": [1.0, 2.0, 3.5],
        }
    ).write_parquet(cohort)
    offences = tmp_path / "offences.parquet"
    pl.DataFrame(
        {"person_id": ["A1"], "offence_date": ["2016-03-01"], "proven_date": [None]},
        schema=engine.OFFENCE_SCHEMA | {"offence_date": pl.String, "proven_date": pl.String},
    ).write_parquet(offences)
    assert problems_of(cohort, offences) == [
        f"{cohort}:row 1: ogrs3_one_year: not a whole number from 0 to 100 (1.0)",
        f"{cohort}:row 2: person_id: missing",
        f"{cohort}:row 2: ogrs3_one_year: not a whole number from 0 to 100 (2.0)",
        f"{cohort}:row 3: index_date: not a date (2016-13-01)",
        f"{cohort}:row 3: ogrs3_one_year: not a whole number from 0 to 100 (3.5)",
        f"{offences}:row 1: proven_date: missing",
    ]


def test_parquet_missing_column_is_a_file_problem(tmp_path):
    offences = tmp_path / "offences.parquet"
    pl.DataFrame({"person_id": ["A1"], "offence_date": [dt.date(2016, 3, 1)]}).write_parquet(
        offences
    )
    with pytest.raises(files.InputError) as raised:
        files.read_offences(offences, people=pl.Series(["A1"]))
    assert [str(p) for p in raised.value.problems] == [f"{offences}: missing column 'proven_date'"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2017-09-30", dt.date(2017, 9, 30)), (" 2016-02-29 ", dt.date(2016, 2, 29))],
)
def test_parse_day_accepts_iso_days(text, expected):
    assert files.parse_day("--measured-on", text) == expected


@pytest.mark.parametrize("text", ["2017-02-29", "20170901", "2017-9-1", "tomorrow"])
def test_parse_day_refuses_anything_else(text):
    with pytest.raises(files.InputError, match="--measured-on: not a date"):
        files.parse_day("--measured-on", text)


def test_the_fingerprint_does_not_depend_on_how_the_files_were_written(tmp_path):
    plain = files.read_measure_inputs(
        write(tmp_path, "cohort.csv", GOOD_COHORT), write(tmp_path, "o.csv", GOOD_OFFENCES)
    )
    crlf_cohort = tmp_path / "crlf.csv"
    crlf_cohort.write_bytes(GOOD_COHORT.replace("\n", "\r\n").replace(",C01,", ", C01 ,").encode())
    parquet_offences = tmp_path / "o.parquet"
    plain.offences.write_parquet(parquet_offences)
    other = files.read_measure_inputs(crlf_cohort, parquet_offences)
    assert engine.fingerprint(other.cohort, other.offences) == engine.fingerprint(
        plain.cohort, plain.offences
    )


def test_a_quoted_empty_value_is_missing(tmp_path):
    cohort = write(tmp_path, "cohort.csv", COHORT_HEADER + '"  ",2016-01-05,"",C01,""\n')
    assert problems_of(cohort, write(tmp_path, "o.csv", OFFENCE_HEADER)) == [
        f"{cohort}:2: person_id: missing",
        f"{cohort}:2: cohort: missing",
    ]


def test_spaces_around_header_names_are_ignored(tmp_path):
    cohort = write(
        tmp_path,
        "cohort.csv",
        "person_id, index_date , cohort,contract_area\nA1,2016-01-05,2016Q1,C01\n",
    )
    inputs = files.read_measure_inputs(cohort, write(tmp_path, "o.csv", OFFENCE_HEADER))
    assert inputs.cohort["index_date"].to_list() == [dt.date(2016, 1, 5)]


def test_a_parquet_column_of_lists_is_a_message_not_a_traceback(tmp_path):
    cohort = tmp_path / "cohort.parquet"
    pl.DataFrame(
        {
            "person_id": [["A1"]],
            "index_date": [dt.date(2016, 1, 5)],
            "cohort": ["2016Q1"],
            "contract_area": ["C01"],
        }
    ).write_parquet(cohort)
    with pytest.raises(files.InputError, match="a column is not text, a date or a number"):
        files.read_cohort(cohort)
