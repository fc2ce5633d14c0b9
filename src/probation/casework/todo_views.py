"""The practitioner's to-do list (their home) and the manager's team view of the same (issue:
supervision and enforcement, point 7; ``probation/casework/todo.py``). Their URLs are listed at
the bottom and included by ``probation/casework/urls.py``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from probation.allocation import services as allocation
from probation.allocation.workload import teams_for
from probation.casework.todo import team_todo, todo_list
from probation.casework.workload_views import TeamForm, _chosen_team
from probation.core.audit import AuditAction
from probation.people.access import reads_audited, role_refused, signed_in_case_reader
from probation.workforce.models import RoleCode


@signed_in_case_reader
def todo(request: HttpRequest) -> HttpResponse:
    """What is waiting for the signed-in practitioner, most urgent first, each item linked to
    the page that deals with it. The cases it names are audited as a list read."""
    user: Any = request.user
    if not user.has_role(RoleCode.PRACTITIONER):
        role_refused(user=user, page="to-do list", path=request.path)
        raise PermissionDenied
    todo = todo_list(for_user=user)
    reads_audited(
        user=user,
        action=AuditAction.CASES_LISTED,
        details={"list": "to-do", "crns": todo.crns},
        path=request.path,
    )
    return render(request, "casework/todo/todo.html", {"todo": todo, "caseload": todo.caseload})


@signed_in_case_reader
def team_todo_page(request: HttpRequest) -> HttpResponse:
    """An allocating manager's view of a team's to-do lists: counts per practitioner and what
    is overdue (no case is named, so nothing here reads a case)."""
    user: Any = request.user
    if not user.has_role(*allocation.ASSIGNING_ROLES):
        role_refused(user=user, page="team to-do lists", path=request.path)
        raise PermissionDenied
    teams = list(teams_for(user))
    team = _chosen_team(request, user, teams)
    rows = team_todo(for_user=user, team=team) if team is not None else []
    form = TeamForm(initial={"team": team.pk if team else None}, teams=teams)
    return render(
        request,
        "casework/todo/team.html",
        {
            "team": team,
            "rows": rows,
            "form": form,
            "totals": {
                key: sum(getattr(row, key) for row in rows)
                for key in (
                    "absences",
                    "absences_overdue",
                    "failures",
                    "outcomes",
                    "outcomes_overdue",
                    "reviews",
                    "reviews_overdue",
                    "new_allocations",
                )
            },
        },
    )


urlpatterns: list[URLPattern] = [
    path("todo/", todo, name="todo"),
    path("team/todo/", team_todo_page, name="team-todo"),
]
