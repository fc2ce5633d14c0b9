"""What the list endpoints return: filters, search and pagination."""

from __future__ import annotations

import pytest

from probation.core.identifiers import format_pnc
from probation.core.models import AuditEvent
from probation.people.models import Alias
from probation.people.names import name_key
from tests.api.helpers import assert_problem, list_url, listed_crns
from tests.factories import CaseFactory, PersonFactory, organisation

pytestmark = pytest.mark.django_db

CASES = list_url("cases")
PERSONS = list_url("persons")


class TestCaseFilters:
    def test_officer_me_lists_only_the_users_own_cases(
        self, crc_case, crc_practitioner, merseyside_colleague, api_for
    ):
        colleagues = CaseFactory(responsible_officer=merseyside_colleague)
        unallocated = CaseFactory()
        client = api_for(crc_practitioner)
        assert listed_crns(client.get(CASES, {"officer": "me"})) == {crc_case.person.crn}
        everything = listed_crns(client.get(CASES))
        assert {colleagues.person.crn, unallocated.person.crn} <= everything

    def test_status_filter(self, crc_case, nps_practitioner, api_for):
        closed = CaseFactory(status="closed")
        client = api_for(nps_practitioner)
        assert listed_crns(client.get(CASES, {"status": "closed"})) == {closed.person.crn}
        assert listed_crns(client.get(CASES, {"status": "active"})) == {crc_case.person.crn}

    def test_contract_area_filter_accepts_any_case_of_the_code(
        self, crc_case, london_case, nps_practitioner, api_for
    ):
        client = api_for(nps_practitioner)
        assert listed_crns(client.get(CASES, {"contract_area": "C12"})) == {london_case.person.crn}
        assert listed_crns(client.get(CASES, {"contract_area": " c08 "})) == {crc_case.person.crn}

    def test_filters_combine_and_are_audited(self, crc_case, crc_practitioner, api_for):
        response = api_for(crc_practitioner).get(
            CASES, {"officer": "me", "status": "active", "contract_area": "C08"}
        )
        assert listed_crns(response) == {crc_case.person.crn}
        event = AuditEvent.objects.get(action="cases.listed")
        assert event.details["query"] == {
            "officer": "me",
            "status": "active",
            "contract_area": "C08",
        }

    def test_a_crc_user_filtering_on_another_area_gets_nothing(
        self, crc_case, london_case, crc_practitioner, api_for
    ):
        response = api_for(crc_practitioner).get(CASES, {"contract_area": "C12"})
        assert listed_crns(response) == set()


class TestPersonSearch:
    def test_search_by_crn(self, crc_case, nps_practitioner, api_for):
        CaseFactory()
        response = api_for(nps_practitioner).get(PERSONS, {"q": crc_case.person.crn.lower()})
        assert listed_crns(response) == {crc_case.person.crn}

    def test_search_by_pnc_number(self, nps_practitioner, api_for):
        pnc = format_pnc(2012, 123456)
        case = CaseFactory(person=PersonFactory(pnc_number=pnc))
        CaseFactory()
        client = api_for(nps_practitioner)
        assert listed_crns(client.get(PERSONS, {"q": pnc})) == {case.person.crn}
        short = f"12/123456{pnc[-1]}"
        assert listed_crns(client.get(PERSONS, {"q": short})) == {case.person.crn}

    def test_search_by_misspelt_surname_and_alias(self, nps_practitioner, api_for):
        whitfield = CaseFactory(person=PersonFactory(forename="Daniel", surname="Whitfield"))
        aliased = CaseFactory(person=PersonFactory(surname="Jones"))
        Alias.objects.create(
            person=aliased.person,
            forename="Dan",
            surname="Whitfield",
            surname_key=name_key("Whitfield"),
        )
        CaseFactory(person=PersonFactory(surname="Brown"))
        client = api_for(nps_practitioner)
        crns = listed_crns(client.get(PERSONS, {"q": "Witfield"}))
        assert crns == {whitfield.person.crn, aliased.person.crn}
        first = client.get(PERSONS, {"q": "Whitfield"}).json()["results"][0]
        assert first["crn"] == whitfield.person.crn

    def test_names_with_apostrophes_hyphens_and_accents_are_accepted(
        self, nps_practitioner, api_for
    ):
        case = CaseFactory(person=PersonFactory(forename="Zoë", surname="O'Brien-Smith"))
        client = api_for(nps_practitioner)
        for q in ["O'Brien-Smith", "Zoë O’Brien-Smith", "obriensmith", "Smith, Zoë"]:
            response = client.get(PERSONS, {"q": q})
            assert response.status_code == 200, q
        assert case.person.crn in listed_crns(client.get(PERSONS, {"q": "O'Brien-Smith"}))

    def test_blank_search_lists_everyone_visible(self, crc_case, nps_practitioner, api_for):
        response = api_for(nps_practitioner).get(PERSONS, {"q": "   "})
        assert listed_crns(response) == {crc_case.person.crn}

    def test_search_is_audited_with_the_query(self, crc_case, nps_practitioner, api_for):
        api_for(nps_practitioner).get(PERSONS, {"q": crc_case.person.surname})
        event = AuditEvent.objects.get(action="persons.listed")
        assert event.details["query"] == crc_case.person.surname
        assert event.details["crns"] == [crc_case.person.crn]

    def test_search_does_not_reveal_people_the_user_may_not_see(
        self, crc_case, other_crc_practitioner, api_for
    ):
        client = api_for(other_crc_practitioner)
        for q in [crc_case.person.crn, crc_case.person.surname, crc_case.person.surname[:-1]]:
            assert listed_crns(client.get(PERSONS, {"q": q})) == set(), q


class TestPagination:
    @pytest.mark.parametrize("url", [CASES, PERSONS])
    def test_limit_and_offset_page_through_in_a_stable_order(self, url, nps_practitioner, api_for):
        for _ in range(5):
            CaseFactory(responsible_organisation=organisation("NPS"))
        client = api_for(nps_practitioner)
        whole = [item["crn"] for item in client.get(url).json()["results"]]
        first = client.get(url, {"limit": 2}).json()
        second = client.get(url, {"limit": 2, "offset": 2}).json()
        assert first["count"] == 5
        assert [i["crn"] for i in first["results"] + second["results"]] == whole[:4]
        assert first["next"] is not None
        assert first["previous"] is None

    @pytest.mark.parametrize("url", [CASES, PERSONS])
    def test_offset_past_the_end_is_an_empty_page(self, url, crc_case, nps_practitioner, api_for):
        assert listed_crns(api_for(nps_practitioner).get(url, {"offset": 1000})) == set()

    def test_limit_above_the_maximum_is_refused(self, nps_practitioner, api_for):
        body = assert_problem(api_for(nps_practitioner).get(CASES, {"limit": 201}), 400)
        assert body["errors"][0]["field"] == "limit"
