"""``probation reoffending measure``: files in, JSON/CSV/table out; errors on stderr, exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from probation.cli import app
from probation.performance import engine

runner = CliRunner()

COHORT = (
    "person_id,index_date,cohort,contract_area,ogrs3_one_year\n"
    "A1,2016-01-31,2016Q1,C01,40\n"
    "B2,2016-02-29,2016Q1,C01,\n"
    "C3,2016-03-31,2016Q1,C02,70\n"
    "A1,2016-03-01,2016Q1,C02,40\n"  # A1's second index event in 2016Q1: not counted
)
OFFENCES = (
    "person_id,offence_date,proven_date\n"
    "A1,2017-01-31,2017-07-31\n"  # exactly 12 months on, proven exactly 18 months on: counts
    "A1,2016-06-01,2016-09-01\n"
    "B2,2017-03-01,2017-04-01\n"  # 29 Feb + 12 months is 28 Feb: too late
    "C3,2016-03-31,2016-05-01\n"  # on the index date: not counted
)


@pytest.fixture
def data(tmp_path: Path) -> tuple[Path, Path]:
    cohort = tmp_path / "cohort.csv"
    cohort.write_text(COHORT)
    offences = tmp_path / "offences.csv"
    offences.write_text(OFFENCES)
    return cohort, offences


def measure(*args: str):
    return runner.invoke(app, ["reoffending", "measure", *args], catch_exceptions=False)


def test_json_output_has_the_documented_shape_and_hand_worked_figures(data):
    cohort, offences = data
    result = measure("--cohort", str(cohort), "--offences", str(offences), "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {
        "engine_version",
        "data_fingerprint",
        "measured_on",
        "skipped_rows",
        "results",
    }
    assert document["engine_version"] == engine.ENGINE_VERSION
    assert len(document["data_fingerprint"]) == 64
    assert document["measured_on"] is None
    assert document["skipped_rows"] == {"cohort": 0, "offences": 0}
    assert document["results"] == [
        {
            "cohort": "2016Q1",
            "contract_area": "C01",
            "cohort_size": 2,
            "reoffenders": 1,
            "reoffences": 2,
            "binary_rate": 0.5,
            "frequency_per_reoffender": 2.0,
            "frequency_per_100": 100.0,
            "provisional": None,
        },
        {
            "cohort": "2016Q1",
            "contract_area": "C02",
            "cohort_size": 1,
            "reoffenders": 0,
            "reoffences": 0,
            "binary_rate": 0.0,
            "frequency_per_reoffender": None,
            "frequency_per_100": 0.0,
            "provisional": None,
        },
        {
            "cohort": "2016Q1",
            "contract_area": None,
            "cohort_size": 3,
            "reoffenders": 1,
            "reoffences": 2,
            "binary_rate": 1 / 3,
            "frequency_per_reoffender": 2.0,
            "frequency_per_100": 2 / 3 * 100,
            "provisional": None,
        },
    ]


@pytest.mark.parametrize(
    ("measured_on", "provisional"),
    [("2017-09-29", True), ("2017-09-30", False)],  # 31 March 2016 + 18 months = 30 September
)
def test_measured_on_labels_provisional_results(data, measured_on, provisional):
    cohort, offences = data
    result = measure(
        "--cohort", str(cohort), "--offences", str(offences), "--format", "json",
        "--measured-on", measured_on,
    )  # fmt: skip
    document = json.loads(result.stdout)
    assert document["measured_on"] == measured_on
    assert {row["provisional"] for row in document["results"]} == {provisional}


def test_the_fingerprint_does_not_depend_on_row_order(data, tmp_path):
    cohort, offences = data
    header, *rows = OFFENCES.splitlines()
    reordered = tmp_path / "reordered.csv"
    reordered.write_text("\n".join([header, *reversed(rows)]) + "\n")
    first = json.loads(measure("--cohort", str(cohort), "--offences", str(offences),
                               "--format", "json").stdout)  # fmt: skip
    second = json.loads(measure("--cohort", str(cohort), "--offences", str(reordered),
                                "--format", "json").stdout)  # fmt: skip
    assert first == second


def test_a_bad_row_fails_with_file_and_line_on_stderr_and_nothing_on_stdout(data):
    cohort, offences = data
    cohort.write_text(COHORT + "D4,2016-13-01,2016Q1,C01,10\n")
    result = measure("--cohort", str(cohort), "--offences", str(offences), "--format", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == f"{cohort}:6: index_date: not a date (2016-13-01)"


def test_skip_invalid_goes_on_and_counts_the_skipped_rows(data):
    cohort, offences = data
    cohort.write_text(COHORT + "D4,2016-13-01,2016Q1,C01,10\n")
    offences.write_text(OFFENCES + "D4,2016-05-01,2016-06-01\nX9,2016-05-01,2016-06-01\n")
    result = measure(
        "--cohort", str(cohort), "--offences", str(offences), "--format", "json",
        "--skip-invalid",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["skipped_rows"] == {"cohort": 1, "offences": 2}
    assert document["results"][-1]["cohort_size"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "--format: must be table, json or csv"),
        (["--measured-on", "2017-02-30"], "--measured-on: not a date"),
    ],
)
def test_bad_options_exit_2_with_a_message(data, args, message):
    cohort, offences = data
    result = measure("--cohort", str(cohort), "--offences", str(offences), *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_a_missing_file_is_a_message_not_a_traceback(tmp_path, data):
    _, offences = data
    missing = tmp_path / "nowhere.csv"
    result = measure("--cohort", str(missing), "--offences", str(offences))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == f"{missing}: no such file"


def test_csv_output_has_the_result_columns(data):
    cohort, offences = data
    result = measure("--cohort", str(cohort), "--offences", str(offences), "--format", "csv")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split(",") == list(engine.RESULT_SCHEMA)
    assert lines[1:] == [
        "2016Q1,C01,2,1,2,0.5,2.0,100.0,",
        "2016Q1,C02,1,0,0,0.0,,0.0,",
        f"2016Q1,,3,1,2,{1 / 3},2.0,{2 / 3 * 100},",
    ]
    assert "data fingerprint" in result.stderr


def test_table_output_names_the_total_and_the_fingerprint(data):
    cohort, offences = data
    result = runner.invoke(
        app,
        ["reoffending", "measure", "--cohort", str(cohort), "--offences", str(offences)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0
    assert "all areas" in result.stdout
    assert "data fingerprint" in result.stdout


def test_measuring_files_needs_no_django_settings(tmp_path: Path) -> None:
    """The file-only command runs where no settings module exists (an analyst's machine)."""
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("person_id,index_date,cohort,contract_area\nP1,2016-01-10,2016Q1,C01\n")
    offences = tmp_path / "offences.csv"
    offences.write_text("person_id,offence_date,proven_date\nP1,2016-03-01,2016-05-01\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "no.such.settings"}
    code = "import sys; from probation.cli import main; sys.argv[0] = 'probation'; main()"
    result = subprocess.run(  # noqa: S603 (this interpreter, the test's own arguments)
        [
            sys.executable,
            "-c",
            code,
            "reoffending",
            "measure",
            "--cohort",
            str(cohort),
            "--offences",
            str(offences),
            "--format",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert '"reoffenders": 1' in result.stdout
