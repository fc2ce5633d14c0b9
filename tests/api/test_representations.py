"""What the detail endpoints say about a person and a case."""

from __future__ import annotations

import datetime as dt

import pytest

from probation.core.identifiers import format_pnc
from probation.courts.models import ChargedOffence
from probation.people.models import Alias
from tests.api.helpers import detail_url
from tests.factories import (
    AddressFactory,
    CaseFactory,
    CourtEventFactory,
    PersonFactory,
    PreviousSanctionFactory,
    RequirementFactory,
    SentenceFactory,
    area,
    offence,
    organisation,
)

pytestmark = pytest.mark.django_db


class TestPersonIdentity:
    def test_identity_has_identifiers_names_aliases_and_addresses_with_their_area(
        self, nps_practitioner, api_for
    ):
        person = PersonFactory(
            forename="Daniel",
            middle_names="James",
            surname="Whitfield",
            pnc_number=format_pnc(2012, 123456),
            prison_number="B1234C",
            date_of_birth=dt.date(1988, 2, 29),
        )
        CaseFactory(person=person)
        Alias.objects.create(person=person, forename="Danny", surname="White", surname_key="white")
        AddressFactory(person=person, contract_area=area("C08"), postcode="L2 2DH")
        body = api_for(nps_practitioner).get(detail_url("persons", person.crn)).json()
        assert body["crn"] == person.crn
        assert body["pnc_number"] == format_pnc(2012, 123456)
        assert body["prison_number"] == "B1234C"
        assert (body["forename"], body["middle_names"], body["surname"]) == (
            "Daniel",
            "James",
            "Whitfield",
        )
        assert body["date_of_birth"] == "1988-02-29"
        assert body["sex"] == "male"
        assert body["no_fixed_abode"] is False
        assert body["aliases"] == [{"forename": "Danny", "surname": "White", "date_of_birth": None}]
        [address] = body["addresses"]
        assert address["contract_area"] == "C08"
        assert address["postcode"] == "L2 2DH"
        assert address["is_main"] is True
        assert address["ends_on"] is None

    def test_person_of_no_fixed_abode(self, nps_practitioner, api_for):
        case = CaseFactory(person=PersonFactory(no_fixed_abode=True))
        body = api_for(nps_practitioner).get(detail_url("persons", case.person.crn)).json()
        assert body["no_fixed_abode"] is True
        assert body["addresses"] == []
        assert body["pnc_number"] is None


class TestCaseRecord:
    def test_unallocated_case_has_no_officer(self, nps_practitioner, api_for):
        case = CaseFactory(responsible_organisation=organisation("CRC-C08"))
        body = api_for(nps_practitioner).get(detail_url("cases", case.person.crn)).json()
        assert body["responsible_officer"] is None
        assert body["allocated"] is False
        assert body["responsible_organisation"] == {
            "code": "CRC-C08",
            "name": organisation("CRC-C08").name,
        }
        assert body["contract_area"]["code"] == "C08"
        assert body["status"] == "active"
        assert body["opened_on"] == "2025-01-06"
        assert body["closed_on"] is None
        assert body["sentences"] == []
        assert body["court_events"] == []
        assert body["previous_sanctions"] == []

    def test_case_record_has_officer_sentences_court_events_and_history(
        self, crc_case, crc_practitioner, api_for
    ):
        event = CourtEventFactory(case=crc_case)
        ChargedOffence.objects.create(
            court_event=event,
            offence=offence("V001"),
            offence_date=dt.date(2024, 12, 1),
            is_main=True,
        )
        sentence = SentenceFactory(case=crc_case, court_event=event)
        RequirementFactory(sentence=sentence, kind="unpaid_work", amount=120)
        RequirementFactory(sentence=sentence, kind="curfew", amount=8, detail="19:00 to 07:00")
        PreviousSanctionFactory(case=crc_case, kind="caution", offence_category="theft")

        body = api_for(crc_practitioner).get(detail_url("cases", crc_case.person.crn)).json()
        assert body["crn"] == crc_case.person.crn
        assert body["person"]["crn"] == crc_case.person.crn
        assert body["responsible_officer"] == {
            "username": crc_practitioner.username,
            "name": crc_practitioner.get_full_name(),
        }
        assert body["allocated"] is True

        [sentence_body] = body["sentences"]
        assert sentence_body["disposal"] == "community_order"
        assert sentence_body["description"] == "Community order"
        assert sentence_body["sentence_date"] == "2025-01-06"
        assert sentence_body["expected_end_date"] == "2026-01-05"
        assert sentence_body["length_days"] == 365
        assert sentence_body["court"]["code"] == event.court.code
        for key in ("release_date", "sentence_expiry_date", "licence_end", "supervision_end"):
            assert key in sentence_body
        unpaid, curfew = sentence_body["requirements"]
        assert (unpaid["kind"], unpaid["amount"], unpaid["unit"]) == ("unpaid_work", 120, "hours")
        assert (curfew["unit"], curfew["detail"]) == ("hours a day", "19:00 to 07:00")

        [court_event] = body["court_events"]
        assert court_event["court"]["code"] == event.court.code
        [charged] = court_event["offences"]
        assert charged["code"] == "V001"
        assert charged["ogrs3_category"] == "violence"
        assert charged["is_main"] is True

        [sanction] = body["previous_sanctions"]
        assert sanction == {
            "sanction_date": "2015-03-01",
            "kind": "caution",
            "offence_category": "theft",
            "description": "",
        }

    def test_case_list_items_carry_the_allocation_and_area(
        self, crc_case, crc_practitioner, api_for
    ):
        unallocated = CaseFactory()
        results = api_for(crc_practitioner).get("/api/v1/cases/").json()["results"]
        by_crn = {item["crn"]: item for item in results}
        assert by_crn[crc_case.person.crn]["responsible_officer"]["username"] == "crc08.po"
        assert by_crn[unallocated.person.crn]["responsible_officer"] is None
        assert by_crn[unallocated.person.crn]["allocated"] is False
        assert by_crn[unallocated.person.crn]["contract_area"]["code"] == "C08"
