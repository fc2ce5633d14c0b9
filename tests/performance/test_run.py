"""A quarter's run end to end: ``probation pbr run`` over the platform's own data, reproducible
from its fingerprint and its exported tables, all or nothing, audited once
(docs/domain/reoffending-and-payment.md; docs/adr/0019-payment-by-results.md)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from probation.allocation.models import SiftDecision
from probation.cli import app
from probation.core.models import AuditAction, AuditEvent
from probation.performance import services
from probation.performance.models import (
    AreaFigures,
    AreaResult,
    Baseline,
    CohortMember,
    ContractTerms,
    IndicatorFlag,
    PbrRun,
    ProvenOffence,
    Statement,
    StatementLine,
)
from probation.risk.models import Assessment
from tests.factories import SentenceFactory, area, organisation

pytestmark = pytest.mark.django_db

runner = CliRunner()
MEASURED_ON = "2026-11-30"


def _member(day: dt.date, ogrs3: int, offences: list[tuple[dt.date, dt.date]]) -> Any:
    sentence = SentenceFactory(sentence_date=day)
    case = sentence.case
    SiftDecision.objects.create(
        case=case,
        organisation=organisation("CRC-C08"),
        contract_area=case.contract_area,
        reasons=[],
        facts={},
        policy_id="test",
        policy_version=1,
        trigger="sentence",
        decided_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12))),
    )
    Assessment.objects.create(
        case=case,
        assessed_on=day - dt.timedelta(days=7),
        report_type="fdr",
        rosh_public="low",
        rosh_known_adult="low",
        rosh_children="low",
        rosh_staff="low",
        ogrs3_one_year=ogrs3,
    )
    for committed, proven in offences:
        ProvenOffence.objects.create(
            person=case.person,
            offence_date=committed,
            proven_date=proven,
            proven_by="conviction",
            source="test",
        )
    return case


@pytest.fixture
def quarter_world() -> list[Any]:
    """Twelve CRC cases starting orders in 2025Q1 in Merseyside (C08), five reoffending."""
    merseyside = area("C08")
    ContractTerms.objects.create(
        contract_area=merseyside,
        starts_on=dt.date(2015, 2, 1),
        price_per_reoffender_avoided=Decimal("2000.00"),
        price_per_reoffence_avoided=Decimal("600.00"),
        deduction_rate=Decimal("0.500"),
        order_month_price=Decimal("120.00"),
        licence_month_price=Decimal("110.00"),
        unpaid_work_hour_price=Decimal("8.00"),
        programme_completion_price=Decimal("900.00"),
        resettlement_plan_price=Decimal("150.00"),
        late_allocation_deduction=Decimal("50.00"),
        overdue_breach_referral_deduction=Decimal("75.00"),
        missed_first_appointment_deduction=Decimal("40.00"),
    )
    Baseline.objects.create(
        contract_area=merseyside,
        period="2011",
        cohort_size=1000,
        reoffenders=450,
        reoffences=1200,
        sum_probability=450.0,
        frequency=1200 / 450,
        fingerprint="0" * 64,
        engine_version="1.0.0",
    )
    cases = []
    for n in range(12):
        day = dt.date(2025, 1, 6) + dt.timedelta(days=7 * n)
        offences = (
            [(day + dt.timedelta(days=30), day + dt.timedelta(days=90))] * (1 + n % 2)
            if n < 5
            else []
        )
        cases.append(_member(day, 30 + 3 * n, offences))
    return cases


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def _figures(run: PbrRun) -> dict[str, Any]:
    """Everything a run stored, without its own ids and times, to compare two runs."""

    def rows(model: Any, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        skip = {"id", "run", "run_id", "statement", "statement_id", *exclude}
        return [
            {k: v for k, v in row.items() if k not in skip}
            for row in model.objects.filter(
                **{"statement__run" if model is StatementLine else "run": run}
            )
            .order_by("id")
            .values()
        ]

    return {
        "results": rows(AreaResult),
        "figures": rows(AreaFigures),
        "statements": rows(Statement),
        "lines": rows(StatementLine),
        "indicators": rows(IndicatorFlag),
        "members": rows(CohortMember),
    }


def test_a_run_stores_the_quarters_cohort_results_statements_and_indicators(
    quarter_world: list[Any],
) -> None:
    result = invoke(
        "pbr", "run", "--quarter", "2025Q1", "--measured-on", MEASURED_ON, "--format", "json"
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    run = PbrRun.objects.get(pk=summary["run"])
    assert run.quarter == "2025Q1" and not run.provisional
    assert run.finished_at is not None
    assert run.members.count() == 12
    assert sorted(run.members.values_list("reoffences", flat=True)) == [0] * 7 + [1, 1, 1, 2, 2]
    merseyside = AreaResult.objects.get(run=run, contract_area__code="C08")
    assert (merseyside.cohort_size, merseyside.reoffenders, merseyside.reoffences) == (12, 5, 7)
    # Calibration k = 450 / 450 = 1: expected reoffenders are the sum of the scores.
    assert merseyside.expected_reoffenders == pytest.approx(
        sum(30 + 3 * n for n in range(12)) / 100
    )
    assert AreaFigures.objects.filter(run=run).count() == 21
    assert Statement.objects.filter(run=run, contract_area__code="C08").exists()
    assert IndicatorFlag.objects.filter(run=run).exists()
    [event] = AuditEvent.objects.filter(action=AuditAction.PBR_RUN_COMPLETED)
    assert event.details["data_fingerprint"] == run.data_fingerprint
    assert event.details["cohort"] == 12


def test_running_a_quarter_again_on_the_same_data_gives_identical_figures(
    quarter_world: list[Any],
) -> None:
    for _ in range(2):
        assert (
            invoke("pbr", "run", "--quarter", "2025Q1", "--measured-on", MEASURED_ON).exit_code == 0
        )
    first, second = PbrRun.objects.order_by("id")
    assert first.data_fingerprint == second.data_fingerprint
    assert first.engine_version == second.engine_version
    assert _figures(first) == _figures(second)
    assert _figures(first)["results"], "the comparison must compare something"


def test_new_data_changes_the_fingerprint(quarter_world: list[Any]) -> None:
    invoke("pbr", "run", "--quarter", "2025Q1", "--measured-on", MEASURED_ON)
    ProvenOffence.objects.create(
        person=quarter_world[-1].person,
        offence_date=dt.date(2025, 6, 1),
        proven_date=dt.date(2025, 8, 1),
        proven_by="caution",
        source="test",
    )
    invoke("pbr", "run", "--quarter", "2025Q1", "--measured-on", MEASURED_ON)
    first, second = PbrRun.objects.order_by("id")
    assert first.data_fingerprint != second.data_fingerprint
    assert AreaResult.objects.get(run=second, contract_area__code="C08").reoffenders == 6


def test_the_exported_tables_reproduce_the_published_figures(
    quarter_world: list[Any], tmp_path: Path
) -> None:
    ran = invoke(
        "pbr",
        "run",
        "--quarter",
        "2025Q1",
        "--measured-on",
        MEASURED_ON,
        "--export",
        str(tmp_path),
        "--format",
        "json",
    )
    run = PbrRun.objects.get(pk=json.loads(ran.output)["run"])
    measured = invoke(
        "reoffending",
        "measure",
        "--cohort",
        str(tmp_path / "cohort.csv"),
        "--offences",
        str(tmp_path / "offences.csv"),
        "--measured-on",
        MEASURED_ON,
        "--format",
        "json",
    )
    assert measured.exit_code == 0, measured.output
    document = json.loads(measured.output)
    area_row = next(r for r in document["results"] if r["contract_area"] == "C08")
    stored = AreaResult.objects.get(run=run, contract_area__code="C08")
    assert (area_row["cohort_size"], area_row["reoffenders"], area_row["reoffences"]) == (
        stored.cohort_size,
        stored.reoffenders,
        stored.reoffences,
    )
    assert area_row["binary_rate"] == pytest.approx(stored.binary_rate)
    assert area_row["provisional"] is False


def test_measured_before_the_cohorts_eighteen_months_a_run_is_provisional_and_pays_nothing(
    quarter_world: list[Any],
) -> None:
    assert invoke("pbr", "run", "--quarter", "2025Q1", "--measured-on", "2026-06-30").exit_code == 0
    run = PbrRun.objects.get()
    assert run.provisional
    assert (
        not AreaResult.objects.filter(run=run)
        .exclude(outcome_payment=0, outcome_deduction=0)
        .exists()
    )


@pytest.mark.parametrize("quarter", ["2025Q5", "25Q1", "2025-Q1", "", "9999Q4" * 3])
def test_a_quarter_that_is_not_one_is_refused_without_a_run(quarter: str) -> None:
    result = invoke("pbr", "run", "--quarter", quarter)
    assert result.exit_code == 2
    assert "2016Q1" in result.output
    assert not PbrRun.objects.exists()


def test_a_failing_step_leaves_no_half_written_run(
    quarter_world: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: Any) -> list[Any]:
        raise RuntimeError("the indicators could not be read")

    monkeypatch.setattr(services, "indicator_flags", broken)
    with pytest.raises(RuntimeError):
        invoke("pbr", "run", "--quarter", "2025Q1", "--measured-on", MEASURED_ON)
    assert not PbrRun.objects.exists()
    assert not CohortMember.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PBR_RUN_COMPLETED).exists()


def test_a_baseline_is_measured_from_files_and_replaces_the_areas_last(tmp_path: Path) -> None:
    cohort = tmp_path / "baseline.csv"
    cohort.write_text(
        "person_id,index_date,cohort,contract_area,ogrs3_one_year\n"
        "B1,2011-02-01,2011,C03,50\n"
        "B2,2011-03-01,2011,C03,30\n"
        "B3,2011-04-01,2011,C03,20\n"
    )
    offences = tmp_path / "offences.csv"
    offences.write_text(
        "person_id,offence_date,proven_date\n"
        "B1,2011-05-01,2011-06-01\n"
        "B1,2011-07-01,2011-08-01\n"
        "B3,2011-02-01,2011-03-01\n"  # before B3's index date: not a reoffence
    )
    args = ["pbr", "baseline", "--area", "c03", "--period", "2011"]
    result = invoke(*args, "--cohort", str(cohort), "--offences", str(offences))
    assert result.exit_code == 0, result.output
    baseline = Baseline.objects.get(contract_area__code="C03")
    assert (baseline.cohort_size, baseline.reoffenders, baseline.reoffences) == (3, 1, 2)
    assert baseline.sum_probability == pytest.approx(1.0)
    assert baseline.frequency == 2.0
    again = invoke(*args, "--cohort", str(cohort), "--offences", str(offences))
    assert again.exit_code == 0
    assert Baseline.objects.filter(contract_area__code="C03").count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.BASELINE_LOADED).count() == 2


def test_a_baseline_with_a_bad_row_names_the_file_and_line(tmp_path: Path) -> None:
    cohort = tmp_path / "baseline.csv"
    cohort.write_text(
        "person_id,index_date,cohort,contract_area,ogrs3_one_year\nB1,2011-02-30,2011,C03,50\n"
    )
    offences = tmp_path / "offences.csv"
    offences.write_text("person_id,offence_date,proven_date\n")
    result = runner.invoke(
        app,
        [
            "pbr",
            "baseline",
            "--area",
            "C03",
            "--period",
            "2011",
            "--cohort",
            str(cohort),
            "--offences",
            str(offences),
        ],
    )
    assert result.exit_code == 2
    assert f"{cohort}:2:" in result.output
    assert not Baseline.objects.exists()


def test_an_unknown_area_is_refused(tmp_path: Path) -> None:
    result = invoke(
        "pbr",
        "baseline",
        "--area",
        "C99",
        "--period",
        "2011",
        "--cohort",
        str(tmp_path / "a.csv"),
        "--offences",
        str(tmp_path / "b.csv"),
    )
    assert result.exit_code == 2
    assert "C99" in result.output
