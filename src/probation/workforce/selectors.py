"""Reads of staff records and of the workload reference data (not case data: no visibility
rules apply to finding a user or reading a points table)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from probation.rules import workload
from probation.workforce.models import CasePoints, OrganisationKind, ReportPoints, User


def active_user_by_username(username: str) -> User | None:
    """The active user called ``username``, or None if there is none (or they are deactivated)."""
    return User.objects.filter(username=username, is_active=True).first()


def case_points_table() -> Mapping[str, Mapping[str, int]]:
    """Case type -> tier -> points, from the editable reference data (``CasePoints``): one
    query. An entry missing from the table (a database emptied by a test's flush, say) takes the
    rules' default (``probation.rules.workload.CASE_POINTS``); the admin cannot delete rows."""
    table = {case_type: dict(row) for case_type, row in workload.CASE_POINTS.items()}
    for case_type, tier, points in CasePoints.objects.values_list("case_type", "tier", "points"):
        table.setdefault(case_type, {})[tier] = points
    return table


def report_points_table() -> Mapping[str, int]:
    """Report -> points, from the editable reference data (``ReportPoints``): one query; a
    missing entry takes the rules' default (``probation.rules.workload.REPORT_POINTS``)."""
    table = dict(workload.REPORT_POINTS)
    table.update(ReportPoints.objects.values_list("report", "points"))
    return table


def contract_areas_overseen_by(user: Any) -> list[str] | None:
    """The contract area codes whose aggregate figures ``user`` may read: a CRC's staff their
    own area; the NPS, the commissioner and the Ministry every area (``None``)."""
    organisation = user.organisation
    if organisation is not None and organisation.kind == OrganisationKind.CRC:
        return [organisation.contract_area.code]
    return None
