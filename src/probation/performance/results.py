"""Per-area results against the baseline and outcome payments (helper B replaces this stub)."""

from __future__ import annotations

import polars as pl

from probation.performance.models import AreaResult, Baseline, ContractTerms, PbrRun


def area_results(
    *,
    run: PbrRun,
    members: pl.DataFrame,
    baselines: dict[int, Baseline],
    terms: dict[int, ContractTerms],
) -> list[AreaResult]:
    raise NotImplementedError
