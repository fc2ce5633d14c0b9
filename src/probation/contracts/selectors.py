"""Reads of the contract reference data (not case data: any signed-in member of staff may read it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q

from probation.contracts.models import ContractArea, ContractAreaOwnership


@dataclass(frozen=True)
class AreaOwner:
    code: str
    name: str
    provider: str
    since: dt.date | None


def contract_areas_with_owners(*, on: dt.date) -> list[AreaOwner]:
    """The 21 contract package areas and the provider that owned each CRC on ``on``."""
    current = ContractAreaOwnership.objects.filter(starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )
    areas = ContractArea.objects.prefetch_related(
        Prefetch("ownerships", queryset=current.select_related("provider"), to_attr="current")
    ).order_by("code")
    rows = []
    for area in areas:
        owner = area.current[0] if area.current else None
        rows.append(
            AreaOwner(
                code=area.code,
                name=area.name,
                provider=owner.provider.name if owner else "No owner recorded",
                since=owner.starts_on if owner else None,
            )
        )
    return rows


def contract_area_by_code(*, code: str) -> ContractArea | None:
    """The contract area with ``code`` (e.g. "C08"), or None."""
    return ContractArea.objects.filter(code=code).first()
