"""Workload points as reference data: seeded from the rules' default tables, edited in the admin
(rows are fixed: no adding, no deleting), every change audited with before and after, and the
edited points used by the choice of practitioners and the team workload page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from probation.allocation.selectors import REPORT_WINDOW_DAYS, practitioner_choices
from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.risk.models import Assessment
from probation.rules import workload
from probation.rules.tiering import TIERS
from probation.workforce.models import CasePoints, ReportPoints, Team
from probation.workforce.selectors import case_points_table, report_points_table
from tests.allocation.helpers import assess, manager_of, practitioner_of
from tests.factories import CaseFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db: Any) -> Any:
    return UserFactory(
        organisation=organisation("MOJ"), roles=["administrator"], is_staff=True, is_superuser=True
    )


@pytest.fixture
def team(db: Any) -> Team:
    return Team.objects.create(organisation=organisation("CRC-C08"), name="Liverpool North")


@pytest.fixture
def manager(team: Team) -> Any:
    return manager_of("CRC-C08", team=team)


@pytest.fixture
def officer(team: Team) -> Any:
    """A PO of the team holding one community case at tier A3 (206 points by default)."""
    po = practitioner_of("CRC-C08", team=team, first_name="Sam", last_name="Okoro")
    CaseFactory(responsible_organisation=organisation("CRC-C08"), responsible_officer=po, tier="A3")
    return po


@pytest.fixture
def waiting(db: Any) -> Any:
    return CaseFactory(responsible_organisation=organisation("CRC-C08"), tier="C2")


def _row(case_type: str, tier: str) -> CasePoints:
    return CasePoints.objects.get(case_type=case_type, tier=tier)


def _choice_points(case: Any, manager: Any, officer: Any) -> int:
    [row] = [r for r in practitioner_choices(case=case, for_user=manager) if r.officer == officer]
    return row.points


def test_the_seeded_case_points_are_the_rules_default_table():
    seeded = {(r.case_type, r.tier): r.points for r in CasePoints.objects.all()}
    expected = {
        (case_type, tier): points
        for case_type, row in workload.CASE_POINTS.items()
        for tier, points in row.items()
    }
    assert seeded == expected
    assert len(seeded) == len(workload.CASE_TYPES) * len(TIERS)
    assert case_points_table() == {k: dict(v) for k, v in workload.CASE_POINTS.items()}


def test_the_seeded_report_points_are_the_rules_default_table():
    assert dict(ReportPoints.objects.values_list("report", "points")) == dict(
        workload.REPORT_POINTS
    )
    assert report_points_table() == dict(workload.REPORT_POINTS)


def test_the_table_is_read_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        case_points_table()


def test_an_admin_edit_changes_the_points_of_the_choice_and_is_audited(
    superuser, client_for, manager, officer, waiting
):
    assert _choice_points(waiting, manager, officer) == 206
    row = _row("community", "A3")
    url = f"/admin/workforce/casepoints/{row.pk}/change/"
    response = client_for(superuser).post(url, {"points": "250"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _row("community", "A3").points == 250
    assert _choice_points(waiting, manager, officer) == 250
    [event] = AuditEvent.objects.filter(action=AuditAction.CASE_POINTS_CHANGED)
    assert event.actor == superuser
    assert event.subject_id == str(row.pk)
    assert event.before == {"case_type": "community", "tier": "A3", "points": 206}
    assert event.after == {"case_type": "community", "tier": "A3", "points": 250}
    assert event.path == url


def test_an_admin_edit_changes_the_team_workload_page(
    superuser, client_for, manager, officer, team
):
    page = client_for(manager).get("/workload/").content.decode()
    assert ">206<" in page and "9.5 %" in page  # 206 of 2176
    row = _row("community", "A3")
    client_for(superuser).post(f"/admin/workforce/casepoints/{row.pk}/change/", {"points": "1088"})
    page = client_for(manager).get("/workload/").content.decode()
    assert ">1088<" in page and "50 %" in page


def test_an_edit_to_report_points_is_audited_too(superuser, client_for):
    row = ReportPoints.objects.get(report="short_format_report")
    response = client_for(superuser).post(
        f"/admin/workforce/reportpoints/{row.pk}/change/", {"points": "70"}
    )
    assert response.status_code == 302
    [event] = AuditEvent.objects.filter(action=AuditAction.CASE_POINTS_CHANGED)
    assert event.before == {"report": "short_format_report", "points": 65}
    assert event.after == {"report": "short_format_report", "points": 70}
    assert report_points_table()["short_format_report"] == 70


def test_saving_without_a_change_records_nothing(superuser, client_for):
    row = _row("licence", "B1")
    client_for(superuser).post(f"/admin/workforce/casepoints/{row.pk}/change/", {"points": "119"})
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_POINTS_CHANGED).exists()


@pytest.mark.parametrize("points", ["-1", "10001", "1e9", "lots", ""])
def test_a_bad_value_is_refused_by_the_form_not_a_crash(superuser, client_for, points):
    row = _row("custody", "C2")
    response = client_for(superuser).post(
        f"/admin/workforce/casepoints/{row.pk}/change/", {"points": points}
    )
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert _row("custody", "C2").points == 24
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_POINTS_CHANGED).exists()


def test_rows_can_be_neither_added_nor_deleted_in_the_admin(superuser, client_for):
    client = client_for(superuser)
    row = _row("community", "D0")
    assert client.get("/admin/workforce/casepoints/add/").status_code == 403
    assert (
        client.post(f"/admin/workforce/casepoints/{row.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert CasePoints.objects.filter(pk=row.pk).exists()


def test_a_bulk_update_is_audited_row_by_row():
    changed = CasePoints.objects.filter(case_type="custody", tier__in=["A3", "A2"]).update(points=1)
    assert changed == 2
    events = AuditEvent.objects.filter(action=AuditAction.CASE_POINTS_CHANGED)
    assert sorted(e.before["tier"] for e in events) == ["A2", "A3"]
    assert {e.after["points"] for e in events} == {1}
    assert events.first().actor_label == "system"  # type: ignore[union-attr]


def test_reductions_are_edited_on_the_staff_record_in_the_admin(superuser, client_for, officer):
    body = client_for(superuser).get(f"/admin/workforce/user/{officer.pk}/change/").content
    assert b'name="reduction_hours"' in body and b'name="contracted_hours"' in body


def _report(case: Any, by: Any, *, days_ago: int, report_type: str) -> Assessment:
    assessment = assess(case)
    assessment.assessed_by = by
    assessment.report_type = report_type
    assessment.assessed_on = dt.date.today() - dt.timedelta(days=days_ago)  # noqa: DTZ011
    assessment.save()
    return assessment


@pytest.mark.parametrize(
    ("report_type", "days_ago", "points"),
    [
        ("standard", 0, 138),
        ("fast", 0, 65),
        ("fast", REPORT_WINDOW_DAYS - 1, 65),
        ("fast", REPORT_WINDOW_DAYS, 0),  # written too long ago
        ("oral", 0, 0),  # an oral report scores nothing
        ("standard", -1, 0),  # dated tomorrow: not written yet
    ],
)
def test_reports_written_lately_count_in_the_writers_points(
    manager, officer, waiting, report_type, days_ago, points
):
    _report(waiting, officer, days_ago=days_ago, report_type=report_type)
    assert _choice_points(waiting, manager, officer) == 206 + points


def test_edited_report_points_are_the_ones_counted(manager, officer, waiting):
    _report(waiting, officer, days_ago=1, report_type="standard")
    ReportPoints.objects.filter(report="standard_pre_sentence_report").update(points=100)
    assert _choice_points(waiting, manager, officer) == 306
