"""``probation allocation compare POLICY.json``: the table, the spec's JSON, and a refused policy
(exit status 2, the field named on stderr, nothing changed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from probation.cli import app
from probation.core.models import AuditEvent
from probation.people.models import Case
from tests.allocation.helpers import assess, practitioner_of
from tests.factories import AddressFactory, CaseFactory, area, organisation

pytestmark = pytest.mark.django_db

runner = CliRunner()
NO_RSR = {
    "id": "tr-2014-no-rsr",
    "version": 1,
    "rules": ["rosh-high", "mappa", "public-interest", "deportation", "rosh-missing"],
    "parameters": {"rsr_threshold": 6.9},
}


@pytest.fixture
def small_world() -> None:
    """Two NPS cases in Merseyside, one kept only by its RSR; one London CRC case."""
    officer = practitioner_of("NPS", "PSO")
    for org, home, rsr, rosh in (
        ("NPS", "C08", "8.00", "medium"),
        ("NPS", "C08", "1.00", "high"),
        ("CRC-C12", "C12", "1.00", "low"),
    ):
        case = CaseFactory(responsible_organisation=organisation(org), responsible_officer=officer)
        AddressFactory(person=case.person, contract_area=area(home))
        assess(case, rosh=rosh, rsr=rsr)


def _policy_file(tmp_path: Path, content: Any) -> str:
    path = tmp_path / "policy.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def _state() -> tuple[Any, ...]:
    return (
        list(Case.objects.order_by("pk").values_list("pk", "version", "responsible_organisation")),
        AuditEvent.objects.count(),
    )


def test_json_is_the_specs_shape_then_the_extra_keys(small_world, tmp_path):
    result = runner.invoke(
        app, ["allocation", "compare", _policy_file(tmp_path, NO_RSR), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data)[:3] == ["cases", "would_move", "by_contract_area"]
    assert data["cases"] == 3
    assert data["would_move"] == {"nps_to_crc": 1, "crc_to_nps": 0}
    assert [row["contract_area"] for row in data["by_contract_area"]] == [
        f"C{n:02d}" for n in range(1, 22)
    ]
    assert data["by_contract_area"][7] == {"contract_area": "C08", "nps_to_crc": 1, "crc_to_nps": 0}
    assert data["why"] == {"nps_to_crc": {"rsr-high": 1}, "crc_to_nps": {}}
    assert data["policy"] == NO_RSR
    assert data["current_policy"] == {"id": "tr-2014", "version": 1}
    # The PSO's three cases: two would go to a CRC, so the PSO would too.
    assert data["staff"]["by_grade"] == [
        {"grade": "PSO", "practitioners": 1, "to_nps": 0, "to_crc": 1, "changing_side": 1}
    ]


def test_the_table_says_what_would_move_and_why(small_world, tmp_path):
    result = runner.invoke(
        app, ["allocation", "compare", _policy_file(tmp_path, NO_RSR)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "over 3 active cases" in out
    assert "1 would move from the NPS to a CRC, 0 from a CRC to the NPS" in out
    assert "Nothing was changed." in out
    assert "C08 Merseyside" in out
    assert "rsr-high 1" in out
    assert "by grade" in out and "by office" in out


def test_a_comparison_changes_nothing_and_is_audited_once_as_the_system(small_world, tmp_path):
    cases, events = _state()
    result = runner.invoke(
        app, ["allocation", "compare", _policy_file(tmp_path, NO_RSR), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert _state() == (cases, events + 1)
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor_id, event.actor_label) == (
        "allocation.policy_compared",
        None,
        "system",
    )
    assert event.details["policy"] == {"id": "tr-2014-no-rsr", "version": 1}
    assert event.details["would_move"] == {"nps_to_crc": 1, "crc_to_nps": 0}
    assert event.details["source"] == "cli"


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ('{"id": "p",\n  "version": 1,\n  "rules": ["mappa",]}', "line 3 column 21"),
        ("", "policy: not valid JSON"),
        ({**NO_RSR, "rules": ["mappa", "rsr-low"]}, "rules[1]"),
        (
            {**NO_RSR, "rules": ["rsr-high"], "parameters": {"rsr_threshold": -1}},
            "parameters.rsr_threshold",
        ),
        ({**NO_RSR, "parameters": {"rsr_threshold": "high"}}, "parameters.rsr_threshold"),
        ({"id": "p", "rules": []}, "version: missing"),
        ({**NO_RSR, "version": True}, "version"),
        ({**NO_RSR, "notes": "x"}, "notes: unknown policy key"),
    ],
)
def test_a_bad_policy_exits_2_naming_the_field_and_changes_nothing(
    small_world, tmp_path, content, named
):
    before = _state()
    result = runner.invoke(app, ["allocation", "compare", _policy_file(tmp_path, content)])
    assert result.exit_code == 2
    assert named in result.stderr
    assert result.stdout == ""
    assert _state() == before


def test_a_missing_file_exits_2(small_world, tmp_path):
    before = _state()
    result = runner.invoke(app, ["allocation", "compare", str(tmp_path / "nowhere.json")])
    assert result.exit_code == 2
    assert "policy: cannot read" in result.stderr
    assert _state() == before


def test_an_oversized_file_exits_2_without_reading_it_all(small_world, tmp_path):
    result = runner.invoke(app, ["allocation", "compare", _policy_file(tmp_path, " " * 2_000_000)])
    assert result.exit_code == 2
    assert "policy: must be 10,000 characters or fewer" in result.stderr
