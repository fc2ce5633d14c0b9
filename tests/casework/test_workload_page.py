"""The team workload page: scoped to the manager's own organisation's teams, a chart and a table
of the same figures, over-capacity marked and labelled, computed live from the cases held now,
in a fixed number of queries whatever the size of the team."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probation.allocation.services import case_assign
from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.people.models import Case, CaseStatus
from probation.workforce.models import Team
from tests.allocation.helpers import manager_of, practitioner_of
from tests.factories import CaseFactory, organisation

pytestmark = pytest.mark.django_db

URL = "/workload/"


@pytest.fixture
def north(db: Any) -> Team:
    return Team.objects.create(organisation=organisation("CRC-C08"), name="Liverpool North")


@pytest.fixture
def south(db: Any) -> Team:
    return Team.objects.create(organisation=organisation("CRC-C08"), name="Liverpool South")


@pytest.fixture
def london(db: Any) -> Team:
    return Team.objects.create(organisation=organisation("CRC-C12"), name="Camden")


@pytest.fixture
def manager(north: Team) -> Any:
    return manager_of("CRC-C08", team=north)


def _hold(officer: Any, *tiers: str) -> list[Case]:
    return [
        CaseFactory(
            responsible_organisation=organisation("CRC-C08"), responsible_officer=officer, tier=t
        )
        for t in tiers
    ]


def _bars(body: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="bar" data-officer="(\d+)" data-capacity="([^"]+)"', body))


def _cells(body: str) -> dict[str, str]:
    rows = re.findall(
        r'data-testid="workload-row" data-officer="(\d+)">.*?data-testid="capacity">([\d.]+) %',
        body,
        flags=re.S,
    )
    return dict(rows)


def test_the_manager_sees_their_own_team_by_default(manager, north, south, london, client_for):
    sam = practitioner_of("CRC-C08", team=north, first_name="Sam", last_name="Okoro")
    kim = practitioner_of("CRC-C08", team=south, first_name="Kim", last_name="Patel")
    _hold(sam, "A3", "C2", "")
    body = client_for(manager).get(URL).content.decode()
    assert 'data-testid="team-name">Liverpool North<' in body
    assert "Sam Okoro" in body and "Kim Patel" not in body
    # Only the organisation's own teams are offered.
    assert ">Liverpool North<" in body and ">Liverpool South<" in body and "Camden" not in body
    assert "3 cases" in body and "A 1 · B 0 · C 1 · D 0 · not tiered 1" in body
    assert ">269<" in body  # 206 + 63 case points
    assert "12.4 %" in body  # 269 of 2176
    event = AuditEvent.objects.filter(action=AuditAction.WORKLOAD_VIEWED).latest("seq")
    assert event.actor == manager
    assert event.details == {"team": north.pk, "practitioners": [sam.pk]}
    other = client_for(manager).get(URL, {"team": south.pk}).content.decode()
    assert "Kim Patel" in other and "Sam Okoro" not in other and kim.pk


def test_another_organisations_team_is_refused(manager, london, client_for):
    practitioner_of("CRC-C12", team=london, first_name="Jo", last_name="Bloggs")
    response = client_for(manager).get(URL, {"team": london.pk})
    assert response.status_code == 403
    assert "Jo Bloggs" not in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REFUSED).count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.WORKLOAD_VIEWED).exists()


@pytest.mark.parametrize("value", ["abc", "-1", "999999999999999999999", "1.5", "\x00"])
def test_a_team_that_is_no_team_is_refused_not_a_crash(manager, client_for, value):
    assert client_for(manager).get(URL, {"team": value}).status_code == 403


def test_only_allocating_managers_open_the_page(crc_practitioner, client, client_for):
    assert client_for(crc_practitioner).get(URL).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REFUSED).count() == 1
    response = client.get(URL)
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_the_menu_offers_workload_to_managers_only(manager, crc_practitioner, client_for):
    assert f'href="{URL}"' in client_for(manager).get("/allocations/").content.decode()
    assert f'href="{URL}"' not in client_for(crc_practitioner).get("/cases/").content.decode()


def test_chart_and_table_agree_and_over_capacity_is_marked_and_labelled(manager, north, client_for):
    light = practitioner_of("CRC-C08", team=north, first_name="Amy", last_name="Light")
    heavy = practitioner_of(
        "CRC-C08", team=north, first_name="Hal", last_name="Heavy", contracted_hours=Decimal("4")
    )
    reduced = practitioner_of(
        "CRC-C08", team=north, first_name="Rae", last_name="Reduced", reduction_hours=Decimal("1.8")
    )
    _hold(light, "D0")
    _hold(heavy, "A3", "A3")  # 412 of 235 available
    _hold(reduced, "B2")
    body = client_for(manager).get(URL).content.decode()
    bars, cells = _bars(body), _cells(body)
    assert bars == cells
    assert bars == {str(light.pk): "1.3", str(heavy.pk): "175.3", str(reduced.pk): "5.6"}
    # The same order in both: by surname.
    assert list(bars) == list(cells) == [str(heavy.pk), str(light.pk), str(reduced.pk)]
    assert body.count('data-over="true"') == 1
    over = re.search(rf'data-officer="{heavy.pk}"[^>]*data-over="true">(.*?)</g>', body, re.S)
    assert over is not None
    assert 'fill="#d4351c"' in over.group(1) and "175.3 % over capacity" in over.group(1)
    assert body.count("Over capacity</strong>") == 1  # the table's tag
    assert "1 practitioner is over capacity" in body
    assert ">2070<" in body and "1.8 of 37" in body  # the worked example of workload.md
    # Accessible without JavaScript: a labelled image with a title and a description.
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in body
    assert (
        '<title id="chart-title">Capacity of each practitioner in Liverpool North</title>' in body
    )
    assert 'data-testid="hundred-line"' in body
    assert "<script" not in body.split('data-testid="workload-chart"')[1].split("</figure>")[0]


def test_the_page_follows_cases_as_they_are_assigned_and_closed(manager, north, client_for):
    sam = practitioner_of("CRC-C08", team=north)
    client = client_for(manager)
    assert _bars(client.get(URL).content.decode()) == {str(sam.pk): "0"}
    waiting = CaseFactory(responsible_organisation=organisation("CRC-C08"), tier="A3")
    case_assign(case=waiting, officer=sam, by_user=manager, expected_version=waiting.version)
    assert _bars(client.get(URL).content.decode()) == {str(sam.pk): "9.5"}
    Case.objects.filter(pk=waiting.pk).update(status=CaseStatus.CLOSED)
    assert _bars(client.get(URL).content.decode()) == {str(sam.pk): "0"}


def test_a_team_with_no_practitioners_says_so(manager, client_for):
    body = client_for(manager).get(URL).content.decode()
    assert "Liverpool North has no active practitioners" in body
    assert 'role="img"' not in body


def test_an_organisation_with_no_teams_says_so(client_for):
    body = client_for(manager_of("CRC-C12")).get(URL).content.decode()
    assert "has no teams" in body


def _team_of(size: int, team: Team) -> None:
    for n in range(size):
        officer = practitioner_of("CRC-C08", team=team, grade=("PO", "PSO", "PQiP")[n % 3])
        _hold(officer, "A3", "C1S", "")


def test_the_page_makes_a_fixed_number_of_queries(
    manager, north, client_for, django_assert_max_num_queries
):
    client = client_for(manager)
    client.get(URL)  # the session and the user's roles, read once
    counts = []
    for size, team_size in ((1, 1), (12, 13)):
        _team_of(size, north)
        with CaptureQueriesContext(connection) as queries:
            body = client.get(URL).content.decode()
        counts.append(len(queries))
        assert len(_bars(body)) == team_size
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(URL)


MAX_QUERIES = 19  # session, user, device, roles, teams, 6 reads, audit (5; 6 on PostgreSQL, which locks the chain), menu (2)
