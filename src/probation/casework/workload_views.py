"""Pages of the workload journey (issue: allocation); their URLs are listed at the bottom and
included by ``probation/casework/urls.py``.

The team workload page (``docs/domain/workload.md``, ADR 0014): an allocating manager chooses one
of their organisation's teams (their own by default) and sees each practitioner's capacity as a
bar chart drawn on the server (an SVG that needs no JavaScript) and the same figures as a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from probation.allocation import services as allocation
from probation.allocation.workload import WorkloadRow, team_by_id, team_workload, teams_for
from probation.core.audit import AuditAction
from probation.people.access import reads_audited, role_refused, signed_in_case_reader
from probation.workforce.models import Team

# The chart's geometry, in SVG user units (the chart scales to the width of the page).
LABEL_WIDTH = 190
BAR_AREA = 420
VALUE_WIDTH = 170
ROW_HEIGHT = 30
BAR_HEIGHT = 18
TOP = 28
#: The scale runs to at least 120 % and at most 200 %; a longer bar is cut at the edge and its
#: label gives the real figure.
SCALE_MIN, SCALE_MAX = 120, 200


@dataclass(frozen=True)
class Bar:
    row: WorkloadRow
    y: int
    width: float
    clipped: bool

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 4

    @property
    def value_x(self) -> float:
        """Where the bar's figure is written: just after its end."""
        return round(LABEL_WIDTH + self.width + 6, 1)


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    scale: int
    height: int
    hundred_x: float
    ticks: list[tuple[int, float]]
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT
    width: int = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH

    @property
    def over(self) -> int:
        return sum(1 for bar in self.bars if bar.row.over_capacity)


def chart_for(rows: list[WorkloadRow]) -> Chart:
    """Bars of capacity % per practitioner, with the 100 % line, for the template to draw."""
    highest = max((row.capacity_percent for row in rows), default=0.0)
    scale = min(SCALE_MAX, max(SCALE_MIN, int(-(-highest // 20) * 20)))
    per_unit = BAR_AREA / scale
    bars = [
        Bar(
            row=row,
            y=TOP + i * ROW_HEIGHT,
            width=round(min(row.capacity_percent, scale) * per_unit, 1),
            clipped=row.capacity_percent > scale,
        )
        for i, row in enumerate(rows)
    ]
    ticks = [
        (t, round(LABEL_WIDTH + t * per_unit, 1))
        for t in range(0, scale + 1, 20 if scale <= 120 else 50)
    ]
    return Chart(
        bars=bars,
        scale=scale,
        height=TOP + len(rows) * ROW_HEIGHT + 10,
        hundred_x=round(LABEL_WIDTH + 100 * per_unit, 1),
        ticks=ticks,
    )


class TeamForm(forms.Form):
    team = forms.TypedChoiceField(coerce=int, required=False, label="Team")

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["team"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(team.pk, team.name) for team in teams]


def _chosen_team(request: HttpRequest, user: Any, teams: list[Team]) -> Team | None:
    """The team asked for (``?team=``), else the manager's own team, else the first. A team of
    another organisation is refused (and audited); a value that is no team at all is too."""
    asked = request.GET.get("team", "")
    if asked:
        team = team_by_id(user, int(asked)) if asked.isdigit() and len(asked) < 10 else None
        if team is None:
            role_refused(user=user, page="team workload of another organisation", path=request.path)
            raise PermissionDenied
        return team
    own = next((team for team in teams if team.pk == user.team_id), None)
    return own or (teams[0] if teams else None)


@signed_in_case_reader
def team_workload_page(request: HttpRequest) -> HttpResponse:
    """An allocating manager's view of a team's workload: chart and table of the same figures."""
    user: Any = request.user
    if not user.has_role(*allocation.ASSIGNING_ROLES):
        role_refused(user=user, page="team workload", path=request.path)
        raise PermissionDenied
    teams = list(teams_for(user))
    team = _chosen_team(request, user, teams)
    rows = team_workload(team=team) if team is not None else []
    reads_audited(
        user=user,
        action=AuditAction.WORKLOAD_VIEWED,
        details={
            "team": team.pk if team is not None else None,
            "practitioners": [row.officer.pk for row in rows],
        },
        path=request.path,
    )
    form = TeamForm(initial={"team": team.pk if team else None}, teams=teams)
    return render(
        request,
        "casework/workload/team.html",
        {"team": team, "teams": teams, "rows": rows, "chart": chart_for(rows), "form": form},
    )


urlpatterns: list[URLPattern] = [
    path("workload/", team_workload_page, name="team-workload"),
]
