"""The allocating manager's counts by team (issue: allocation, 3): for each team of the
manager's organisation, its practitioners, the active cases they hold, the cases assigned to
them in the last week and their first appointments overdue, so that the manager sees where the
work is going while choosing who takes the next case.

Counts only, no case is shown; a few grouped queries, however many teams.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from probation.allocation.models import Assignment
from probation.people.models import Case, CaseStatus
from probation.workforce.models import RoleCode, Team, User

__all__ = ["TeamCount", "team_counts"]

#: How far back "assigned recently" looks.
RECENT_DAYS = 7


@dataclass(frozen=True)
class TeamCount:
    team: str
    practitioners: int
    cases: int
    assigned_recently: int


def _by_team(rows: QuerySet[Any], team_field: str) -> dict[int, int]:
    grouped = rows.order_by().values(team_field).annotate(n=Count("pk", distinct=True))
    return {row[team_field]: row["n"] for row in grouped}


def team_counts(*, for_user: Any, now: dt.datetime | None = None) -> list[TeamCount]:
    """Each team of ``for_user``'s office (of their organisation, when they have no office or
    it has no teams) with its counts, by name; empty for a user who manages no allocations.
    A few grouped queries, whatever the number of teams: the NPS has hundreds, and a manager
    allocates within their office's."""
    if not for_user.has_role(RoleCode.ALLOCATING_MANAGER) or for_user.organisation_id is None:
        return []
    since = (timezone.now() if now is None else now) - dt.timedelta(days=RECENT_DAYS)
    organisation = for_user.organisation_id
    local = Team.objects.filter(organisation_id=organisation)
    if for_user.office_id is not None and local.filter(office_id=for_user.office_id).exists():
        local = local.filter(office_id=for_user.office_id)
    teams = list(local.order_by("name", "pk").values_list("pk", "name"))
    practitioners = _by_team(
        User.objects.filter(
            team__organisation_id=organisation,
            is_active=True,
            roles__code=RoleCode.PRACTITIONER,
        ),
        "team",
    )
    cases = _by_team(
        Case.objects.filter(
            responsible_officer__team__organisation_id=organisation, status=CaseStatus.ACTIVE
        ),
        "responsible_officer__team",
    )
    recent = _by_team(
        Assignment.objects.filter(
            officer__team__organisation_id=organisation, assigned_at__gte=since
        ),
        "officer__team",
    )
    return [
        TeamCount(name, practitioners.get(pk, 0), cases.get(pk, 0), recent.get(pk, 0))
        for pk, name in teams
    ]
