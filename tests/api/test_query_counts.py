"""The number of queries a request makes does not grow with the number of cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probation.courts.models import ChargedOffence
from tests.api.helpers import detail_url, list_url
from tests.factories import (
    AddressFactory,
    CaseFactory,
    CourtEventFactory,
    PersonFactory,
    PreviousSanctionFactory,
    RequirementFactory,
    SentenceFactory,
    offence,
    organisation,
)

pytestmark = pytest.mark.django_db


def full_case(officer: Any = None, surname: str | None = None) -> Any:
    """A case with everything the representations show: addresses, sentences, history."""
    person = PersonFactory(surname=surname) if surname else PersonFactory()
    case = CaseFactory(
        person=person,
        responsible_organisation=organisation("CRC-C08"),
        responsible_officer=officer,
    )
    AddressFactory(person=person)
    event = CourtEventFactory(case=case)
    ChargedOffence.objects.create(
        court_event=event, offence=offence("V001"), offence_date=event.hearing_date
    )
    RequirementFactory(sentence=SentenceFactory(case=case, court_event=event))
    PreviousSanctionFactory(case=case)
    return case


def queries_for(client: Any, url: str, params: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "url, params",
    [
        (list_url("cases"), {}),
        (list_url("cases"), {"officer": "me", "status": "active", "contract_area": "C08"}),
        (list_url("persons"), {}),
        (list_url("persons"), {"q": "Smith"}),
    ],
)
def test_list_query_count_is_the_same_for_3_and_15_cases(
    url, params, crc_practitioner, api_for, django_assert_num_queries
):
    client = api_for(crc_practitioner)
    make: Callable[[], Any] = lambda: full_case(officer=crc_practitioner, surname="Smith")  # noqa: E731
    for _ in range(3):
        make()
    few = queries_for(client, url, params)
    for _ in range(12):
        make()
    with django_assert_num_queries(few):
        response = client.get(url, params)
    assert response.json()["count"] == 15
    assert len(response.json()["results"]) == 15


@pytest.mark.parametrize("kind", ["persons", "cases"])
def test_detail_query_count_does_not_grow_with_the_record(
    kind, crc_practitioner, api_for, django_assert_num_queries
):
    client = api_for(crc_practitioner)
    small = full_case(officer=crc_practitioner)
    large = full_case(officer=crc_practitioner)
    for _ in range(5):
        AddressFactory(person=large.person)
        event = CourtEventFactory(case=large)
        for code in ("V001", "T001"):
            ChargedOffence.objects.create(
                court_event=event, offence=offence(code), offence_date=event.hearing_date
            )
        sentence = SentenceFactory(case=large, court_event=event)
        RequirementFactory(sentence=sentence)
        RequirementFactory(sentence=sentence, kind="curfew")
        PreviousSanctionFactory(case=large)
    few = queries_for(client, detail_url(kind, small.person.crn))
    with django_assert_num_queries(few):
        client.get(detail_url(kind, large.person.crn))
