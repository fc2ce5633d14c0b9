"""Payment statements: fee for service, service-level deductions, outcome lines (helper E
replaces this stub)."""

from __future__ import annotations

from probation.performance.models import AreaResult, PbrRun, Statement, StatementLine
from probation.rules.reoffending import Quarter


def statements_for(
    *, run: PbrRun, quarter: Quarter, results: list[AreaResult]
) -> list[tuple[Statement, list[StatementLine]]]:
    raise NotImplementedError
