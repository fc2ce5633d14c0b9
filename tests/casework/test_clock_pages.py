"""The clocks as pages: the manager's summary on the cases to allocate, the NPS list of sifts
due before release, first appointments, recording one on the case, and the notice of a new
allocation on My cases."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from probation.allocation.models import FirstAppointment, SiftDecision
from probation.allocation.services import case_assign, case_sift
from tests.allocation.helpers import assess, manager_of, practitioner_of
from tests.factories import AddressFactory, CaseFactory, SentenceFactory, area, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def sifted(db: Any) -> Any:
    """A Merseyside CRC case sifted at a community sentence three weeks ago, unallocated."""
    case = CaseFactory(responsible_organisation=organisation("NPS"), tier="C2")
    AddressFactory(person=case.person, contract_area=area("C08"))
    assess(case)
    sentenced_on = timezone.localdate() - dt.timedelta(days=21)
    SentenceFactory(case=case, sentence_date=sentenced_on)
    case_sift(case=case, by_user=None, trigger="sentence", starts_on=sentenced_on)
    case.refresh_from_db()
    return case


def _guards(body: str) -> dict[str, str]:
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', body).group(1)  # type: ignore[union-attr]
        for name in ("case_version", "submission_token")
    }


def _clock_row(body: str, key: str) -> str:
    match = re.search(rf'<tr class="govuk-table__row" data-clock="{key}">(.*?)</tr>', body, re.S)
    assert match, key
    return match.group(1)


def test_the_manager_sees_each_clock_with_its_overdue_count(sifted, client_for):
    body = client_for(manager_of("CRC-C08")).get("/allocations/").content.decode()
    assert 'data-testid="manager-clocks"' in body
    first = _clock_row(body, "first-appointment")
    assert 'href="/allocations/first-appointments/"' in first and "1 overdue" in first
    assert "Assignments" in _clock_row(body, "assignment")
    assert 'data-clock="sift"' not in body  # the CRC does not sift


def test_the_nps_lists_the_sifts_due_and_runs_them(client_for):
    case = CaseFactory(responsible_organisation=organisation("NPS"), tier="C2")
    AddressFactory(person=case.person, contract_area=area("C08"))
    assess(case)
    SentenceFactory(
        case=case,
        disposal="custody",
        sentence_date=dt.date(2026, 1, 5),
        release_date=timezone.localdate() + dt.timedelta(days=1),
    )
    client = client_for(manager_of("NPS"))
    body = client.get("/allocations/").content.decode()
    assert 'href="/allocations/releases/"' in _clock_row(body, "sift")
    listed = client.get("/allocations/releases/").content.decode()
    assert case.person.crn in listed and "Sift these cases now" in listed
    response = client.post("/allocations/releases/sift/", follow=True)
    assert "1 case sifted before release." in response.content.decode()
    assert SiftDecision.objects.get(case=case).trigger == "release"
    assert "No custodial case is due" in client.get("/allocations/releases/").content.decode()


def test_a_crc_manager_may_not_open_the_sifts_due(client_for):
    client = client_for(manager_of("CRC-C08"))
    assert client.get("/allocations/releases/").status_code == 403
    assert client.post("/allocations/releases/sift/").status_code == 403


def test_the_first_appointments_list_shows_the_overdue_case(sifted, client_for):
    body = client_for(manager_of("CRC-C08")).get("/allocations/first-appointments/")
    text = body.content.decode()
    assert sifted.person.crn in text and "Overdue" in text
    other = client_for(manager_of("CRC-C05")).get("/allocations/first-appointments/")
    assert sifted.person.crn not in other.content.decode()


def test_the_officer_records_the_first_appointment_on_the_case(sifted, client_for):
    officer = practitioner_of("CRC-C08")
    case_assign(case=sifted, officer=officer, by_user=manager_of("CRC-C08"))
    client = client_for(officer)
    overview = client.get(f"/cases/{sifted.person.crn}/").content.decode()
    assert "Record the first appointment" in overview and "Overdue" in overview
    url = f"/cases/{sifted.person.crn}/first-appointment/"
    form = client.get(url).content.decode()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    refused = client.post(
        url,
        {
            **_guards(form),
            "held_on_0": tomorrow.day,
            "held_on_1": tomorrow.month,
            "held_on_2": tomorrow.year,
        },
    ).content.decode()
    assert "govuk-error-summary" in refused and "today or in the past" in refused
    today = timezone.localdate()
    response = client.post(
        url,
        {
            **_guards(refused),
            "held_on_0": today.day,
            "held_on_1": today.month,
            "held_on_2": today.year,
        },
        follow=True,
    )
    assert "First appointment recorded." in response.content.decode()
    assert FirstAppointment.objects.get(case=sifted).held_on == today
    assert f"Held {today:%-d %B %Y}" in response.content.decode()


def test_my_cases_marks_a_new_allocation_until_it_is_opened(sifted, client_for):
    officer = practitioner_of("CRC-C08")
    case_assign(case=sifted, officer=officer, by_user=manager_of("CRC-C08"))
    client = client_for(officer)
    body = client.get("/cases/").content.decode()
    assert "1 case has been newly allocated to you" in body
    assert 'data-testid="new-allocation"' in body
    client.get(f"/cases/{sifted.person.crn}/")
    body = client.get("/cases/").content.decode()
    assert 'data-testid="new-allocation"' not in body and "newly allocated" not in body


def test_the_case_tells_the_story_of_its_allocation(sifted, client_for):
    manager = manager_of("CRC-C08", first_name="Joanne", last_name="Whittaker")
    officer = practitioner_of("CRC-C08", first_name="Sam", last_name="Okoro")
    case_assign(case=sifted, officer=officer, by_user=manager)
    body = client_for(manager).get(f"/cases/{sifted.person.crn}/").content.decode()
    history = body[body.index('data-testid="allocation-history"') :]
    sifted_at = history.index("Sifted to Merseyside")
    allocated_at = history.index("Allocated to Sam Okoro (Merseyside")
    assert sifted_at < allocated_at  # oldest first
    assert "by the system" in history[:allocated_at]
    assert "by Joanne Whittaker" in history[allocated_at:]


def test_the_manager_sees_counts_by_team(sifted, client_for):
    from probation.workforce.models import Team

    manager = manager_of("CRC-C08")
    team = Team.objects.create(organisation=organisation("CRC-C08"), name="Liverpool North")
    Team.objects.create(organisation=organisation("CRC-C05"), name="Elsewhere")
    officer = practitioner_of("CRC-C08", team=team)
    practitioner_of("CRC-C08", team=team)
    case_assign(case=sifted, officer=officer, by_user=manager)
    body = client_for(manager).get("/allocations/").content.decode()
    table = body[body.index('data-testid="team-counts"') :]
    table = table[: table.index("</table>")]
    row = re.search(r"Liverpool North</th>(.*?)</tr>", table, re.S)
    assert row and re.findall(r">(\d+)<", row.group(1)) == ["2", "1", "1"]
    assert "Elsewhere" not in table


def test_every_clock_of_the_nps_links_to_its_list(client_for):
    from django.urls import reverse

    from probation.casework.views import CLOCK_PAGES

    body = client_for(manager_of("NPS")).get("/allocations/").content.decode()
    for key, name in CLOCK_PAGES.items():
        if key == "transfer-in":
            continue  # escalated cases to take in are on this very list
        assert f'href="{reverse(name)}"' in _clock_row(body, key), key


def test_the_managers_figures_are_counted_afresh_by_one_request_at_a_time():
    import time

    from django.core.cache import cache

    from probation.casework.selectors import COUNTS_MAX_AGE, _counted

    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return len(calls)

    assert _counted("figures", count) == 1  # nothing kept: counted
    assert _counted("figures", count) == 1  # fresh: kept
    cache.set("figures", (1, time.time() - COUNTS_MAX_AGE - 1), 600)  # a minute old
    cache.add("figures:counting", 1, 30)  # another request is counting
    assert _counted("figures", count) == 1 and len(calls) == 1  # the old figures meanwhile
    cache.delete("figures:counting")
    assert _counted("figures", count) == 2  # this request counts afresh
    assert cache.get("figures:counting") is None  # and lets go
    assert _counted("figures", count) == 2


def test_a_manager_with_an_office_sees_its_teams_only(client_for):
    from probation.workforce.models import Office, Team

    crc = organisation("CRC-C08")
    liverpool = Office.objects.create(organisation=crc, name="Liverpool", contract_area=area("C08"))
    wirral = Office.objects.create(organisation=crc, name="Wirral", contract_area=area("C08"))
    Team.objects.create(organisation=crc, name="Liverpool North", office=liverpool)
    Team.objects.create(organisation=crc, name="Birkenhead", office=wirral)
    body = client_for(manager_of("CRC-C08", office=liverpool)).get("/allocations/").content.decode()
    table = body[body.index('data-testid="team-counts"') :]
    assert "Liverpool North" in table and "Birkenhead" not in table
