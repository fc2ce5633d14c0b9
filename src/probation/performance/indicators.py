"""Gaming indicators (helper B replaces this stub)."""

from __future__ import annotations

import polars as pl

from probation.performance.models import IndicatorFlag, PbrRun
from probation.rules.reoffending import Quarter


def indicator_flags(*, run: PbrRun, quarter: Quarter, members: pl.DataFrame) -> list[IndicatorFlag]:
    raise NotImplementedError
