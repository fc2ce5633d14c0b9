"""Reads of the payment-by-results reference data a run needs (contract terms, baselines) and of
the runs themselves. Aggregates and prices only: no case data is read here."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from probation.performance.models import AreaResult, Baseline, ContractTerms, PbrRun, Statement


def terms_in_force(*, on: dt.date) -> dict[int, ContractTerms]:
    """Each contract area's terms in force on ``on`` (the latest to start, if periods overlap)."""
    terms = (
        ContractTerms.objects.filter(starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .order_by("contract_area_id", "starts_on", "id")
    )
    return {term.contract_area_id: term for term in terms}


def baselines_by_area() -> dict[int, Baseline]:
    return {baseline.contract_area_id: baseline for baseline in Baseline.objects.all()}


def latest_runs() -> list[PbrRun]:
    """The latest run of each quarter, newest quarter first (what is published)."""
    latest: dict[str, PbrRun] = {}
    for run in PbrRun.objects.filter(finished_at__isnull=False).order_by("-quarter", "-id"):
        latest.setdefault(run.quarter, run)
    return list(latest.values())


def run_results(*, run: PbrRun) -> list[dict[str, object]]:
    """A run's result per contract area with its statement's total, for the command line's
    summary (aggregates only)."""
    totals = dict(Statement.objects.filter(run=run).values_list("contract_area__code", "total"))
    rows: list[dict[str, object]] = []
    for result in AreaResult.objects.filter(run=run).select_related("contract_area"):
        code = result.contract_area.code
        rows.append(
            {
                "contract_area": code,
                "cohort_size": result.cohort_size,
                "reoffenders": result.reoffenders,
                "reoffences": result.reoffences,
                "binary_rate": result.binary_rate,
                "expected_reoffenders": result.expected_reoffenders,
                "binary_z": result.binary_z,
                "binary_direction": result.binary_direction,
                "frequency_direction": result.frequency_direction,
                "outcome_payment": result.outcome_payment,
                "outcome_deduction": result.outcome_deduction,
                "statement_total": totals.get(code),
            }
        )
    return rows
