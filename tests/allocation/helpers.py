"""Helpers for allocation tests: assessments, managers and practitioners of an organisation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from probation.risk.models import Assessment
from tests.factories import UserFactory, organisation


def assess(
    case: Any,
    *,
    rosh: str = "low",
    mappa: int | None = None,
    rsr: str | None = None,
    audience: str = "rosh_public",
) -> Assessment:
    """Record an assessment directly: ``rosh`` for one audience, low for the others."""
    levels = dict.fromkeys(
        ("rosh_public", "rosh_known_adult", "rosh_children", "rosh_staff"), "low"
    )
    levels[audience] = rosh
    return Assessment.objects.create(
        case=case,
        assessed_on=dt.date(2025, 1, 6),
        report_type="fast",
        mappa_category=mappa,
        mappa_level=1 if mappa else None,
        rsr=Decimal(rsr) if rsr is not None else None,
        **levels,
    )


def manager_of(code: str, **kwargs: Any) -> Any:
    return UserFactory(
        organisation=organisation(code), roles=["allocating_manager"], grade="SPO", **kwargs
    )


def practitioner_of(code: str, grade: str = "PO", **kwargs: Any) -> Any:
    return UserFactory(
        organisation=organisation(code), roles=["practitioner"], grade=grade, **kwargs
    )
