"""Each role lands on a home of its own, and its menu offers only what the role can use."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory, organisation

pytestmark = pytest.mark.django_db

# role, organisation, where "/" sends the user, words on the landing page
HOMES = [
    ("practitioner", "CRC-C08", "/todo/", "To do"),
    ("allocating_manager", "NPS", "/allocations/", "Cases to allocate"),
    ("court_officer", "NPS", "/court/", "Add a person from court"),
    ("enforcement_officer", "NPS", "/enforcement/", "Breach referrals"),
    ("monitoring_operator", "EMS", "/monitoring/", "Monitoring alerts"),
    ("contract_manager", "MOJ", "/contracts/", "Contracts"),
    ("auditor", "MOJ", "/audit/", "Search the audit log"),
]


@pytest.mark.parametrize(("role", "org", "landing", "words"), HOMES)
def test_each_role_lands_on_its_own_home(role, org, landing, words, client_for):
    client = client_for(UserFactory(organisation=organisation(org), roles=[role]))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == landing
    page = client.get(landing)
    assert page.status_code == 200
    assert words in page.content.decode()


def test_an_administrator_lands_on_the_admin(client_for):
    admin = UserFactory(organisation=organisation("MOJ"), roles=["administrator"], is_staff=True)
    assert client_for(admin).get("/")["Location"] == "/admin/"


def test_a_user_with_no_role_is_told_so(client_for):
    client = client_for(UserFactory(organisation=organisation("NPS"), roles=[]))
    page = client.get(client.get("/")["Location"])
    assert "Your account has no role" in page.content.decode()


@pytest.mark.parametrize(
    ("role", "org", "offered"),
    [
        ("practitioner", "CRC-C08", True),
        ("court_officer", "NPS", True),
        ("auditor", "MOJ", True),
        ("monitoring_operator", "EMS", False),
        ("contract_manager", "MOJ", False),
        ("administrator", "MOJ", False),
    ],
)
def test_only_roles_that_read_cases_are_offered_a_search(role, org, offered, client_for):
    client = client_for(UserFactory(organisation=organisation(org), roles=[role]))
    body = client.get("/home/").content.decode()
    assert ('href="/search/"' in body) is offered


def test_the_menu_marks_the_section_you_are_in(crc_case, client_for):
    client = client_for(crc_case.responsible_officer)
    body = client.get(f"/cases/{crc_case.person.crn}/").content.decode()
    active = body.split("govuk-service-navigation__item--active", 1)[1][:200]
    assert 'href="/cases/"' in active
    search = client.get("/search/").content.decode()
    assert 'aria-current="true"' in search.split('href="/search/"', 1)[1][:30]


def test_the_contract_manager_sees_the_21_areas_and_their_owners(client_for):
    manager = UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"])
    body = client_for(manager).get("/home/").content.decode()
    table = body.split('data-testid="contract-areas"', 1)[1].split("</table>", 1)[0]
    assert table.count("govuk-table__row") == 22  # a header row and 21 areas
    assert "Seetec" in table


@pytest.mark.parametrize(
    ("role", "org", "path", "section"),
    [
        ("contract_manager", "MOJ", "/contracts/", "/contracts/"),
        ("contract_manager", "MOJ", "/contracts/statements/", "/contracts/statements/"),
        ("contract_manager", "MOJ", "/contracts/indicators/", "/contracts/indicators/"),
        ("monitoring_operator", "EMS", "/monitoring/", "/monitoring/"),
        ("monitoring_operator", "EMS", "/monitoring/devices/", "/monitoring/devices/"),
    ],
)
def test_the_most_specific_section_is_marked(role, org, path, section, client_for):
    """A section whose address begins with another's (Statements under the contracts home) is
    the one marked, and only one is."""
    client = client_for(UserFactory(organisation=organisation(org), roles=[role]))
    body = client.get(path).content.decode()
    assert body.count("govuk-service-navigation__item--active") == 1
    active = body.split("govuk-service-navigation__item--active", 1)[1][:200]
    assert f'href="{section}"' in active
