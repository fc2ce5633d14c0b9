"""The demo's ground truth for payment by results (probation/demo/reoffending.py): the generator
draws offences that count only inside the definitions' windows, knows nothing of the future and
repeats itself for a seed; the demo world gets proven offences, contract terms, baselines and a
run for each of its quarters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from django.db import transaction

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.demo.builder import BuildResult, reset_world
from probation.demo.reoffending import (
    AFTER_FOLLOW_UP,
    BASELINE_MINIMUM,
    DEMO_SOURCE,
    LARGE_EFFECT,
    OFFENCE_COLUMNS,
    ON_OR_BEFORE_INDEX,
    PERFORMANCE_MODELS,
    REOFFENCE,
    TRUE_EFFECTS,
    baseline_cohort,
    draw_ogrs3,
    offence_draws,
    proven_offences_for,
    quarters_to_run,
    synthetic_cohort,
    world_index_events,
)
from probation.ops.stats import collect
from probation.performance import engine
from probation.performance.models import (
    AreaResult,
    Baseline,
    ContractTerms,
    PbrRun,
    ProvenOffence,
)
from probation.rules.reoffending import Quarter, counts_as_reoffence, follow_up_ends, proven_by
from tests.demo.worlds import AS_OF, rolled_back_world

SEED = 7


def _cohort(size: int = 3_000, *, area: str = "C01", seed: int = SEED) -> pl.DataFrame:
    return synthetic_cohort(
        contract_area=area,
        size=size,
        seed=seed,
        starts_on=dt.date(2016, 1, 1),
        ends_on=dt.date(2016, 3, 31),
        cohort="2016Q1",
    )


def _index_dates(cohort: pl.DataFrame) -> dict[str, dt.date]:
    return dict(cohort.select("person_id", "index_date").iter_rows())


# --- The generator ---------------------------------------------------------------------------


def test_the_true_effects_name_every_area_with_large_effects_both_ways_and_most_none() -> None:
    assert sorted(TRUE_EFFECTS) == [f"C{n:02d}" for n in range(1, 22)]
    effects = list(TRUE_EFFECTS.values())
    assert sum(e <= -LARGE_EFFECT for e in effects) >= 2
    assert sum(e >= LARGE_EFFECT for e in effects) >= 2
    assert sum(e == 0 for e in effects) > len(effects) / 2
    assert any(0 < abs(e) < LARGE_EFFECT for e in effects)


def test_each_kind_of_row_lies_where_it_says() -> None:
    cohort = _cohort()
    index_of = _index_dates(cohort)
    draws = offence_draws(cohort, effects={}, seed=SEED)
    kinds = set(draws.get_column("kind"))
    assert kinds == {REOFFENCE, ON_OR_BEFORE_INDEX, AFTER_FOLLOW_UP}
    for person, offence_date, proven_date, kind in draws.select(
        "person_id", "offence_date", "proven_date", "kind"
    ).iter_rows():
        index_date = index_of[person]
        assert proven_date > offence_date
        if kind == REOFFENCE:
            assert index_date < offence_date <= follow_up_ends(index_date)
        elif kind == ON_OR_BEFORE_INDEX:
            assert offence_date <= index_date
        else:
            assert offence_date > follow_up_ends(index_date)
    # the edges the definitions turn on are all drawn
    on_index = draws.filter(
        pl.col("offence_date") == pl.col("person_id").replace_strict(index_of, return_dtype=pl.Date)
    )
    assert on_index.height > 0
    late = draws.filter(pl.col("kind") == REOFFENCE).filter(
        pl.col("proven_date")
        > pl.col("person_id").replace_strict(
            {p: proven_by(d) for p, d in index_of.items()}, return_dtype=pl.Date
        )
    )
    assert late.height > 0  # some true reoffences are proven too late to count


def test_only_reoffences_proven_in_time_count_and_no_other_row_ever_does() -> None:
    cohort = _cohort()
    index_of = _index_dates(cohort)
    draws = offence_draws(cohort, effects={}, seed=SEED)
    expected: dict[str, int] = {}
    for person, offence_date, proven_date, kind in draws.select(
        "person_id", "offence_date", "proven_date", "kind"
    ).iter_rows():
        counts = counts_as_reoffence(
            index_date=index_of[person], offence_date=offence_date, proven_date=proven_date
        )
        assert counts == (kind == REOFFENCE and proven_date <= proven_by(index_of[person]))
        expected[person] = expected.get(person, 0) + counts
    offences = proven_offences_for(cohort, effects={}, seed=SEED, measured_on=dt.date(2030, 1, 1))
    measured = dict(
        engine.person_outcomes(cohort, offences.select(list(engine.OFFENCE_SCHEMA)))
        .select("person_id", "reoffences")
        .iter_rows()
    )
    assert measured == {person: expected.get(person, 0) for person in index_of}


def test_nothing_proven_after_the_day_of_measurement() -> None:
    cohort = _cohort()
    measured_on = dt.date(2016, 9, 30)
    offences = proven_offences_for(cohort, effects={}, seed=SEED, measured_on=measured_on)
    draws = offence_draws(cohort, effects={}, seed=SEED)
    assert list(offences.columns) == list(OFFENCE_COLUMNS)
    assert offences.get_column("proven_date").max() <= measured_on  # type: ignore[operator]
    known = draws.filter(pl.col("proven_date") <= measured_on).select(list(OFFENCE_COLUMNS))
    assert offences.equals(known)
    assert draws.height > known.height  # the rest is still to come


def test_a_seed_gives_the_same_rows_and_another_seed_others() -> None:
    cohort = _cohort()
    once = proven_offences_for(cohort, effects=TRUE_EFFECTS, seed=SEED, measured_on=AS_OF)
    again = proven_offences_for(cohort, effects=TRUE_EFFECTS, seed=SEED, measured_on=AS_OF)
    other = proven_offences_for(cohort, effects=TRUE_EFFECTS, seed=SEED + 1, measured_on=AS_OF)
    assert once.equals(again)
    assert not once.equals(other)
    assert _cohort().equals(cohort)
    assert not _cohort(seed=SEED + 1).equals(cohort)
    first, _ = baseline_cohort(contract_area="C03", size=500, seed=SEED)
    second, _ = baseline_cohort(contract_area="C03", size=500, seed=SEED)
    assert first.equals(second)


def _rates(cohort: pl.DataFrame, effects: dict[str, float]) -> pl.DataFrame:
    offences = proven_offences_for(
        cohort, effects=effects, seed=SEED, measured_on=dt.date(2030, 1, 1)
    )
    return engine.measure(cohort, offences.select(list(engine.OFFENCE_SCHEMA))).filter(
        pl.col("contract_area").is_not_null()
    )


def test_an_effect_changes_who_reoffends_but_not_how_often() -> None:
    size = 40_000
    cohort = pl.concat([_cohort(size, area="C01"), _cohort(size, area="C02")])
    rows = {r["contract_area"]: r for r in _rates(cohort, {"C02": -0.25}).iter_rows(named=True)}
    ratio = rows["C02"]["binary_rate"] / rows["C01"]["binary_rate"]
    assert 0.70 < ratio < 0.80  # 0.75 expected
    frequency = rows["C02"]["frequency_per_reoffender"] / rows["C01"]["frequency_per_reoffender"]
    assert 0.96 < frequency < 1.04
    # the baseline rate follows the scores: about the mean OGRS3 one-year probability
    mean_score = cohort.filter(pl.col("contract_area") == "C01")["ogrs3_one_year"].mean()
    assert abs(rows["C01"]["binary_rate"] - mean_score / 100) < 0.01  # type: ignore[operator]


def test_the_effect_applies_only_to_the_people_paid_by_results() -> None:
    size = 40_000
    cohort = _cohort(size, area="C07").with_columns(
        (pl.int_range(0, pl.len()) % 2 == 0).alias("paid_by_results")
    )
    offences = proven_offences_for(
        cohort, effects={"C07": 0.25}, seed=SEED, measured_on=dt.date(2030, 1, 1)
    )
    members = engine.person_outcomes(cohort, offences.select(list(engine.OFFENCE_SCHEMA)))
    rates = dict(
        members.group_by("paid_by_results")
        .agg((pl.col("reoffences") > 0).mean().alias("rate"))
        .iter_rows()
    )
    assert 1.18 < rates[True] / rates[False] < 1.32  # 1.25 expected


def test_a_person_without_a_score_reoffends_at_their_areas_mean() -> None:
    size = 40_000
    cohort = _cohort(size, area="C05").with_columns(
        pl.when(pl.int_range(0, pl.len()) % 2 == 0)
        .then(pl.lit(60, dtype=pl.Int64))
        .otherwise(None)
        .alias("ogrs3_one_year")
    )
    offences = proven_offences_for(cohort, effects={}, seed=SEED, measured_on=dt.date(2030, 1, 1))
    members = engine.person_outcomes(cohort, offences.select(list(engine.OFFENCE_SCHEMA)))
    unscored = members.filter(pl.col("ogrs3_one_year").is_null())
    rate = (unscored["reoffences"] > 0).mean()
    assert 0.57 < rate < 0.61  # type: ignore[operator]


def test_a_baseline_is_a_full_year_fully_followed_up_in_the_demos_shape() -> None:
    cohort, offences = baseline_cohort(contract_area="C11", size=20_000, seed=SEED, year=2011)
    assert cohort.height == 20_000 and cohort["person_id"].n_unique() == 20_000
    assert set(cohort["contract_area"]) == {"C11"} and set(cohort["cohort"]) == {"2011"}
    assert cohort["index_date"].min() >= dt.date(2011, 1, 1)  # type: ignore[operator]
    assert cohort["index_date"].max() <= dt.date(2011, 12, 31)  # type: ignore[operator]
    assert cohort["ogrs3_one_year"].null_count() == 0
    scores = cohort["ogrs3_one_year"]
    assert scores.min() >= 1 and scores.max() < 95  # type: ignore[operator]
    assert 13 <= scores.median() <= 18  # type: ignore[operator]  # the demo's: 15
    assert 19 <= scores.mean() <= 23  # type: ignore[operator]  # the demo's: 21
    # measured on the day the last member's 18 months have passed, not before: final
    proven = offences["proven_date"]
    assert dt.date(2013, 6, 1) <= proven.max() <= dt.date(2013, 6, 30)  # type: ignore[operator]


def test_scores_are_whole_percents_from_every_band() -> None:
    import numpy as np

    scores = draw_ogrs3(np.random.default_rng(SEED), 100_000)
    assert scores.min() >= 1 and scores.max() <= 94
    assert len(set((scores // 5).tolist())) == 19


def test_quarters_to_run_are_the_final_ones_with_crc_events_and_the_latest_ended() -> None:
    events = pl.DataFrame(
        {
            "index_date": [dt.date(2023, 2, 1), dt.date(2023, 5, 1), dt.date(2024, 8, 1)],
            "paid_by_results": [True, False, True],
        }
    )
    as_of = dt.date(2025, 6, 2)
    assert quarters_to_run(events, as_of=as_of) == [Quarter(2023, 1), Quarter(2025, 1)]


def test_the_demo_runs_only_the_latest_four_final_quarters() -> None:
    days = [dt.date(2021, month, 15) for month in range(1, 13)]
    days += [dt.date(2022, month, 15) for month in range(1, 13)]
    events = pl.DataFrame({"index_date": days, "paid_by_results": [True] * len(days)})
    quarters = quarters_to_run(events, as_of=dt.date(2025, 6, 2))
    assert quarters == [Quarter(2022, n) for n in (1, 2, 3, 4)] + [Quarter(2025, 1)]


# --- The demo world --------------------------------------------------------------------------

PEOPLE = 300


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[BuildResult]:
    yield from rolled_back_world(django_db_blocker, people=PEOPLE, as_of=AS_OF)


@pytest.mark.django_db
def test_the_world_has_proven_offences_known_by_its_day(world: BuildResult) -> None:
    offences = ProvenOffence.objects.all()
    assert offences.count() == world.counts["proven_offences"] > 0
    assert set(offences.values_list("source", flat=True)) == {DEMO_SOURCE}
    assert not offences.filter(proven_date__gt=AS_OF).exists()
    assert set(offences.values_list("proven_by", flat=True)) == {"conviction", "caution"}
    loads = AuditEvent.objects.filter(action=AuditAction.PROVEN_OFFENCES_LOADED)
    assert loads.count() == 1
    details: dict[str, Any] = loads.get().details or {}
    assert details["source"] == DEMO_SOURCE and details["rows"] == offences.count()
    assert details["people"] == offences.values("person").distinct().count()


@pytest.mark.django_db
def test_the_offences_are_drawn_for_the_worlds_index_events(world: BuildResult) -> None:
    events = world_index_events(as_of=AS_OF)
    assert events.height > PEOPLE / 2
    assert events["paid_by_results"].any() and not events["paid_by_results"].all()
    people_with_offences = set(ProvenOffence.objects.values_list("person_id", flat=True))
    assert people_with_offences <= set(events["person_pk"])


@pytest.mark.django_db
def test_every_area_has_terms_from_before_the_first_index_event(world: BuildResult) -> None:
    terms = ContractTerms.objects.all()
    assert terms.count() == 21 == world.counts["contract_terms"]
    first = world_index_events(as_of=AS_OF)["index_date"].min()
    assert isinstance(first, dt.date)
    for term in terms:
        assert term.starts_on <= first and term.ends_on is None
        assert term.price_per_reoffender_avoided > term.price_per_reoffence_avoided > 0
        assert 0 < term.deduction_rate <= 1


@pytest.mark.django_db
def test_every_area_has_a_2011_baseline_of_a_realistic_size(world: BuildResult) -> None:
    baselines = Baseline.objects.all()
    assert baselines.count() == 21
    for baseline in baselines:
        assert baseline.period == "2011"
        assert baseline.cohort_size >= BASELINE_MINIMUM
        assert 0 < baseline.reoffenders < baseline.cohort_size
        assert 0.1 < baseline.reoffenders / baseline.sum_probability < 1.5
        assert baseline.frequency > 1
    assert AuditEvent.objects.filter(action=AuditAction.BASELINE_LOADED).count() == 21


@pytest.mark.django_db
def test_a_run_for_each_final_quarter_and_the_latest_provisional_one(world: BuildResult) -> None:
    runs = list(PbrRun.objects.order_by("quarter"))
    expected = quarters_to_run(world_index_events(as_of=AS_OF), as_of=AS_OF)
    assert [run.quarter for run in runs] == [str(q) for q in expected]
    assert world.counts["pbr_runs"] == len(runs)
    assert [run.provisional for run in runs] == [False] * (len(runs) - 1) + [True]
    assert runs[-1].quarter == str(Quarter.containing(AS_OF).previous())
    for run in runs:
        assert run.measured_on == AS_OF and run.finished_at is not None
        assert AreaResult.objects.filter(run=run).count() == 21
    assert AuditEvent.objects.filter(action=AuditAction.PBR_RUN_COMPLETED).count() == len(runs)


@pytest.mark.django_db
def test_a_reset_empties_the_performance_tables(world: BuildResult) -> None:
    with transaction.atomic():
        reset_world()
        for model in PERFORMANCE_MODELS:
            assert not model._default_manager.exists(), model
        transaction.set_rollback(True)
    assert ProvenOffence.objects.exists()  # the world is back for the other tests


@pytest.mark.django_db
def test_probation_stats_counts_offences_baselines_runs_and_the_latest_final_result(
    world: BuildResult,
) -> None:
    counts = collect(
        [
            "proven_offences",
            "baselines",
            "pbr_runs_by_quarter",
            "pbr_latest_final_run_areas",
        ]
    )
    offences = counts["proven_offences"]
    assert isinstance(offences, dict)
    assert offences["total"] == ProvenOffence.objects.count() > 0
    assert offences["conviction"] + offences["caution"] == offences["total"]
    assert offences["people"] == ProvenOffence.objects.values("person").distinct().count()
    assert counts["baselines"] == {
        "areas": 21,
        "people": sum(Baseline.objects.values_list("cohort_size", flat=True)),
    }
    runs = PbrRun.objects.order_by("quarter")
    assert counts["pbr_runs_by_quarter"] == {
        f"{run.quarter} {'provisional' if run.provisional else 'final'}": 1 for run in runs
    }
    latest_final = runs.filter(provisional=False).last()
    assert latest_final is not None
    areas = counts["pbr_latest_final_run_areas"]
    assert isinstance(areas, dict)
    for measure in ("binary", "frequency"):
        found = {
            direction: AreaResult.objects.filter(
                run=latest_final, **{f"{measure}_direction": direction}
            ).count()
            for direction in ("improved", "worse", "no_change", "not_assessed")
        }
        assert {key: areas[f"{measure}_{key}"] for key in found} == found
        assert sum(found.values()) == 21


def test_each_areas_baseline_has_its_own_draws() -> None:
    size = 20_000
    outcomes = []
    for area in ("C01", "C02"):
        cohort, offences = baseline_cohort(contract_area=area, size=size, seed=SEED)
        members = engine.person_outcomes(cohort, offences.select(list(engine.OFFENCE_SCHEMA)))
        outcomes.append((members["reoffences"] > 0).cast(pl.Float64))
    correlation = (
        pl.DataFrame({"a": outcomes[0], "b": outcomes[1]}).select(pl.corr("a", "b")).item()
    )
    assert abs(correlation) < 0.04  # person n of two areas reoffends independently
