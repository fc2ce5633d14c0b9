"""Payment statements (performance/statements.py): for each area with terms and an owner, fee
lines of quantity times unit price, service-level deductions, the outcome from the area's result (or
nothing yet, for a provisional run), totals that are the sums, money half-up to the penny, and
the same statements every time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from probation.contracts.models import ContractAreaOwnership, Provider
from probation.performance.models import (
    AreaResult,
    ContractTerms,
    Direction,
    LineSection,
    PbrRun,
    Statement,
)
from probation.performance.statements import pence, statements_for
from probation.rules.reoffending import Quarter
from tests.factories import area
from tests.performance.test_fees import contact, crc_case, order

pytestmark = pytest.mark.django_db

Q1 = Quarter(2025, 1)


def terms(
    code: str = "C08", *, starts_on: dt.date = dt.date(2015, 2, 1), **prices: Any
) -> ContractTerms:
    values: dict[str, Any] = {
        "price_per_reoffender_avoided": Decimal("2000.00"),
        "price_per_reoffence_avoided": Decimal("500.00"),
        "deduction_rate": Decimal("0.500"),
        "order_month_price": Decimal("100.00"),
        "licence_month_price": Decimal("120.00"),
        "unpaid_work_hour_price": Decimal("12.35"),
        "programme_completion_price": Decimal("900.00"),
        "resettlement_plan_price": Decimal("250.00"),
        "late_allocation_deduction": Decimal("40.00"),
        "overdue_breach_referral_deduction": Decimal("75.00"),
        "missed_first_appointment_deduction": Decimal("30.00"),
    }
    values.update(prices)
    return ContractTerms.objects.create(contract_area=area(code), starts_on=starts_on, **values)


def run(*, provisional: bool = False, measured_on: dt.date = dt.date(2026, 10, 1)) -> PbrRun:
    return PbrRun.objects.create(
        quarter=str(Q1),
        measured_on=measured_on,
        provisional=provisional,
        data_fingerprint="f" * 64,
        engine_version="1.0.0",
    )


def result(the_run: PbrRun, code: str = "C08", **kwargs: Any) -> AreaResult:
    values: dict[str, Any] = {
        "cohort_size": 120,
        "reoffenders": 40,
        "reoffences": 130,
        "binary_direction": Direction.IMPROVED,
        "frequency_direction": Direction.NO_CHANGE,
        "outcome_payment": Decimal("17234.57"),
        "outcome_deduction": Decimal("0"),
    }
    values.update(kwargs)
    return AreaResult(run=the_run, contract_area=area(code), **values)


def lines_by_source(lines: list[Any]) -> dict[tuple[str, str], Any]:
    return {(line.source["kind"], line.source.get("month", "")): line for line in lines}


@pytest.mark.parametrize(
    "amount, expected",
    [
        (Decimal("1.005"), Decimal("1.01")),
        (Decimal("1.004999"), Decimal("1.00")),
        (Decimal("-1.005"), Decimal("-1.01")),
        (Decimal("2.675"), Decimal("2.68")),
    ],
)
def test_money_is_rounded_half_up_to_the_penny(amount, expected):
    assert pence(amount) == expected


def test_only_areas_with_terms_in_force_at_the_quarters_end_and_an_owner_have_a_statement():
    terms("C08")
    terms("C12", starts_on=dt.date(2025, 4, 1))  # not yet in force on 31 March
    ended = terms("C03")
    ended.ends_on = dt.date(2025, 3, 30)
    ended.save()
    ownerless = terms("C05")
    ContractAreaOwnership.objects.filter(contract_area=ownerless.contract_area).update(
        ends_on=dt.date(2024, 12, 31)
    )
    made = statements_for(run=run(), quarter=Q1, results=[])
    assert [statement.contract_area.code for statement, _ in made] == ["C08"]
    statement, _ = made[0]
    assert statement.provider == area("C08").owner_on(Q1.ends_on)
    assert statement.pk is None


def test_the_owner_is_the_one_at_the_quarters_end():
    terms("C08")
    newcomer = Provider.objects.create(name="Newcomer Rehabilitation")
    current = ContractAreaOwnership.objects.get(contract_area=area("C08"), ends_on__isnull=True)
    current.ends_on = dt.date(2025, 3, 15)
    current.save()
    ContractAreaOwnership.objects.create(
        contract_area=area("C08"), provider=newcomer, starts_on=dt.date(2025, 3, 16)
    )
    ((statement, _),) = statements_for(run=run(), quarter=Q1, results=[])
    assert statement.provider == newcomer


def test_the_latest_terms_to_start_apply_when_terms_overlap():
    terms("C08")
    newer = terms("C08", starts_on=dt.date(2025, 1, 1), order_month_price=Decimal("150.00"))
    ((statement, lines),) = statements_for(run=run(), quarter=Q1, results=[])
    assert statement.terms == newer
    assert lines_by_source(lines)[("orders_managed", "2025-01")].unit_price == Decimal("150.00")


def test_fee_lines_are_quantity_times_unit_price_month_by_month():
    terms("C08")
    for _ in range(3):
        order(crc_case(), dt.date(2025, 1, 6), dt.date(2025, 2, 20))
    case = crc_case()
    contact(
        case,
        "unpaid_work",
        dt.datetime(2025, 2, 1, 10, tzinfo=dt.UTC),
        hours_credited=Decimal("3.50"),
    )
    ((statement, lines),) = statements_for(run=run(), quarter=Q1, results=[])
    fees = [line for line in lines if line.section == LineSection.FEE_FOR_SERVICE]
    assert len(fees) == 15  # five kinds, three months
    by_source = lines_by_source(lines)
    january = by_source[("orders_managed", "2025-01")]
    assert (january.quantity, january.unit_price, january.amount) == (
        Decimal("3.00"),
        Decimal("100.00"),
        Decimal("300.00"),
    )
    assert by_source[("orders_managed", "2025-03")].amount == Decimal("0.00")
    hours = by_source[("unpaid_work_hours", "2025-02")]
    # 3.5 x 12.35 = 43.225: half up to 43.23
    assert (hours.quantity, hours.amount) == (Decimal("3.50"), Decimal("43.23"))
    assert "February 2025" in hours.description
    assert statement.fee_for_service == Decimal("300.00") + Decimal("300.00") + Decimal("43.23")


def test_service_level_failures_are_deducted_as_negative_lines():
    from tests.performance.test_service_levels import _first_appointment

    terms("C08")
    for _ in range(2):
        _first_appointment(crc_case(), "CRC-C08", due=dt.date(2025, 1, 20), held=None)
    ((statement, lines),) = statements_for(run=run(), quarter=Q1, results=[])
    deductions = [line for line in lines if line.section == LineSection.SERVICE_DEDUCTION]
    assert [line.source["kind"] for line in deductions] == [
        "late_allocations",
        "overdue_breach_referrals",
        "missed_first_appointments",
    ]
    missed = deductions[-1]
    assert (missed.quantity, missed.unit_price, missed.amount) == (
        Decimal("2.00"),
        Decimal("30.00"),
        Decimal("-60.00"),
    )
    assert statement.service_deductions == Decimal("60.00")
    assert statement.total == Decimal("-60.00")


def test_a_final_run_pays_the_outcome_of_the_areas_result():
    terms("C08")
    the_run = run()
    made = statements_for(
        run=the_run,
        quarter=Q1,
        results=[result(the_run), result(the_run, "C12", outcome_payment=Decimal("9"))],
    )
    ((statement, lines),) = made
    outcome = [line for line in lines if line.section == LineSection.OUTCOME]
    assert [line.code for line in outcome] == ["outcome_payment", "outcome_deduction"]
    assert outcome[0].amount == Decimal("17234.57")
    assert outcome[1].amount == Decimal("0.00")
    assert all(line.source == {"kind": "cohort"} for line in outcome)
    assert "significantly better than baseline" in outcome[0].description
    assert statement.outcome_payment == Decimal("17234.57")
    assert statement.outcome_deduction == Decimal("0.00")
    assert statement.total == Decimal("17234.57")


def test_an_outcome_is_split_by_measure_when_the_results_figures_allow():
    terms("C08")
    the_run = run()
    better = result(
        the_run,
        reoffenders=40,
        reoffences=130,
        expected_reoffenders=48.62,
        variance=20.0,
        binary_z=1.93 + 0.1,
        binary_direction=Direction.IMPROVED,
        expected_reoffences=128.0,
        frequency_variance=40.0,
        frequency_z=-0.32,
        frequency_direction=Direction.NO_CHANGE,
        # 48.62 - 40 = 8.62 reoffenders avoided at £2,000
        outcome_payment=Decimal("17240.00"),
    )
    ((statement, lines),) = statements_for(run=the_run, quarter=Q1, results=[better])
    outcome = [line for line in lines if line.section == LineSection.OUTCOME]
    assert [line.code for line in outcome] == ["outcome_binary", "outcome_frequency"]
    binary, frequency = outcome
    assert (binary.quantity, binary.unit_price, binary.amount) == (
        Decimal("8.62"),
        Decimal("2000.00"),
        Decimal("17240.00"),
    )
    assert (
        frequency.amount == Decimal("0.00") and "no significant difference" in frequency.description
    )
    assert all(line.source == {"kind": "cohort"} for line in outcome)
    assert statement.outcome_payment == Decimal("17240.00")


def test_a_deterioration_by_measure_is_deducted_at_the_deduction_rate():
    terms("C08")
    the_run = run()
    worse = result(
        the_run,
        reoffenders=40,
        reoffences=100,
        expected_reoffenders=30.0,
        variance=16.0,
        binary_z=-2.5,
        binary_direction=Direction.WORSE,
        expected_reoffences=120.0,
        frequency_variance=50.0,
        frequency_z=2.83,
        frequency_direction=Direction.IMPROVED,
        # 10 reoffenders above expected at £2,000 x 0.5; 20 reoffences avoided at £500
        outcome_payment=Decimal("10000.00"),
        outcome_deduction=Decimal("10000.00"),
    )
    ((statement, lines),) = statements_for(run=the_run, quarter=Q1, results=[worse])
    binary, frequency = [line for line in lines if line.section == LineSection.OUTCOME]
    assert (binary.quantity, binary.unit_price, binary.amount) == (
        Decimal("10.00"),
        Decimal("1000.00"),
        Decimal("-10000.00"),
    )
    assert (frequency.quantity, frequency.amount) == (Decimal("20.00"), Decimal("10000.00"))
    assert (statement.outcome_payment, statement.outcome_deduction) == (
        Decimal("10000.00"),
        Decimal("10000.00"),
    )


def test_an_outcome_deduction_is_a_negative_line_and_lowers_the_total():
    terms("C08")
    the_run = run()
    worse = result(
        the_run,
        binary_direction=Direction.WORSE,
        outcome_payment=Decimal("0"),
        outcome_deduction=Decimal("5120.50"),
    )
    order(crc_case(), dt.date(2025, 3, 3), None)
    ((statement, lines),) = statements_for(run=the_run, quarter=Q1, results=[worse])
    assert lines[-1].amount == Decimal("-5120.50")
    assert statement.outcome_deduction == Decimal("5120.50")
    assert statement.total == Decimal("100.00") - Decimal("5120.50")
    assert statement.total == sum(line.amount for line in lines)


def test_a_provisional_run_pays_no_outcome_and_says_when_it_will_be_known():
    terms("C08")
    the_run = run(provisional=True, measured_on=dt.date(2025, 7, 1))
    ((statement, lines),) = statements_for(run=the_run, quarter=Q1, results=[result(the_run)])
    outcome = [line for line in lines if line.section == LineSection.OUTCOME]
    assert len(outcome) == 1
    assert outcome[0].amount == Decimal("0.00") and outcome[0].source == {"kind": "cohort"}
    assert "30 September 2026" in outcome[0].description  # Q1 2025's final day
    assert statement.outcome_payment == Decimal("0.00")


def test_an_area_without_a_result_has_a_zero_outcome_line():
    terms("C08")
    ((_, lines),) = statements_for(run=run(), quarter=Q1, results=[])
    assert lines[-1].code == "outcome_not_assessed" and lines[-1].amount == Decimal("0.00")


def test_statements_are_the_same_every_time_and_save_as_they_are():
    terms("C08")
    terms("C12")
    for code in ("C08", "C12"):
        order(crc_case(code), dt.date(2025, 1, 6), None)
    the_run = run()

    def described() -> list[Any]:
        return [
            (
                s.contract_area.code,
                s.total,
                [(x.section, x.code, x.quantity, x.unit_price, x.amount, x.source) for x in lines],
            )
            for s, lines in statements_for(run=the_run, quarter=Q1, results=[result(the_run)])
        ]

    first = described()
    assert first == described()
    assert [code for code, *_ in first] == ["C08", "C12"]
    for statement, lines in statements_for(run=the_run, quarter=Q1, results=[result(the_run)]):
        statement.save()
        for line in lines:
            line.statement = statement
            line.save()
    assert Statement.objects.count() == 2
    saved = Statement.objects.get(contract_area__code="C08")
    assert saved.total == sum(line.amount for line in saved.lines.all())
