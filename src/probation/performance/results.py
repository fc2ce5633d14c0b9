"""Each contract area's reoffending against its baseline, and the outcome payment it earns.

Spec: ``docs/domain/reoffending-and-payment.md`` ("Payment by results"); the method is
``probation.rules.payment`` and the decisions are in ``docs/adr/0019-payment-by-results.md``.

A quarter's cohort is hundreds of thousands of people, so the members frame is aggregated with
Polars (group-bys by area, by OGRS3 score and by reoffences per reoffender); only those few
aggregates, never a row per person, reach the payment rules: a binary test is passed each
distinct score with its count, a frequency test each distinct number of reoffences with its
count. Nothing is saved here: :func:`area_results` returns unsaved ``AreaResult`` records for
``performance.services.pbr_run_record`` to save, in the same order for the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import polars as pl

from probation.contracts.models import ContractArea
from probation.performance.models import AreaResult, Baseline, ContractTerms, Direction, PbrRun
from probation.rules.payment import (
    BaselineFigures,
    BinaryTest,
    FrequencyTest,
    OutcomePrices,
    binary_test,
    calibration,
    frequency_test,
    large_enough_for_binary,
    large_enough_for_frequency,
    outcome_amounts,
)

#: The members frame's columns this module reads (the frame is built by the lead's extract).
MEMBER_COLUMNS = ("contract_area_id", "ogrs3_one_year", "reoffences")


@dataclass(frozen=True, slots=True)
class AreaAggregates:
    """One area's cohort reduced to what the payment rules need."""

    cohort_size: int
    reoffenders: int
    reoffences: int
    without_ogrs3: int
    # (OGRS3 one-year percent, members with it) for the scored members, by score.
    scores: tuple[tuple[int, int], ...]
    # (reoffences, reoffenders with that many) for the reoffenders, by reoffences.
    reoffence_counts: tuple[tuple[int, int], ...]


_EMPTY = AreaAggregates(0, 0, 0, 0, (), ())


def aggregate_members(members: pl.DataFrame) -> dict[int, AreaAggregates]:
    """The members frame reduced per contract area id, in three group-bys."""
    missing = [name for name in MEMBER_COLUMNS if name not in members.columns]
    if missing:
        raise ValueError(f"members: missing columns: {', '.join(missing)}")
    frame = members.select(
        pl.col("contract_area_id").cast(pl.Int64),
        pl.col("ogrs3_one_year").cast(pl.Int64),
        pl.col("reoffences").cast(pl.Int64),
    )
    totals = (
        frame.group_by("contract_area_id")
        .agg(
            pl.len().alias("cohort_size"),
            (pl.col("reoffences") > 0).sum().alias("reoffenders"),
            pl.col("reoffences").sum().alias("reoffences"),
            pl.col("ogrs3_one_year").null_count().alias("without_ogrs3"),
        )
        .sort("contract_area_id")
    )
    scores = (
        frame.filter(pl.col("ogrs3_one_year").is_not_null())
        .group_by("contract_area_id", "ogrs3_one_year")
        .agg(pl.len().alias("count"))
        .sort("contract_area_id", "ogrs3_one_year")
    )
    reoffence_counts = (
        frame.filter(pl.col("reoffences") > 0)
        .group_by("contract_area_id", "reoffences")
        .agg(pl.len().alias("count"))
        .sort("contract_area_id", "reoffences")
    )
    by_area_scores: dict[int, list[tuple[int, int]]] = {}
    for area_id, score, count in scores.iter_rows():
        by_area_scores.setdefault(area_id, []).append((score, count))
    by_area_reoffences: dict[int, list[tuple[int, int]]] = {}
    for area_id, value, count in reoffence_counts.iter_rows():
        by_area_reoffences.setdefault(area_id, []).append((value, count))
    return {
        area_id: AreaAggregates(
            cohort_size=size,
            reoffenders=reoffenders,
            reoffences=reoffences,
            without_ogrs3=without,
            scores=tuple(by_area_scores.get(area_id, ())),
            reoffence_counts=tuple(by_area_reoffences.get(area_id, ())),
        )
        for area_id, size, reoffenders, reoffences, without in totals.iter_rows()
    }


def baseline_figures(baseline: Baseline) -> BaselineFigures:
    return BaselineFigures(
        cohort_size=baseline.cohort_size,
        reoffenders=baseline.reoffenders,
        reoffences=baseline.reoffences,
        sum_probability=float(baseline.sum_probability),
        frequency=float(baseline.frequency),
    )


def outcome_prices(terms: ContractTerms) -> OutcomePrices:
    return OutcomePrices(
        price_per_reoffender_avoided=Decimal(terms.price_per_reoffender_avoided),
        price_per_reoffence_avoided=Decimal(terms.price_per_reoffence_avoided),
        deduction_rate=Decimal(terms.deduction_rate),
    )


def _tests(
    figures: AreaAggregates, baseline: BaselineFigures | None
) -> tuple[BinaryTest | None, FrequencyTest | None]:
    """The binary and frequency tests, or None where there is nothing to test against.

    Without a baseline there is no expected figure. A baseline whose OGRS3 probabilities sum to 0
    cannot calibrate the scores, so the binary measure is not assessed; its frequency still is.
    """
    if baseline is None:
        return None, None
    frequency = frequency_test(
        baseline_frequency=baseline.frequency,
        reoffences_per_reoffender=[value for value, _ in figures.reoffence_counts],
        counts=[count for _, count in figures.reoffence_counts],
    )
    if not large_enough_for_frequency(reoffenders=figures.reoffenders):
        frequency = replace(frequency, direction=Direction.NOT_ASSESSED.value)
    if baseline.sum_probability <= 0:
        return None, frequency
    binary = binary_test(
        k=calibration(baseline),
        probabilities=[score / 100 for score, _ in figures.scores],
        counts=[count for _, count in figures.scores],
        reoffenders=figures.reoffenders,
        unknown=figures.without_ogrs3,
        unknown_rate=baseline.rate,
    )
    return _sized(binary, figures), frequency


def _sized(binary: BinaryTest, figures: AreaAggregates) -> BinaryTest:
    """The binary test, "not assessed" when the cohort is too small for its approximation."""
    if large_enough_for_binary(expected=binary.expected, cohort_size=figures.cohort_size):
        return binary
    return replace(binary, direction=Direction.NOT_ASSESSED.value)


def area_result(
    *,
    run: PbrRun,
    contract_area_id: int,
    figures: AreaAggregates,
    baseline: Baseline | None,
    terms: ContractTerms | None,
) -> AreaResult:
    """One area's unsaved result: the cohort's figures, both tests and the outcome amounts."""
    size, reoffenders, reoffences = figures.cohort_size, figures.reoffenders, figures.reoffences
    base = baseline_figures(baseline) if baseline is not None else None
    binary, frequency = _tests(figures, base)
    payment = deduction = Decimal("0.00")
    if terms is not None and frequency is not None:
        # Each measure pays on its own: a baseline that cannot calibrate OGRS3 still pays (or
        # deducts) on the frequency measure.
        unassessed = BinaryTest(0.0, 0.0, None, Direction.NOT_ASSESSED.value, reoffenders)
        amounts = outcome_amounts(
            binary=binary or unassessed,
            frequency=frequency,
            prices=outcome_prices(terms),
            provisional=bool(run.provisional),
        )
        payment, deduction = amounts.payment, amounts.deduction
    if run.provisional:
        # Part of the follow-up against a fully followed-up baseline would make every area look
        # better than it is: a provisional result states its figures and compares nothing yet.
        binary_direction = frequency_direction = Direction.NOT_ASSESSED.value
    else:
        binary_direction = binary.direction if binary else Direction.NOT_ASSESSED.value
        frequency_direction = frequency.direction if frequency else Direction.NOT_ASSESSED.value
    return AreaResult(
        run=run,
        contract_area_id=contract_area_id,
        cohort_size=size,
        reoffenders=reoffenders,
        reoffences=reoffences,
        binary_rate=reoffenders / size if size else None,
        frequency_per_reoffender=reoffences / reoffenders if reoffenders else None,
        frequency_per_100=100 * reoffences / size if size else None,
        without_ogrs3=figures.without_ogrs3,
        sum_probability=sum(score * count for score, count in figures.scores) / 100,
        expected_reoffenders=binary.expected if binary else None,
        variance=binary.variance if binary else None,
        binary_z=binary.z if binary else None,
        binary_direction=binary_direction,
        expected_reoffences=frequency.expected if frequency else None,
        frequency_variance=frequency.variance if frequency else None,
        frequency_z=frequency.z if frequency else None,
        frequency_direction=frequency_direction,
        outcome_payment=payment,
        outcome_deduction=deduction,
    )


def area_results(
    *,
    run: PbrRun,
    members: pl.DataFrame,
    baselines: dict[int, Baseline],
    terms: dict[int, ContractTerms],
) -> list[AreaResult]:
    """Unsaved results, one per contract area with members or a baseline, by area code.

    ``baselines`` and ``terms`` are keyed by contract area id (the terms in force at the quarter's
    end). An area with a baseline but nobody in the cohort gets a result of zeros (not assessed),
    so a missing area is visible; an area without contract terms earns and loses nothing.
    Payments are 0 when the run is provisional (``rules.payment.outcome_amounts``).
    """
    aggregates = aggregate_members(members)
    area_ids = set(aggregates) | set(baselines)
    codes = dict(ContractArea.objects.filter(pk__in=area_ids).values_list("pk", "code"))
    unknown = sorted(area_ids - set(codes))
    if unknown:
        raise ValueError(f"members: unknown contract area ids {unknown}")
    return [
        area_result(
            run=run,
            contract_area_id=area_id,
            figures=aggregates.get(area_id, _EMPTY),
            baseline=baselines.get(area_id),
            terms=terms.get(area_id),
        )
        for area_id in sorted(area_ids, key=lambda pk: (codes[pk], pk))
    ]
