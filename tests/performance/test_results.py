"""Per-area results against the baseline (``probation.performance.results``), from a members
frame built by hand (``docs/domain/reoffending-and-payment.md``, "Payment by results")."""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from probation.performance.models import AreaResult, Baseline, ContractTerms, PbrRun
from probation.performance.results import area_results
from probation.rules.payment import binary_test, frequency_test
from tests.factories import area

pytestmark = pytest.mark.django_db

MEMBER_SCHEMA: dict[str, Any] = {
    "person_id": pl.String,
    "person_pk": pl.Int64,
    "cohort": pl.String,
    "contract_area": pl.String,
    "contract_area_id": pl.Int64,
    "organisation_id": pl.Int64,
    "index_date": pl.Date,
    "index_kind": pl.String,
    "ogrs3_one_year": pl.Int64,
    "case_id": pl.Int64,
    "reoffences": pl.Int64,
}


def _members(rows: list[tuple[str, int | None, int]]) -> pl.DataFrame:
    """``(area code, OGRS3 percent or None, reoffences)`` per member."""
    ids = {code: area(code).pk for code in {code for code, _, _ in rows}}
    return pl.DataFrame(
        [
            {
                "person_id": f"X{n:06d}",
                "person_pk": n,
                "cohort": "2025Q1",
                "contract_area": code,
                "contract_area_id": ids[code],
                "organisation_id": 1,
                "index_date": dt.date(2025, 1, 15),
                "index_kind": "community_order",
                "ogrs3_one_year": score,
                "case_id": n,
                "reoffences": reoffences,
            }
            for n, (code, score, reoffences) in enumerate(rows, start=1)
        ],
        schema=MEMBER_SCHEMA,
    )


def _run(*, provisional: bool = False) -> PbrRun:
    return PbrRun.objects.create(
        quarter="2025Q1",
        measured_on=dt.date(2026, 11, 30),
        provisional=provisional,
        data_fingerprint="0" * 64,
        engine_version="1.0.0",
    )


def _baseline(code: str, **figures: Any) -> Baseline:
    # 2,000 people, 500 reoffenders whose OGRS3 probabilities summed to 400: k = 1.25.
    values = {
        "cohort_size": 2000,
        "reoffenders": 500,
        "reoffences": 1250,
        "sum_probability": 400.0,
        "frequency": 2.5,
    } | figures
    return Baseline.objects.create(
        contract_area=area(code),
        period="2011",
        fingerprint="f" * 64,
        engine_version="1.0.0",
        **values,
    )


def _terms(code: str) -> ContractTerms:
    money = Decimal("1.00")
    return ContractTerms.objects.create(
        contract_area=area(code),
        starts_on=dt.date(2015, 2, 1),
        price_per_reoffender_avoided=Decimal("1000.00"),
        price_per_reoffence_avoided=Decimal("250.00"),
        deduction_rate=Decimal("0.500"),
        order_month_price=money,
        licence_month_price=money,
        unpaid_work_hour_price=money,
        programme_completion_price=money,
        resettlement_plan_price=money,
        late_allocation_deduction=money,
        overdue_breach_referral_deduction=money,
        missed_first_appointment_deduction=money,
    )


def _keyed(*objects: Any) -> dict[int, Any]:
    return {o.contract_area_id: o for o in objects}


FOUR_SCORES = [20, 40, 60, 80]


def test_sixteen_people_better_than_baseline_earn_the_reoffenders_avoided() -> None:
    # Four people at each of q = 0.25, 0.5, 0.75, 1 → E = 10, V = 4 * 0.625 = 2.5; nobody
    # reoffended: z = 10 / √2.5 = 6.32.
    members = _members([("C02", score, 0) for score in FOUR_SCORES * 4])
    [result] = area_results(
        run=_run(),
        members=members,
        baselines=_keyed(_baseline("C02")),
        terms=_keyed(_terms("C02")),
    )
    assert result.pk is None  # not saved
    assert result.contract_area_id == area("C02").pk
    assert (result.cohort_size, result.reoffenders, result.reoffences) == (16, 0, 0)
    assert result.binary_rate == 0.0
    assert result.frequency_per_reoffender is None
    assert result.frequency_per_100 == 0.0
    assert result.sum_probability == pytest.approx(8.0)
    assert result.expected_reoffenders == pytest.approx(10.0)
    assert result.variance == pytest.approx(2.5)
    assert result.binary_z == pytest.approx(10 / math.sqrt(2.5))
    assert result.binary_direction == "improved"
    # No reoffenders: the frequency measure cannot be tested.
    assert result.frequency_direction == "not_assessed"
    assert result.expected_reoffences == 0.0
    assert result.outcome_payment == Decimal("10000.00")
    assert result.outcome_deduction == Decimal("0.00")


def test_a_cohort_too_small_for_the_approximation_is_not_assessed_and_earns_nothing() -> None:
    """The same four people once: E = 2.5 expected reoffenders, z = 3.16 — but fewer than 5
    expected on one side, so the normal approximation does not hold (ADR 0019)."""
    members = _members([("C02", score, 0) for score in FOUR_SCORES])
    [result] = area_results(
        run=_run(),
        members=members,
        baselines=_keyed(_baseline("C02")),
        terms=_keyed(_terms("C02")),
    )
    assert result.expected_reoffenders == pytest.approx(2.5)
    assert result.binary_z == pytest.approx(2.5 / math.sqrt(0.625))
    assert result.binary_direction == "not_assessed"
    assert (result.outcome_payment, result.outcome_deduction) == (0, 0)


def test_a_provisional_run_computes_everything_pays_nothing_and_compares_nothing() -> None:
    """Part of the follow-up would look like an improvement: the same cohort is "improved" in
    a final run, and not assessed (with its figures) in a provisional one."""
    members = _members([("C02", score, 0) for score in FOUR_SCORES * 4])
    keyed = {"baselines": _keyed(_baseline("C02")), "terms": _keyed(_terms("C02"))}
    [final] = area_results(run=_run(), members=members, **keyed)
    [result] = area_results(run=_run(provisional=True), members=members, **keyed)
    assert final.binary_direction == "improved"
    assert result.binary_direction == result.frequency_direction == "not_assessed"
    assert result.expected_reoffenders == final.expected_reoffenders
    assert result.binary_z == final.binary_z
    assert (result.outcome_payment, result.outcome_deduction) == (0, 0)


def test_frequency_figures_and_a_deduction_for_worse_than_baseline() -> None:
    # Eighty people at 10 %: k = 1.25 → q = 0.125, E = 10, V = 80 * 0.125 * 0.875 = 8.75.
    # Forty reoffended (1, 1, 2, 3, 3 reoffences, eight times): z = (10 - 40) / √8.75 = -10.1.
    counts = [1, 1, 2, 3, 3, 0, 0, 0, 0, 0] * 8
    members = _members([("C05", 10, r) for r in counts])
    [result] = area_results(
        run=_run(),
        members=members,
        baselines=_keyed(_baseline("C05")),
        terms=_keyed(_terms("C05")),
    )
    assert (result.cohort_size, result.reoffenders, result.reoffences) == (80, 40, 80)
    assert result.binary_rate == 0.5
    assert result.frequency_per_reoffender == 2.0
    assert result.frequency_per_100 == 100.0
    assert result.expected_reoffenders == pytest.approx(10.0)
    assert result.binary_z == pytest.approx(-30 / math.sqrt(8.75))
    assert result.binary_direction == "worse"
    # F_E = 2.5 * 40 = 100, F_A = 80, s² = 32 / 39 (deviations 1, 1, 0, 1, 1 eight times),
    # variance 40 * 32 / 39.
    assert result.expected_reoffences == 100.0
    assert result.frequency_variance == pytest.approx(40 * 32 / 39)
    assert result.frequency_z == pytest.approx(20 / math.sqrt(40 * 32 / 39))
    assert result.frequency_direction == "improved"
    # 30 reoffenders above expected at £1,000 * 0.5; 20 reoffences below at £250.
    assert result.outcome_deduction == Decimal("15000.00")
    assert result.outcome_payment == Decimal("5000.00")


def test_members_without_a_score_count_at_the_baseline_rate() -> None:
    members = _members([("C03", 40, 0), ("C03", None, 1), ("C03", None, 0)])
    [result] = area_results(
        run=_run(), members=members, baselines=_keyed(_baseline("C03")), terms={}
    )
    assert result.without_ogrs3 == 2
    # 1.25 * 0.4 + 2 * 0.25 (the baseline's 500 / 2000).
    assert result.expected_reoffenders == pytest.approx(1.0)
    assert result.variance == pytest.approx(0.25 + 2 * 0.1875)
    assert result.sum_probability == pytest.approx(0.4)


def test_one_result_per_area_with_members_or_a_baseline_sorted_by_code() -> None:
    members = _members([("C09", 30, 1), ("C01", 50, 0), ("C09", 30, 0)])
    results = area_results(
        run=_run(),
        members=members,
        baselines=_keyed(_baseline("C04"), _baseline("C09")),
        terms=_keyed(_terms("C01"), _terms("C04")),
    )
    assert [r.contract_area_id for r in results] == [area(c).pk for c in ("C01", "C04", "C09")]
    c01, c04, c09 = results
    # C01: members but no baseline: nothing to test against, nothing earned.
    assert c01.cohort_size == 1
    assert c01.expected_reoffenders is None
    assert (c01.binary_direction, c01.frequency_direction) == ("not_assessed", "not_assessed")
    assert c01.outcome_payment == 0
    # C04: a baseline but nobody in the cohort.
    assert (c04.cohort_size, c04.reoffenders, c04.reoffences) == (0, 0, 0)
    assert c04.binary_rate is None and c04.frequency_per_100 is None
    assert c04.binary_direction == "not_assessed"
    # C09: tested, but without terms it earns nothing either way.
    assert c09.expected_reoffenders == pytest.approx(2 * 1.25 * 0.3)
    assert c09.outcome_payment == 0 and c09.outcome_deduction == 0


def test_a_baseline_without_scores_tests_and_pays_only_the_frequency() -> None:
    # Ten reoffenders with 1 reoffence each but one with 2: F_A = 11 against F_E = 2.5 * 10 = 25,
    # s² = 0.1, variance 10 * 0.1 = 1, z = 14: 14 reoffences avoided at £250.
    members = _members([("C06", 30, 1)] * 9 + [("C06", 30, 2)])
    [result] = area_results(
        run=_run(),
        members=members,
        baselines=_keyed(_baseline("C06", sum_probability=0.0)),
        terms=_keyed(_terms("C06")),
    )
    assert result.binary_direction == "not_assessed"
    assert result.expected_reoffenders is None
    assert result.frequency_variance == pytest.approx(1.0)
    assert result.frequency_z == pytest.approx(14.0)
    assert result.frequency_direction == "improved"
    assert result.outcome_payment == Decimal("3500.00")


def _fields(result: AreaResult) -> dict[str, Any]:
    return {
        f.attname: getattr(result, f.attname)
        for f in AreaResult._meta.concrete_fields
        if f.attname != "id"
    }


def test_the_aggregation_agrees_with_the_rules_person_by_person_and_ignores_row_order() -> None:
    rng = random.Random(20251)
    rows = [
        (
            rng.choice(["C10", "C11", "C12"]),
            None if rng.random() < 0.05 else rng.randint(1, 99),
            rng.choice([0, 0, 0, 1, 1, 2, 3, 5]),
        )
        for _ in range(600)
    ]
    members = _members(rows)
    run = _run()
    baselines = _keyed(_baseline("C10"), _baseline("C11", frequency=2.0), _baseline("C12"))
    results = area_results(run=run, members=members, baselines=baselines, terms={})
    for result, code in zip(results, ("C10", "C11", "C12"), strict=True):
        own = [(score, r) for c, score, r in rows if c == code]
        base = baselines[area(code).pk]
        k = base.reoffenders / base.sum_probability
        binary = binary_test(
            k=k,
            probabilities=[s / 100 for s, _ in own if s is not None],
            reoffenders=sum(1 for _, r in own if r),
            unknown=sum(1 for s, _ in own if s is None),
            unknown_rate=base.reoffenders / base.cohort_size,
        )
        frequency = frequency_test(
            baseline_frequency=base.frequency, reoffences_per_reoffender=[r for _, r in own if r]
        )
        assert result.cohort_size == len(own)
        assert result.expected_reoffenders == pytest.approx(binary.expected, rel=1e-12)
        assert result.variance == pytest.approx(binary.variance, rel=1e-12)
        assert result.binary_z == pytest.approx(binary.z, rel=1e-9)
        assert result.binary_direction == binary.direction
        assert result.frequency_z == pytest.approx(frequency.z, rel=1e-9)
        assert result.reoffences == frequency.actual
    shuffled = members.sample(fraction=1.0, shuffle=True, seed=7)
    again = area_results(run=run, members=shuffled, baselines=baselines, terms={})
    assert [_fields(r) for r in again] == [_fields(r) for r in results]


def test_an_empty_members_frame_gives_a_result_per_baseline() -> None:
    empty = pl.DataFrame(schema=MEMBER_SCHEMA)
    results = area_results(run=_run(), members=empty, baselines=_keyed(_baseline("C07")), terms={})
    assert [r.cohort_size for r in results] == [0]
    assert area_results(run=_run(), members=empty, baselines={}, terms={}) == []


def test_results_save_as_they_are() -> None:
    members = _members([("C02", 20, 0), ("C02", 40, 2), ("C02", 60, 1), ("C02", 80, 0)])
    results = area_results(
        run=_run(),
        members=members,
        baselines=_keyed(_baseline("C02")),
        terms=_keyed(_terms("C02")),
    )
    AreaResult.objects.bulk_create(results)
    saved = AreaResult.objects.get()
    assert saved.binary_direction == results[0].binary_direction
    assert saved.outcome_payment == results[0].outcome_payment
