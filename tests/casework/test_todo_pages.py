"""The practitioner's to-do list and the manager's team view (probation/casework/todo.py,
probation/casework/todo_views.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from django.utils.html import escape

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.enforcement.models import WarningLetter
from probation.people.services import case_access_set
from probation.supervision.models import SentencePlan
from probation.workforce.models import Team
from tests.factories import CaseFactory, ContactFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db


def _ago(days: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def busy(crc_order_case: Any) -> dict[str, Any]:
    """One item of each kind for the case's officer."""
    case = crc_order_case
    absent = ContactFactory(
        case=case,
        starts_at=_ago(6),
        outcome="awaiting_judgement",
        judgement_due_on=timezone.localdate() - dt.timedelta(days=2),
    )
    unrecorded = ContactFactory(case=case, starts_at=_ago(1))
    first_failure = ContactFactory(case=case, starts_at=_ago(40), outcome="unacceptable_absence")
    WarningLetter.objects.create(
        case=case,
        sentence=case.sentences.get(),
        failure=first_failure,
        issued_on=timezone.localdate() - dt.timedelta(days=38),
        letter="Warning.",
    )
    second_failure = ContactFactory(case=case, starts_at=_ago(3), outcome="unacceptable_absence")
    plan = SentencePlan.objects.create(
        case=case,
        agreed_on=timezone.localdate() - dt.timedelta(days=90),
        review_due_on=timezone.localdate() - dt.timedelta(days=1),
    )
    ContactFactory(case=case, starts_at=_ago(-2))  # booked ahead: nothing to do yet
    return {
        "absent": absent,
        "unrecorded": unrecorded,
        "second_failure": second_failure,
        "plan": plan,
    }


def _items(body: str, section: str) -> str:
    return body.split(f'data-testid="section-{section}"')[1].split("</section>")[0]


def test_the_practitioner_lands_on_the_to_do_list(crc_practitioner: Any, client_for: Any) -> None:
    response = client_for(crc_practitioner).get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/todo/"
    assert "To do" in response.content.decode()


def test_each_kind_of_work_is_listed_with_the_page_that_deals_with_it(
    busy: dict[str, Any], crc_order_case: Any, crc_practitioner: Any, client_for: Any
) -> None:
    crn = crc_order_case.person.crn
    body = client_for(crc_practitioner).get("/todo/").content.decode()
    absences = _items(body, "absences")
    assert f"/cases/{crn}/contacts/{busy['absent'].pk}/judge/" in absences
    assert "Overdue" in absences
    failures = _items(body, "failures")
    assert f"/cases/{crn}/contacts/{busy['second_failure'].pk}/breach/" in failures
    assert "Make a breach referral" in failures
    outcomes = _items(body, "outcomes")
    assert f"/cases/{crn}/contacts/{busy['unrecorded'].pk}/outcome/" in outcomes
    reviews = _items(body, "reviews")
    assert f"/cases/{crn}/plan/review/" in reviews and "Overdue" in reviews
    assert 'data-testid="count-outcomes">1<' in body  # the appointment booked ahead is not due


def test_a_first_failure_asks_for_a_warning(
    crc_order_case: Any, crc_practitioner: Any, client_for: Any
) -> None:
    failure = ContactFactory(
        case=crc_order_case, starts_at=_ago(2), outcome="attended_failed_to_comply"
    )
    body = client_for(crc_practitioner).get("/todo/").content.decode()
    failures = _items(body, "failures")
    assert f"/contacts/{failure.pk}/warning/" in failures
    assert "Send a warning letter" in failures


def test_the_list_is_the_users_own_and_audited(
    busy: dict[str, Any], crc_order_case: Any, client_for: Any
) -> None:
    colleague = UserFactory(organisation=organisation("CRC-C08"), roles=["practitioner"])
    body = client_for(colleague).get("/todo/").content.decode()
    assert crc_order_case.person.crn not in body
    assert 'data-testid="todo-empty"' in body
    event = AuditEvent.objects.filter(action=AuditAction.CASES_LISTED, actor=colleague).get()
    assert event.details["crns"] == []


def test_a_case_the_officer_is_excluded_from_is_not_listed(
    busy: dict[str, Any],
    crc_order_case: Any,
    crc_practitioner: Any,
    administrator: Any,
    client_for: Any,
) -> None:
    case_access_set(
        case=crc_order_case, user=crc_practitioner, kind="exclusion", by_user=administrator
    )
    body = client_for(crc_practitioner).get("/todo/").content.decode()
    assert crc_order_case.person.crn not in body


def test_the_audit_names_the_cases_shown(
    busy: dict[str, Any], crc_order_case: Any, crc_practitioner: Any, client_for: Any
) -> None:
    client_for(crc_practitioner).get("/todo/")
    event = AuditEvent.objects.filter(action=AuditAction.CASES_LISTED).latest("pk")
    assert event.details == {"list": "to-do", "crns": [crc_order_case.person.crn]}


@pytest.mark.parametrize("roles", [["court_officer"], ["auditor"], ["allocating_manager"]])
def test_other_roles_are_refused_the_to_do_list(roles: list[str], client_for: Any) -> None:
    user = UserFactory(organisation=organisation("NPS"), roles=roles)
    assert client_for(user).get("/todo/").status_code == 403


# The manager's team view ---------------------------------------------------------------------


@pytest.fixture
def team(crc_practitioner: Any) -> Team:
    team = Team.objects.create(organisation=organisation("CRC-C08"), name="Bootle")
    crc_practitioner.team = team
    crc_practitioner.save()
    return team


def test_the_manager_sees_each_practitioners_counts(
    busy: dict[str, Any], team: Team, crc_practitioner: Any, client_for: Any
) -> None:
    manager = UserFactory(
        organisation=organisation("CRC-C08"), roles=["allocating_manager"], team=team
    )
    idle = UserFactory(organisation=organisation("CRC-C08"), roles=["practitioner"], team=team)
    body = client_for(manager).get("/team/todo/").content.decode()
    row = body.split(f'data-practitioner="{crc_practitioner.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="absences">1 <strong' in row and "1 overdue" in row
    assert 'data-testid="failures">1<' in row
    assert 'data-testid="outcomes">1 <strong' in row  # yesterday's: overdue
    assert 'data-testid="reviews">1 <strong' in row
    idle_row = body.split(f'data-practitioner="{idle.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="absences">0<' in idle_row
    assert escape(str(idle)) in idle_row
    assert crc_practitioner.team.name in body


def test_another_organisations_team_is_refused(team: Team, client_for: Any) -> None:
    other = UserFactory(organisation=organisation("CRC-C12"), roles=["allocating_manager"])
    response = client_for(other).get(f"/team/todo/?team={team.pk}")
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REFUSED, actor=other).exists()


@pytest.mark.parametrize("query", ["?team=abc", "?team=99999999999999", "?team=-1"])
def test_junk_team_values_are_refused_not_errors(team: Team, query: str, client_for: Any) -> None:
    manager = UserFactory(organisation=organisation("CRC-C08"), roles=["allocating_manager"])
    assert client_for(manager).get(f"/team/todo/{query}").status_code == 403


def test_practitioners_are_refused_the_team_view(crc_practitioner: Any, client_for: Any) -> None:
    assert client_for(crc_practitioner).get("/team/todo/").status_code == 403


def test_the_team_view_counts_only_cases_the_manager_may_see(
    busy: dict[str, Any], team: Team, crc_order_case: Any, administrator: Any, client_for: Any
) -> None:
    manager = UserFactory(
        organisation=organisation("CRC-C08"), roles=["allocating_manager"], team=team
    )
    case_access_set(case=crc_order_case, user=manager, kind="exclusion", by_user=administrator)
    CaseFactory()  # another case, nobody's
    body = client_for(manager).get("/team/todo/").content.decode()
    assert 'data-testid="total-absences">0 (0 overdue)' in body
