"""Reads of the payment-by-results reference data a run needs (contract terms, baselines) and of
the runs themselves. Aggregates and prices only: no case data is read here."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from probation.performance.models import Baseline, ContractTerms, PbrRun


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
