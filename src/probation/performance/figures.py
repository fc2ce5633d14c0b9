"""Public activity figures per contract area and quarter (helper D replaces this stub)."""

from __future__ import annotations

from probation.performance.models import AreaFigures, PbrRun
from probation.rules.reoffending import Quarter


def area_figures(*, run: PbrRun, quarter: Quarter) -> list[AreaFigures]:
    raise NotImplementedError
