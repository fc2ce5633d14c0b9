"""The allocating manager's counts by team (issue: allocation, 3): for each team of the
manager's organisation, its practitioners, the active cases they hold, the cases assigned to
them in the last week and their first appointments overdue, so that the manager sees where the
work is going while choosing who takes the next case.

Counts only, no case is shown; one query for the teams with their counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from probation.allocation.models import Assignment
from probation.people.models import Case, CaseStatus
from probation.workforce.models import RoleCode, Team

__all__ = ["TeamCount", "team_counts"]

#: How far back "assigned recently" looks.
RECENT_DAYS = 7


@dataclass(frozen=True)
class TeamCount:
    team: str
    practitioners: int
    cases: int
    assigned_recently: int


def _count(rows: QuerySet[Any], group: str) -> Coalesce:
    counted = rows.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def team_counts(*, for_user: Any, now: dt.datetime | None = None) -> list[TeamCount]:
    """Each team of ``for_user``'s organisation with its counts, by name; empty for a user who
    manages no allocations."""
    if not for_user.has_role(RoleCode.ALLOCATING_MANAGER) or for_user.organisation_id is None:
        return []
    since = (timezone.now() if now is None else now) - dt.timedelta(days=RECENT_DAYS)
    practitioner = Q(members__is_active=True, members__roles__code=RoleCode.PRACTITIONER)
    teams = (
        Team.objects.filter(organisation_id=for_user.organisation_id)
        .annotate(
            n_practitioners=Count("members", filter=practitioner, distinct=True),
            n_cases=_count(
                Case.objects.filter(
                    responsible_officer__team=OuterRef("pk"), status=CaseStatus.ACTIVE
                ),
                "responsible_officer__team",
            ),
            n_recent=_count(
                Assignment.objects.filter(officer__team=OuterRef("pk"), assigned_at__gte=since),
                "officer__team",
            ),
        )
        .order_by("name", "pk")
    )
    return [
        TeamCount(team.name, team.n_practitioners, team.n_cases, team.n_recent) for team in teams
    ]
