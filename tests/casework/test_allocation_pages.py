"""The allocating manager's pages: the cases waiting for a practitioner, choosing one (workload,
eligibility, the assignment, a conflict), and the sift's reasons on the case overview."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from probation.allocation.models import Assignment
from probation.allocation.services import case_assign, case_sift
from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.people.models import Case
from tests.allocation.helpers import assess, manager_of, practitioner_of
from tests.factories import CaseFactory, PersonFactory, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db: Any) -> Any:
    return manager_of("CRC-C08", first_name="Alex", last_name="Smith")


@pytest.fixture
def waiting(db: Any, court_officer: Any) -> Any:
    """A low-risk Merseyside case sifted to the CRC, waiting for a practitioner."""
    case = CaseFactory(
        person=PersonFactory(surname="Quillfeather"),
        responsible_organisation=organisation("NPS"),
        tier="C2",
    )
    assess(case)
    case_sift(case=case, by_user=court_officer, trigger="sentence")
    case.refresh_from_db()
    return case


def _choose_url(case: Any) -> str:
    return f"/cases/{case.person.crn}/allocate/"


def _guards(body: str) -> dict[str, str]:
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', body).group(1)  # type: ignore[union-attr]
        for name in ("case_version", "submission_token")
    }


def test_the_manager_lands_on_the_list_of_cases_to_allocate(waiting, manager, client_for):
    client = client_for(manager)
    assert client.get("/")["Location"] == "/allocations/"
    body = client.get("/allocations/").content.decode()
    assert "1 case of Merseyside" in body
    assert "Quillfeather" in body and "C2" in body
    assert "No NPS rule applies" in body
    assert f'href="{_choose_url(waiting)}"' in body
    assert 'href="/allocations/"' in body and ">Allocations<" in body
    listed = AuditEvent.objects.filter(action=AuditAction.CASES_LISTED).latest("seq")
    assert listed.details["crns"] == [waiting.person.crn]


def test_an_empty_list_says_so(manager, client_for):
    assert "No cases are waiting" in client_for(manager).get("/allocations/").content.decode()


def test_a_practitioner_may_not_open_the_list_or_the_choice(waiting, crc_practitioner, client_for):
    client = client_for(crc_practitioner)
    assert client.get("/allocations/").status_code == 403
    assert client.get(_choose_url(waiting)).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REFUSED).count() == 2


def test_the_choice_shows_capacity_before_and_after_and_who_is_not_eligible(
    waiting, manager, client_for
):
    assess(waiting, rosh="medium", mappa=2)
    po = practitioner_of("CRC-C08", grade="PO", first_name="Sam", last_name="Okoro")
    practitioner_of("CRC-C08", grade="PSO", first_name="Kim", last_name="Patel")
    body = client_for(manager).get(_choose_url(waiting)).content.decode()
    assert "No NPS rule applies" in body  # why the case is here
    assert "0 % → 2.9 %" in body  # 63 points of 2176 for the PO
    assert "Not eligible" in body and "A PSO may not hold a case with MAPPA category 2" in body
    assert body.count('name="officer"') == 1 and f'value="{po.pk}"' in body
    viewed = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED).latest("seq")
    assert viewed.details == {"page": "choose a practitioner"}


def test_over_capacity_is_a_warning_not_a_bar(waiting, manager, client_for):
    from decimal import Decimal

    practitioner_of("CRC-C08", contracted_hours=Decimal("0.5"))
    body = client_for(manager).get(_choose_url(waiting)).content.decode()
    assert "Over capacity" in body and 'name="officer"' in body


def test_allocating_assigns_and_returns_to_the_list(waiting, manager, client_for):
    officer = practitioner_of("CRC-C08", first_name="Sam", last_name="Okoro")
    client = client_for(manager)
    guards = _guards(client.get(_choose_url(waiting)).content.decode())
    response = client.post(_choose_url(waiting), {**guards, "officer": officer.pk})
    assert response.status_code == 302 and response["Location"] == "/allocations/"
    waiting.refresh_from_db()
    assert waiting.responsible_officer == officer
    body = client.get("/allocations/").content.decode()
    assert "is now allocated to Sam Okoro" in body
    assert "No cases are waiting" in body
    overview = client.get(f"/cases/{waiting.person.crn}/").content.decode()
    assert "Sam Okoro" in overview


def test_a_manager_whose_form_was_overtaken_is_told_who_took_the_case(waiting, manager, client_for):
    other = manager_of("CRC-C08", first_name="Jo", last_name="Bloggs")
    mine = practitioner_of("CRC-C08", first_name="Kim", last_name="Patel")
    theirs = practitioner_of("CRC-C08", first_name="Sam", last_name="Okoro")
    client = client_for(manager)
    guards = _guards(client.get(_choose_url(waiting)).content.decode())
    case_assign(case=waiting, officer=theirs, by_user=other, expected_version=waiting.version)
    response = client.post(_choose_url(waiting), {**guards, "officer": mine.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Jo Bloggs has just assigned this case to Sam Okoro." in body
    assert Assignment.objects.filter(case=waiting).count() == 1


def test_an_unknown_practitioner_is_an_error_not_a_crash(waiting, manager, client_for):
    practitioner_of("CRC-C08")
    client = client_for(manager)
    guards = _guards(client.get(_choose_url(waiting)).content.decode())
    response = client.post(_choose_url(waiting), {**guards, "officer": "999999"})
    assert response.status_code == 200
    assert "Choose a practitioner from the list" in response.content.decode()


def test_a_manager_of_another_organisation_is_offered_no_choice(waiting, client_for):
    body = client_for(manager_of("NPS")).get(_choose_url(waiting)).content.decode()
    assert "Only a manager of Merseyside" in body and 'name="officer"' not in body


def test_the_overview_says_why_the_case_went_where_it_did(waiting, manager, client_for):
    body = client_for(manager).get(f"/cases/{waiting.person.crn}/").content.decode()
    assert "Allocated to Merseyside" in body and "No NPS rule applies" in body
    assert "Choose a practitioner" in body


def test_the_list_shows_when_a_practitioner_is_due_and_puts_overdue_cases_first(
    waiting, manager, client_for, court_officer
):
    today = timezone.localdate()
    late = CaseFactory(
        person=PersonFactory(surname="Zebedee"), responsible_organisation=organisation("NPS")
    )
    assess(late)
    case_sift(case=late, by_user=court_officer, trigger="sentence")
    # The clock the sift set, moved back as if the sifts had been made earlier.
    Case.objects.filter(pk=waiting.pk).update(assignment_due_on=today)
    Case.objects.filter(pk=late.pk).update(assignment_due_on=today - dt.timedelta(days=1))
    body = client_for(manager).get("/allocations/").content.decode()
    assert "1 case is overdue" in body
    assert body.index("Zebedee") < body.index("Quillfeather")  # overdue first
    assert body.count('<strong class="govuk-tag govuk-tag--red">Overdue</strong>') == 1
    due = re.findall(r'data-testid="due">(.*?)</td>', body)
    yesterday, on_the_day = today - dt.timedelta(days=1), today
    assert due[0].startswith(f"Due {yesterday.day} {yesterday:%B %Y}") and "Overdue" in due[0]
    assert due[1] == f"Due {on_the_day.day} {on_the_day:%B %Y}"


def test_no_overdue_count_when_nothing_is_overdue(waiting, manager, client_for):
    body = client_for(manager).get("/allocations/").content.decode()
    assert "Due " in body
    assert 'data-testid="overdue-count"' not in body and "govuk-tag--red" not in body


def test_the_manager_chooses_within_their_team_unless_they_ask_for_another(waiting, client_for):
    from probation.workforce.models import Team

    north = Team.objects.create(organisation=organisation("CRC-C08"), name="North")
    south = Team.objects.create(organisation=organisation("CRC-C08"), name="South")
    foreign = Team.objects.create(organisation=organisation("CRC-C05"), name="Foreign")
    manager = manager_of("CRC-C08", team=north)
    practitioner_of("CRC-C08", first_name="Nadia", last_name="Northcote", team=north)
    practitioner_of("CRC-C08", first_name="Simon", last_name="Southgate", team=south)
    client = client_for(manager)

    def shown(query: str = "") -> str:
        body = client.get(_choose_url(waiting) + query).content.decode()
        return body[body.index('data-testid="practitioner-table"') :]

    default = shown()
    assert "Northcote" in default and "Southgate" not in default
    assert "Practitioners of Merseyside CRC: North" in default
    assert "Southgate" in shown(f"?team={south.pk}") and "Northcote" not in shown(
        f"?team={south.pk}"
    )
    everyone = shown("?team=all")
    assert "Northcote" in everyone and "Southgate" in everyone
    assert "Southgate" not in shown(f"?team={foreign.pk}")  # not the organisation's: the default
    assert "Southgate" not in shown("?team=%F0%9F%92%A5")  # nonsense: the default


def test_the_list_shows_25_cases_a_page(manager, client_for):
    for _ in range(26):
        CaseFactory(responsible_organisation=organisation("CRC-C08"), responsible_officer=None)
    client = client_for(manager)
    first = client.get("/allocations/").content.decode()
    second = client.get("/allocations/?page=2").content.decode()
    assert "26 cases of Merseyside" in first
    assert first.count("Choose a practitioner<span") == 25
    assert second.count("Choose a practitioner<span") == 1
