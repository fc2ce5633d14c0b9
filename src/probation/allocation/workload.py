"""Reads for the team workload page (``docs/domain/workload.md``, ADR 0014): each practitioner of
a team with their cases by tier, case points, report points, reductions, available points and
capacity, computed live from the current cases.

A manager reads the teams of their own organisation. The figures count every active case of
each practitioner, as the choice of practitioners does (ADR 0010 decision 8): they are figures
and show no case. A fixed number of queries whatever the size of the team.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from probation.allocation.selectors import (
    case_points_of,
    case_type_of,
    report_points_by_officer,
)
from probation.courts.models import Sentence, SentenceStatus
from probation.people.models import Case, CaseStatus
from probation.rules import workload
from probation.workforce.models import RoleCode, Team, User
from probation.workforce.selectors import case_points_table

__all__ = ["TIER_GROUPS", "WorkloadRow", "team_by_id", "team_workload", "teams_for"]

#: How the page groups a practitioner's cases: by tier letter, then cases with no tier.
TIER_GROUPS: tuple[str, ...] = ("A", "B", "C", "D", "none")


@dataclass(frozen=True)
class WorkloadRow:
    """One practitioner's workload."""

    officer: User
    grade: str
    cases: int
    by_tier: dict[str, int] = field(default_factory=dict)
    case_points: int = 0
    report_points: int = 0
    contracted_hours: Decimal = Decimal(0)
    reduction_hours: Decimal = Decimal(0)
    available_points: int = 0
    capacity_percent: float = 0.0

    @property
    def total_points(self) -> int:
        return self.case_points + self.report_points

    @property
    def over_capacity(self) -> bool:
        return self.capacity_percent > 100

    @property
    def tier_counts(self) -> list[tuple[str, int]]:
        """(group, count) in the page's order: A, B, C, D, then no tier."""
        return [(group, self.by_tier.get(group, 0)) for group in TIER_GROUPS]


def teams_for(user: Any) -> QuerySet[Team]:
    """The teams whose workload ``user`` may read: their own organisation's."""
    return Team.objects.filter(organisation_id=user.organisation_id).order_by("name", "pk")


def team_by_id(user: Any, pk: int) -> Team | None:
    """The team ``pk`` if it is one of ``user``'s organisation, else None."""
    return teams_for(user).filter(pk=pk).first()


def _capacity(officer: User, total_points: int) -> workload.Capacity:
    if officer.grade not in workload.GRADE_TARGETS:
        return workload.Capacity(total_points, 0, 0.0)
    return workload.capacity(
        grade=officer.grade,
        total_points=total_points,
        contracted_hours=float(officer.contracted_hours),
        reduction_hours=float(min(officer.reduction_hours, officer.contracted_hours)),
    )


def team_workload(*, team: Team, today: dt.date | None = None) -> list[WorkloadRow]:
    """The active practitioners of ``team`` (members holding the practitioner role), by name,
    each with their workload now. Six queries: the practitioners, their active cases, those
    cases' active sentences, the case points table, the report points table and the reports."""
    today = timezone.localdate() if today is None else today
    officers = list(
        User.objects.filter(team=team, is_active=True, roles__code=RoleCode.PRACTITIONER)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
    # No ordering (a case's default order joins the person); the sentences are read by a join
    # on the same filter, not by a list of case ids (thousands at national scale).
    held_cases = Case.objects.filter(
        responsible_officer__in=[officer.pk for officer in officers], status=CaseStatus.ACTIVE
    ).order_by()
    held = list(held_cases.values_list("pk", "responsible_officer_id", "tier"))
    disposals: dict[int, list[tuple[str, dt.date | None]]] = defaultdict(list)
    for case_id, disposal, release in (
        Sentence.objects.filter(
            case__responsible_officer__in=[officer.pk for officer in officers],
            case__status=CaseStatus.ACTIVE,
            status=SentenceStatus.ACTIVE,
        )
        .order_by()
        .values_list("case_id", "disposal", "release_date")
    ):
        disposals[case_id].append((disposal, release))
    table = case_points_table()
    by_tier: dict[int, Counter[str]] = defaultdict(Counter)
    points: dict[int, int] = defaultdict(int)
    for case_id, officer_id, tier in held:
        by_tier[officer_id][tier[:1] if tier else "none"] += 1
        case_type = case_type_of(disposals[case_id], today=today)
        points[officer_id] += case_points_of(case_type, tier, table)
    reports = report_points_by_officer([officer.pk for officer in officers], today=today)
    rows = []
    for officer in officers:
        total = points[officer.pk] + reports[officer.pk]
        capacity = _capacity(officer, total)
        rows.append(
            WorkloadRow(
                officer=officer,
                grade=officer.grade,
                cases=sum(by_tier[officer.pk].values()),
                by_tier=dict(by_tier[officer.pk]),
                case_points=points[officer.pk],
                report_points=reports[officer.pk],
                contracted_hours=officer.contracted_hours,
                reduction_hours=officer.reduction_hours,
                available_points=capacity.available_points,
                capacity_percent=capacity.capacity_percent,
            )
        )
    return rows
