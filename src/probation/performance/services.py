"""Writes of payment by results: a quarter's run, a contract area's baseline, an offences load.

A run (``probation pbr run --quarter``) is one transaction: the cohort the extract read, the
results against each area's baseline, the public activity figures, the payment statements and
the gaming indicators are stored together or not at all, with the data's fingerprint and the
engine version, and audited once. Nothing is ever updated: running a quarter again makes a new
run, and the same data gives the same figures (``docs/adr/0019-payment-by-results.md``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from probation.contracts.models import ContractArea
from probation.core.audit import AuditAction, audit, snapshot
from probation.core.bulk import bulk_insert
from probation.core.errors import InvalidInput
from probation.performance import engine
from probation.performance.extract import QuarterExtract
from probation.performance.figures import area_figures
from probation.performance.indicators import indicator_flags
from probation.performance.models import (
    AreaFigures,
    AreaResult,
    Baseline,
    CohortMember,
    IndicatorFlag,
    PbrRun,
    ProvenOffence,
    StatementLine,
)
from probation.performance.results import area_results
from probation.performance.selectors import baselines_by_area, terms_in_force
from probation.performance.statements import statements_for
from probation.rules.reoffending import Quarter

Progress = Callable[[str, int, int], None]

#: The steps of a run, for a progress bar.
RUN_STEPS = (
    "Measuring the cohort",
    "Storing the cohort",
    "Results against the baselines",
    "Activity figures",
    "Payment statements",
    "Gaming indicators",
)


def _actor(by_user: Any) -> Any:
    return by_user if getattr(by_user, "is_authenticated", False) else None


@transaction.atomic
def pbr_run_record(
    *,
    quarter: Quarter,
    extract: QuarterExtract,
    measured_on: dt.date,
    by_user: Any,
    progress: Progress | None = None,
) -> PbrRun:
    """Compute and store a quarter's results and statements from ``extract``."""
    if extract.quarter != quarter or extract.measured_on != measured_on:
        raise ValueError("extract: was read for another quarter or day than the run's")
    report: Progress = progress or (lambda step, done, total: None)
    total = len(RUN_STEPS)
    run = PbrRun.objects.create(
        quarter=str(quarter),
        measured_on=measured_on,
        provisional=quarter.is_provisional(measured_on=measured_on),
        data_fingerprint=engine.fingerprint(extract.cohort, extract.offences),
        engine_version=engine.ENGINE_VERSION,
        run_by=_actor(by_user),
    )
    report(RUN_STEPS[0], 0, total)
    members = engine.person_outcomes(extract.cohort, extract.offences)
    report(RUN_STEPS[1], 1, total)
    bulk_insert(CohortMember, _cohort_members(run, members))
    report(RUN_STEPS[2], 2, total)
    results = area_results(
        run=run,
        members=members,
        baselines=baselines_by_area(),
        terms=terms_in_force(on=quarter.ends_on),
    )
    AreaResult.objects.bulk_create(results)
    report(RUN_STEPS[3], 3, total)
    AreaFigures.objects.bulk_create(area_figures(run=run, quarter=quarter))
    report(RUN_STEPS[4], 4, total)
    lines: list[StatementLine] = []
    for statement, statement_lines in statements_for(run=run, quarter=quarter, results=results):
        statement.save()
        for line in statement_lines:
            line.statement = statement
        lines.extend(statement_lines)
    StatementLine.objects.bulk_create(lines)
    report(RUN_STEPS[5], 5, total)
    IndicatorFlag.objects.bulk_create(indicator_flags(run=run, quarter=quarter, members=members))
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])
    audit(
        by_user,
        AuditAction.PBR_RUN_COMPLETED,
        run,
        details={
            "quarter": str(quarter),
            "measured_on": measured_on,
            "provisional": run.provisional,
            "data_fingerprint": run.data_fingerprint,
            "engine_version": run.engine_version,
            "cohort": members.height,
            "offences": extract.offences.height,
            "areas_improved": sum(r.binary_direction == "improved" for r in results),
            "areas_worse": sum(r.binary_direction == "worse" for r in results),
        },
    )
    report("Done", total, total)
    return run


def _cohort_members(run: PbrRun, members: pl.DataFrame) -> list[CohortMember]:
    columns = (
        "person_pk",
        "contract_area_id",
        "organisation_id",
        "index_date",
        "index_kind",
        "ogrs3_one_year",
        "reoffences",
    )
    return [
        CohortMember(
            run=run,
            person_id=person_pk,
            contract_area_id=area_id,
            organisation_id=organisation_id,
            index_date=index_date,
            index_kind=index_kind,
            ogrs3_one_year=ogrs3,
            reoffences=reoffences,
        )
        for person_pk, area_id, organisation_id, index_date, index_kind, ogrs3, reoffences in (
            members.select(columns).iter_rows()
        )
    ]


@transaction.atomic
def baseline_record(
    *,
    contract_area: ContractArea,
    period: str,
    cohort: pl.DataFrame,
    offences: pl.DataFrame,
    by_user: Any,
) -> Baseline:
    """Measure a contract area's baseline cohort with the engine and keep the figures the payment
    method needs (replacing the area's previous baseline, audited before and after).

    Every member needs an OGRS3 score: the calibration ``k`` divides by their sum.
    """
    period = period.strip()
    if not period or len(period) > 20:
        raise InvalidInput("period: give the baseline's period, e.g. 2011 (up to 20 characters)")
    members = engine.person_outcomes(cohort, offences)
    if members.is_empty():
        raise InvalidInput("cohort: the baseline cohort is empty")
    missing = members.filter(pl.col("ogrs3_one_year").is_null()).height
    if missing:
        raise InvalidInput(
            f"cohort: {missing:,} baseline members have no OGRS3 score; every member needs one"
        )
    figures = members.select(
        pl.len().alias("cohort_size"),
        (pl.col("reoffences") > 0).sum().alias("reoffenders"),
        pl.col("reoffences").sum().alias("reoffences"),
        (pl.col("ogrs3_one_year").cast(pl.Float64) / 100).sum().alias("sum_probability"),
    ).row(0, named=True)
    if figures["reoffenders"] == 0 or figures["sum_probability"] <= 0:
        raise InvalidInput("cohort: a baseline needs at least one reoffender and one OGRS3 above 0")
    existing = Baseline.objects.select_for_update().filter(contract_area=contract_area).first()
    before = snapshot(existing) if existing else None
    baseline = existing or Baseline(contract_area=contract_area)
    baseline.period = period
    baseline.cohort_size = figures["cohort_size"]
    baseline.reoffenders = figures["reoffenders"]
    baseline.reoffences = figures["reoffences"]
    baseline.sum_probability = figures["sum_probability"]
    baseline.frequency = figures["reoffences"] / figures["reoffenders"]
    baseline.fingerprint = engine.fingerprint(cohort, offences)
    baseline.engine_version = engine.ENGINE_VERSION
    baseline.loaded_at = timezone.now()
    baseline.loaded_by = _actor(by_user)
    baseline.save()
    audit(
        by_user,
        AuditAction.BASELINE_LOADED,
        baseline,
        before=before,
        after=snapshot(baseline),
        details={"contract_area": contract_area.code, "period": period},
    )
    return baseline


@transaction.atomic
def proven_offences_record(*, offences: pl.DataFrame, source: str, by_user: Any) -> int:
    """Add proven offences from an extract (columns ``person_pk``, ``offence_date``,
    ``proven_date``, ``proven_by``, optional ``offence_category``); one audit event for the load.
    """
    source = source.strip()
    if not source or len(source) > 40:
        raise InvalidInput("source: name the extract, up to 40 characters")
    if offences.is_empty():
        return 0
    if "offence_category" not in offences.columns:
        offences = offences.with_columns(pl.lit("").alias("offence_category"))
    bad = offences.filter(pl.col("proven_date") < pl.col("offence_date")).height
    if bad:
        raise InvalidInput(f"offences: {bad:,} rows are proven before they were committed")
    recorded_at = timezone.now()
    rows = [
        ProvenOffence(
            person_id=person_pk,
            offence_date=offence_date,
            proven_date=proven_date,
            proven_by=proven_by,
            offence_category=category or "",
            source=source,
            recorded_at=recorded_at,
        )
        for person_pk, offence_date, proven_date, proven_by, category in offences.select(
            "person_pk", "offence_date", "proven_date", "proven_by", "offence_category"
        ).iter_rows()
    ]
    bulk_insert(ProvenOffence, rows)
    audit(
        by_user,
        AuditAction.PROVEN_OFFENCES_LOADED,
        details={
            "source": source,
            "rows": len(rows),
            "people": offences.get_column("person_pk").n_unique(),
        },
    )
    return len(rows)
