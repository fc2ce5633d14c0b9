"""A tier result as a history row: one mapping shared by the single-case service and the bulk
recompute, so the two cannot drift apart."""

from __future__ import annotations

from typing import Any

from probation.risk.models import TierCalculation
from probation.rules.tiering import TierResult


def tier_history_row(
    result: TierResult,
    *,
    case_id: int,
    trigger: str,
    calculated_by: Any,
    facts: dict[str, Any],
) -> TierCalculation:
    """An unsaved :class:`TierCalculation` for ``result`` (the caller saves or bulk-inserts it)."""
    return TierCalculation(
        case_id=case_id,
        trigger=trigger,
        calculated_by=calculated_by,
        tier=result.tier,
        protect_level=result.protect_level,
        protect_points=result.protect_points,
        change_level=result.change_level,
        change_points=result.change_points,
        explanation=result.explanation,
        reasons=[list(r) for r in result.reasons],
        facts=facts,
    )
