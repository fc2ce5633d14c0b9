"""Who may read what through the API, on every endpoint; and that each view and refusal is
audited. The rules themselves live in probation.people.selectors (cases_visible_to)."""

from __future__ import annotations

from typing import Any

import pytest

from probation.core.models import AuditEvent
from probation.people.models import AccessKind, CaseAccess
from probation.people.services import case_access_set
from tests.api.helpers import (
    assert_problem,
    detail_url,
    list_url,
    listed_crns,
    refusals,
    views,
    without_instance,
)
from tests.factories import CaseFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db

KINDS = ["persons", "cases"]


@pytest.fixture(params=KINDS)
def kind(request: Any) -> str:
    """Each test runs against /api/v1/persons/ and /api/v1/cases/."""
    return str(request.param)


class TestDetailEndpoints:
    def test_nps_practitioner_reads_a_crc_case_and_the_view_is_audited(
        self, kind, crc_case, nps_practitioner, api_for
    ):
        crn = crc_case.person.crn
        response = api_for(nps_practitioner).get(detail_url(kind, crn))
        assert response.status_code == 200
        assert response.json()["crn"] == crn
        [event] = views(crn)
        assert event.actor == nps_practitioner
        assert event.path == detail_url(kind, crn)
        assert not refusals(crn)

    def test_responsible_crc_practitioner_reads_their_own_case(
        self, kind, crc_case, crc_practitioner, api_for
    ):
        response = api_for(crc_practitioner).get(detail_url(kind, crc_case.person.crn))
        assert response.status_code == 200
        assert views(crc_case.person.crn)[0].actor == crc_practitioner

    def test_crc_colleague_reads_a_case_of_their_crc(
        self, kind, crc_case, merseyside_colleague, api_for
    ):
        response = api_for(merseyside_colleague).get(detail_url(kind, crc_case.person.crn))
        assert response.status_code == 200

    def test_crc_practitioner_of_another_area_is_refused_and_the_refusal_is_audited(
        self, kind, crc_case, other_crc_practitioner, api_for
    ):
        crn = crc_case.person.crn
        response = api_for(other_crc_practitioner).get(detail_url(kind, crn))
        body = assert_problem(response, 404)
        assert crc_case.person.surname not in response.content.decode()
        assert crn not in body["detail"]
        [event] = refusals(crn)
        assert event.actor == other_crc_practitioner
        assert event.details["reason"] == "other_organisation"
        assert event.path == detail_url(kind, crn)
        assert not views(crn)

    def test_crc_practitioner_cannot_read_an_nps_case(
        self, kind, crc_practitioner, nps_practitioner, api_for
    ):
        nps_case = CaseFactory(responsible_organisation=organisation("NPS"))
        crn = nps_case.person.crn
        assert_problem(api_for(crc_practitioner).get(detail_url(kind, crn)), 404)
        assert api_for(nps_practitioner).get(detail_url(kind, crn)).status_code == 200
        assert refusals(crn)[0].details["reason"] == "other_organisation"

    def test_excluded_user_in_the_responsible_crc_is_refused(
        self, kind, crc_case, crc_practitioner, merseyside_colleague, administrator, api_for
    ):
        case_access_set(
            case=crc_case, user=merseyside_colleague, kind="exclusion", by_user=administrator
        )
        crn = crc_case.person.crn
        assert_problem(api_for(merseyside_colleague).get(detail_url(kind, crn)), 404)
        assert api_for(crc_practitioner).get(detail_url(kind, crn)).status_code == 200
        [refusal] = refusals(crn)
        assert refusal.actor == merseyside_colleague
        assert refusal.details["reason"] == "excluded"

    def test_excluded_nps_user_is_refused(self, kind, crc_case, nps_practitioner, api_for):
        CaseAccess.objects.create(case=crc_case, user=nps_practitioner, kind=AccessKind.EXCLUSION)
        crn = crc_case.person.crn
        assert_problem(api_for(nps_practitioner).get(detail_url(kind, crn)), 404)
        assert refusals(crn)[0].details["reason"] == "excluded"

    def test_user_outside_a_restriction_list_is_refused(
        self, kind, crc_case, crc_practitioner, nps_practitioner, administrator, api_for
    ):
        case_access_set(
            case=crc_case, user=crc_practitioner, kind="restriction", by_user=administrator
        )
        crn = crc_case.person.crn
        assert api_for(crc_practitioner).get(detail_url(kind, crn)).status_code == 200
        assert_problem(api_for(nps_practitioner).get(detail_url(kind, crn)), 404)
        [refusal] = refusals(crn)
        assert refusal.actor == nps_practitioner
        assert refusal.details["reason"] == "not_on_restriction_list"

    def test_anonymous_request_gets_401_and_is_audited_as_a_refusal(
        self, kind, crc_case, anonymous
    ):
        crn = crc_case.person.crn
        response = anonymous.get(detail_url(kind, crn))
        assert_problem(response, 401)
        assert response["WWW-Authenticate"] == "Token"
        assert crc_case.person.surname not in response.content.decode()
        [event] = refusals(crn)
        assert event.actor is None
        assert event.actor_label == "anonymous"
        assert event.details["reason"] == "anonymous"
        assert event.path == detail_url(kind, crn)

    def test_user_without_a_case_reading_role_is_refused(self, kind, crc_case, api_for):
        contract_manager = UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"])
        crn = crc_case.person.crn
        assert_problem(api_for(contract_manager).get(detail_url(kind, crn)), 404)
        assert refusals(crn)[0].details["reason"] == "no_case_reading_role"

    def test_em_provider_staff_read_no_case(self, kind, crc_case, api_for):
        operator = UserFactory(organisation=organisation("EMS"), roles=["monitoring_operator"])
        assert_problem(api_for(operator).get(detail_url(kind, crc_case.person.crn)), 404)

    def test_commissioner_auditor_reads_any_case(self, kind, crc_case, auditor, api_for):
        assert api_for(auditor).get(detail_url(kind, crc_case.person.crn)).status_code == 200
        assert views(crc_case.person.crn)[0].actor == auditor

    def test_refusal_body_equals_the_body_for_a_crn_that_does_not_exist(
        self, kind, crc_case, other_crc_practitioner, api_for
    ):
        client = api_for(other_crc_practitioner)
        refused = client.get(detail_url(kind, crc_case.person.crn))
        missing = client.get(detail_url(kind, "Z999999"))
        refused_body = assert_problem(refused, 404)
        missing_body = assert_problem(missing, 404)
        assert without_instance(refused_body) == without_instance(missing_body)
        assert refused["Content-Type"] == missing["Content-Type"]
        assert refusals("Z999999")[0].details["reason"] == "not_found"

    @pytest.mark.parametrize(
        "bad_crn",
        ["x1", "ABC", "X1234567", "1234567", "\x00", "%00", "' OR 1=1 --", "<script>", "X" * 5000],
    )
    def test_malformed_crn_gets_the_same_404_body_and_is_audited(
        self, kind, bad_crn, nps_practitioner, api_for
    ):
        client = api_for(nps_practitioner)
        missing = assert_problem(client.get(detail_url(kind, "Z999999")), 404)
        malformed = assert_problem(client.get(detail_url(kind, bad_crn)), 404)
        assert without_instance(malformed) == without_instance(missing)
        event = AuditEvent.objects.filter(action="case.access_refused").order_by("id").last()
        assert event is not None
        assert event.details["reason"] == "malformed_crn"
        assert "\x00" not in event.details["requested"]

    def test_lower_case_crn_is_read_as_the_canonical_crn(
        self, kind, crc_case, nps_practitioner, api_for
    ):
        crn = crc_case.person.crn
        response = api_for(nps_practitioner).get(detail_url(kind, crn.lower()))
        assert response.status_code == 200
        assert response.json()["crn"] == crn


class TestListEndpoints:
    def test_nps_practitioner_lists_cases_of_every_organisation(
        self, kind, crc_case, london_case, nps_practitioner, api_for
    ):
        crns = listed_crns(api_for(nps_practitioner).get(list_url(kind)))
        assert {crc_case.person.crn, london_case.person.crn} <= crns

    def test_crc_practitioner_lists_only_their_crcs_cases(
        self, kind, crc_case, london_case, crc_practitioner, api_for
    ):
        nps_case = CaseFactory(responsible_organisation=organisation("NPS"))
        crns = listed_crns(api_for(crc_practitioner).get(list_url(kind)))
        assert crc_case.person.crn in crns
        assert london_case.person.crn not in crns
        assert nps_case.person.crn not in crns

    def test_crc_practitioner_of_another_area_does_not_list_the_case(
        self, kind, crc_case, london_case, other_crc_practitioner, api_for
    ):
        crns = listed_crns(api_for(other_crc_practitioner).get(list_url(kind)))
        assert crns == {london_case.person.crn}

    def test_excluded_user_does_not_list_the_case(
        self, kind, crc_case, crc_practitioner, administrator, api_for
    ):
        case_access_set(
            case=crc_case, user=crc_practitioner, kind="exclusion", by_user=administrator
        )
        assert crc_case.person.crn not in listed_crns(api_for(crc_practitioner).get(list_url(kind)))

    def test_user_outside_a_restriction_list_does_not_list_the_case(
        self, kind, crc_case, crc_practitioner, nps_practitioner, administrator, api_for
    ):
        case_access_set(
            case=crc_case, user=crc_practitioner, kind="restriction", by_user=administrator
        )
        assert crc_case.person.crn in listed_crns(api_for(crc_practitioner).get(list_url(kind)))
        assert crc_case.person.crn not in listed_crns(api_for(nps_practitioner).get(list_url(kind)))

    def test_user_without_a_case_reading_role_lists_nothing(self, kind, crc_case, api_for):
        contract_manager = UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"])
        assert listed_crns(api_for(contract_manager).get(list_url(kind))) == set()

    def test_anonymous_request_gets_401_and_is_audited(self, kind, crc_case, anonymous):
        response = anonymous.get(list_url(kind), {"q": "smith"} if kind == "persons" else {})
        assert_problem(response, 401)
        assert crc_case.person.crn not in response.content.decode()
        [event] = AuditEvent.objects.filter(action="api.unauthenticated")
        assert event.actor is None
        assert event.details["reason"] == "anonymous"
        assert event.details["endpoint"] == f"{kind}.list"
        assert event.path == list_url(kind)

    def test_each_list_request_writes_one_audit_event_with_the_crns_returned(
        self, kind, crc_case, crc_practitioner, api_for
    ):
        api_for(crc_practitioner).get(list_url(kind))
        [event] = AuditEvent.objects.filter(action=f"{kind}.listed")
        assert event.actor == crc_practitioner
        assert event.details["crns"] == [crc_case.person.crn]
        assert event.details["count"] == 1
        assert event.path == list_url(kind)
        assert not AuditEvent.objects.filter(action="case.viewed").exists()
