"""Reads of risk information for a case the user has already been allowed to see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from probation.people.models import Case
from probation.risk.models import Assessment, Registration, TierCalculation


def risk_summary(case: Case) -> dict[str, Any]:
    """What the case overview's risk panel shows: latest assessment, tier and registrations."""
    return {
        "assessment": Assessment.objects.filter(case=case).order_by("-assessed_on", "-id").first(),
        "tier_calculation": TierCalculation.objects.filter(case=case).order_by("-id").first(),
        "registrations": list(
            Registration.objects.filter(case=case, ended_on__isnull=True).order_by("kind")
        ),
    }


def tier_history(case: Case) -> QuerySet[TierCalculation]:
    return TierCalculation.objects.filter(case=case).select_related("calculated_by").order_by("-id")


def registrations_of(case: Case) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(case=case)
        .select_related("registered_by")
        .order_by("ended_on", "-registered_on", "-id")
    )
