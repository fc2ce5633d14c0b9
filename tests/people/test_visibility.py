"""Who may see a case, on every page that reads case data; and that each view and refusal is
audited. The rules are in probation.people.selectors and docs/adr/0004-case-visibility.md."""

from __future__ import annotations

import re
from typing import Any

import pytest

from probation.core.models import AuditEvent
from probation.people.services import case_access_set
from tests.factories import CaseFactory, PersonFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db


def overview(client: Any, case: Any) -> Any:
    return client.get(f"/cases/{case.person.crn}/")


def without_csrf(content: bytes) -> bytes:
    """Page bytes with the per-response CSRF token masked."""
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)
    return re.sub(rb'nonce="[^"]+"', b"", content)  # the CSP nonce is fresh on every page


def result_crns(response: Any) -> set[str]:
    """CRNs linked from a results table."""
    return set(re.findall(r'href="/cases/([A-Z][0-9]{6})/"', response.content.decode()))


def refusals(crn: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="case.access_refused", crn=crn))


class TestCaseOverview:
    def test_responsible_crc_practitioner_sees_the_case_and_the_view_is_audited(
        self, crc_case, crc_practitioner, client_for
    ):
        response = overview(client_for(crc_practitioner), crc_case)
        assert response.status_code == 200
        assert crc_case.person.surname in response.content.decode()
        event = AuditEvent.objects.get(action="case.viewed", crn=crc_case.person.crn)
        assert event.actor == crc_practitioner
        assert event.path == f"/cases/{crc_case.person.crn}/"

    def test_nps_practitioner_sees_a_crc_case(self, crc_case, nps_practitioner, client_for):
        assert overview(client_for(nps_practitioner), crc_case).status_code == 200

    def test_crc_user_of_another_area_is_refused_and_the_refusal_is_audited(
        self, crc_case, other_crc_practitioner, client_for
    ):
        response = overview(client_for(other_crc_practitioner), crc_case)
        assert response.status_code == 404
        assert crc_case.person.surname not in response.content.decode()
        [event] = refusals(crc_case.person.crn)
        assert event.actor == other_crc_practitioner
        assert event.details["reason"] == "other_organisation"

    def test_refusal_page_is_identical_for_a_crn_that_does_not_exist(
        self, crc_case, other_crc_practitioner, client_for
    ):
        client = client_for(other_crc_practitioner)
        refused = overview(client, crc_case)
        missing = client.get("/cases/Z999999/")
        assert refused.status_code == missing.status_code == 404
        assert without_csrf(refused.content) == without_csrf(missing.content)
        assert refusals("Z999999")[0].details["reason"] == "not_found"

    def test_excluded_user_is_refused_even_in_the_responsible_organisation(
        self, crc_case, crc_practitioner, administrator, client_for
    ):
        colleague = UserFactory(organisation=organisation("CRC-C08"), roles=["practitioner"])
        case_access_set(case=crc_case, user=colleague, kind="exclusion", by_user=administrator)
        assert overview(client_for(colleague), crc_case).status_code == 404
        assert overview(client_for(crc_practitioner), crc_case).status_code == 200
        assert refusals(crc_case.person.crn)[0].details["reason"] == "excluded"

    def test_excluded_nps_user_is_refused(
        self, crc_case, nps_practitioner, administrator, client_for
    ):
        case_access_set(
            case=crc_case, user=nps_practitioner, kind="exclusion", by_user=administrator
        )
        assert overview(client_for(nps_practitioner), crc_case).status_code == 404

    def test_user_outside_a_restriction_list_is_refused(
        self, crc_case, crc_practitioner, nps_practitioner, administrator, client_for
    ):
        case_access_set(
            case=crc_case, user=crc_practitioner, kind="restriction", by_user=administrator
        )
        assert overview(client_for(crc_practitioner), crc_case).status_code == 200
        assert overview(client_for(nps_practitioner), crc_case).status_code == 404
        assert refusals(crc_case.person.crn)[0].details["reason"] == "not_on_restriction_list"

    def test_anonymous_user_is_sent_to_sign_in_and_the_refusal_is_audited(self, crc_case, client):
        response = overview(client, crc_case)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")
        [event] = refusals(crc_case.person.crn)
        assert event.actor is None
        assert event.actor_label == "anonymous"

    def test_user_without_a_case_reading_role_is_refused(self, crc_case, client_for):
        contract_manager = UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"])
        assert overview(client_for(contract_manager), crc_case).status_code == 404
        assert refusals(crc_case.person.crn)[0].details["reason"] == "no_case_reading_role"

    def test_commissioner_auditor_reads_any_case(self, crc_case, auditor, client_for):
        assert overview(client_for(auditor), crc_case).status_code == 200

    def test_em_provider_staff_see_no_case_records(self, crc_case, client_for):
        operator = UserFactory(organisation=organisation("EMS"), roles=["monitoring_operator"])
        assert overview(client_for(operator), crc_case).status_code == 404

    @pytest.mark.parametrize("bad_crn", ["x1", "ABC", "X1234567", "%00", "' OR 1=1 --", "<script>"])
    def test_malformed_crn_gets_the_same_refusal_page(self, bad_crn, nps_practitioner, client_for):
        response = client_for(nps_practitioner).get(f"/cases/{bad_crn}/")
        assert response.status_code == 404
        assert b"We cannot show this case" in response.content


class TestMyCases:
    def test_lists_only_the_practitioners_own_active_cases(self, crc_practitioner, client_for):
        mine = CaseFactory(
            responsible_organisation=organisation("CRC-C08"), responsible_officer=crc_practitioner
        )
        closed = CaseFactory(
            responsible_organisation=organisation("CRC-C08"),
            responsible_officer=crc_practitioner,
            status="closed",
        )
        colleague_case = CaseFactory(responsible_organisation=organisation("CRC-C08"))
        body = client_for(crc_practitioner).get("/cases/").content.decode()
        assert mine.person.crn in body
        assert closed.person.crn not in body
        assert colleague_case.person.crn not in body

    def test_a_case_the_officer_is_excluded_from_is_not_listed(
        self, crc_case, crc_practitioner, administrator, client_for
    ):
        case_access_set(
            case=crc_case, user=crc_practitioner, kind="exclusion", by_user=administrator
        )
        body = client_for(crc_practitioner).get("/cases/").content.decode()
        assert crc_case.person.crn not in body

    def test_anonymous_user_is_sent_to_sign_in(self, client):
        response = client.get("/cases/")
        assert response.status_code == 302
        assert AuditEvent.objects.filter(action="case.access_refused", actor=None).exists()

    def test_listing_is_audited(self, crc_case, crc_practitioner, client_for):
        client_for(crc_practitioner).get("/cases/")
        assert AuditEvent.objects.filter(action="cases.listed", actor=crc_practitioner).count() == 1

    def test_query_count_does_not_grow_with_the_caseload(
        self, crc_practitioner, client_for, django_assert_max_num_queries
    ):
        client = client_for(crc_practitioner)

        def make_cases(n: int) -> None:
            for _ in range(n):
                case = CaseFactory(
                    responsible_organisation=organisation("CRC-C08"),
                    responsible_officer=crc_practitioner,
                )
                from tests.factories import RequirementFactory, SentenceFactory

                RequirementFactory(sentence=SentenceFactory(case=case))

        make_cases(3)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            assert client.get("/cases/").status_code == 200
        make_cases(12)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get("/cases/")
        assert response.content.decode().count("/cases/T") >= 15


class TestSearch:
    def test_finds_by_misspelt_surname(self, nps_practitioner, client_for):
        case = CaseFactory(person=PersonFactory(forename="Daniel", surname="Whitfield"))
        for typo in [
            "Witfield",
            "Whtifield",
            "Whitfeild",
            "Whitfieldd",
            "whitfield",
            "Daniel Witfield",
        ]:
            response = client_for(nps_practitioner).get("/search/", {"q": typo})
            assert result_crns(response) == {case.person.crn}, typo

    def test_a_name_two_edits_away_is_not_a_match(self, nps_practitioner, client_for):
        CaseFactory(person=PersonFactory(surname="Whitfield"))
        response = client_for(nps_practitioner).get("/search/", {"q": "Wotfeild"})
        assert result_crns(response) == set()

    def test_finds_by_crn_and_pnc(self, nps_practitioner, client_for):
        person = PersonFactory(pnc_number="2012/0123456Y")
        CaseFactory(person=PersonFactory())
        CaseFactory(person=person)
        client = client_for(nps_practitioner)
        assert result_crns(client.get("/search/", {"q": person.crn.lower()})) == {person.crn}
        assert result_crns(client.get("/search/", {"q": "12/123456Y"})) == {person.crn}

    def test_finds_by_alias(self, nps_practitioner, client_for):
        from probation.people.models import Alias
        from probation.people.names import name_key
        from probation.people.search_index import name_keys_register

        case = CaseFactory(person=PersonFactory(surname="Jones"))
        Alias.objects.create(
            person=case.person, forename="Dan", surname="Okafor", surname_key=name_key("Okafor")
        )
        name_keys_register(["Okafor"])
        response = client_for(nps_practitioner).get("/search/", {"q": "Okafro"})
        assert result_crns(response) == {case.person.crn}

    def test_does_not_find_cases_the_user_may_not_see(
        self, crc_case, other_crc_practitioner, client_for
    ):
        client = client_for(other_crc_practitioner)
        by_name = client.get("/search/", {"q": crc_case.person.surname})
        assert crc_case.person.crn not in result_crns(by_name)
        by_crn = client.get("/search/", {"q": crc_case.person.crn})
        assert result_crns(by_crn) == set()
        assert "0 results" in by_crn.content.decode()

    def test_search_is_audited_with_the_query(self, nps_practitioner, client_for):
        client_for(nps_practitioner).get("/search/", {"q": "Smith"})
        event = AuditEvent.objects.get(action="cases.searched")
        assert event.details["query"] == "Smith"

    def test_anonymous_user_is_sent_to_sign_in(self, client):
        assert client.get("/search/", {"q": "Smith"}).status_code == 302

    def test_query_count_does_not_grow_with_matches(
        self, nps_practitioner, client_for, django_assert_max_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_for(nps_practitioner)
        for _ in range(3):
            CaseFactory(person=PersonFactory(surname="Brennan"))
        with CaptureQueriesContext(connection) as few:
            client.get("/search/", {"q": "Brenan"})
        for _ in range(12):
            CaseFactory(person=PersonFactory(surname="Brennan"))
        with django_assert_max_num_queries(len(few.captured_queries)):
            body = client.get("/search/", {"q": "Brenan"}).content.decode()
        assert "15 results" in body


def test_search_ranks_exact_surname_then_one_edit_then_alias(nps_practitioner, client_for):
    from probation.people.models import Alias
    from probation.people.names import name_key
    from probation.people.search_index import name_keys_register

    alias_only = CaseFactory(person=PersonFactory(forename="Aaron", surname="Abbott"))
    Alias.objects.create(
        person=alias_only.person, forename="A", surname="Hallam", surname_key=name_key("Hallam")
    )
    name_keys_register(["Hallam"])
    one_edit = CaseFactory(person=PersonFactory(forename="Beth", surname="Hallan"))
    exact = CaseFactory(person=PersonFactory(forename="Zoe", surname="Hallam"))
    response = client_for(nps_practitioner).get("/search/", {"q": "Hallam"})
    order = re.findall(r'href="/cases/([A-Z][0-9]{6})/"', response.content.decode())
    assert order == [exact.person.crn, one_edit.person.crn, alias_only.person.crn]


def test_a_refused_real_crn_and_an_unknown_one_run_the_same_queries(
    crc_case, other_crc_practitioner, client_for
):
    """The time a refusal takes must not tell whether the CRN exists: the same statements run
    (benchmarks/bench_refusal_timing.py measures the time itself)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(other_crc_practitioner)
    client.get("/cases/Z000001/")  # warm the session and user caches alike

    def statements(crn: str) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/cases/{crn}/").status_code == 404
        return [
            re.sub(r"'[^']*'|\b\d+\b|\"s\d+_x\d+\"", "?", q["sql"].replace(crn, "CRN"))
            for q in captured.captured_queries
        ]

    assert statements(crc_case.person.crn) == statements("Z999999")
