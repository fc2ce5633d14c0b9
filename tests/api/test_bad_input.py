"""Whatever a client sends, the answer is a 4xx problem: never a 500, never an HTML page."""

from __future__ import annotations

import pytest

from probation.core.models import AuditEvent
from probation.people.models import Person
from tests.api.helpers import (
    API,
    assert_problem,
    detail_url,
    list_url,
    refusals,
    without_instance,
)

pytestmark = pytest.mark.django_db

CASES = list_url("cases")
PERSONS = list_url("persons")
HOSTILE_TEXT = [
    "'; DROP TABLE people_person; --",
    "' OR '1'='1",
    "Robert'); DROP TABLE Students;--",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}",
    "${jndi:ldap://example/a}",
    "smith%",
    "smith\x00",
    "smith\x1b[31m",
    "smith\u202ejones",
    "smith\r\njones",
    "\x07\x08\x0b\x0c",
]


def error_fields(body: dict) -> set[str]:
    return {error["field"] for error in body["errors"]}


class TestQueryParameters:
    @pytest.mark.parametrize(
        "params, field",
        [
            ({"contract_area": "ZZZ"}, "contract_area"),
            ({"contract_area": "C99"}, "contract_area"),
            ({"contract_area": "C08C08"}, "contract_area"),
            ({"contract_area": " "}, "contract_area"),
            ({"status": "bogus"}, "status"),
            ({"status": "ACTIVE; DROP"}, "status"),
            ({"officer": "someone"}, "officer"),
            ({"limit": "-1"}, "limit"),
            ({"limit": "0"}, "limit"),
            ({"limit": "abc"}, "limit"),
            ({"limit": "1e3"}, "limit"),
            ({"limit": "9" * 5000}, "limit"),
            ({"offset": "abc"}, "offset"),
            ({"offset": "-5"}, "offset"),
            ({"offset": "99999999999999999999999"}, "offset"),
        ],
    )
    def test_invalid_case_list_parameters_are_a_400_problem_naming_the_field(
        self, params, field, crc_case, nps_practitioner, api_for
    ):
        body = assert_problem(api_for(nps_practitioner).get(CASES, params), 400)
        assert field in error_fields(body)
        assert all(error["message"] for error in body["errors"])
        assert body["instance"] == CASES

    def test_several_invalid_parameters_are_all_reported(self, nps_practitioner, api_for):
        params = {"status": "bogus", "contract_area": "ZZZ", "officer": "x"}
        body = assert_problem(api_for(nps_practitioner).get(CASES, params), 400)
        assert error_fields(body) == {"status", "contract_area", "officer"}

    @pytest.mark.parametrize("params", [{"limit": "-1"}, {"offset": "abc"}])
    def test_invalid_pagination_of_persons_is_a_400_problem(
        self, params, nps_practitioner, api_for
    ):
        assert_problem(api_for(nps_practitioner).get(PERSONS, params), 400)

    def test_oversized_search_is_a_400_problem(self, crc_case, nps_practitioner, api_for):
        body = assert_problem(api_for(nps_practitioner).get(PERSONS, {"q": "a" * 10_000}), 400)
        assert error_fields(body) == {"q"}

    @pytest.mark.parametrize("text", HOSTILE_TEXT)
    def test_hostile_search_text_is_a_400_problem_and_harms_nothing(
        self, text, crc_case, nps_practitioner, api_for
    ):
        people = Person.objects.count()
        response = api_for(nps_practitioner).get(PERSONS, {"q": text})
        body = assert_problem(response, 400)
        assert error_fields(body) == {"q"}
        assert "<script>" not in body["detail"]
        assert Person.objects.count() == people

    def test_unknown_parameters_are_ignored(self, crc_case, nps_practitioner, api_for):
        response = api_for(nps_practitioner).get(CASES, {"colour": "blue"})
        assert response.status_code == 200


class TestPaths:
    @pytest.mark.parametrize("kind", ["persons", "cases"])
    def test_unknown_crn_is_a_404_problem(self, kind, nps_practitioner, api_for):
        body = assert_problem(api_for(nps_practitioner).get(detail_url(kind, "Z999999")), 404)
        assert body["instance"] == detail_url(kind, "Z999999")

    @pytest.mark.parametrize("kind", ["persons", "cases"])
    def test_unicode_and_percent_encoded_crn_are_the_same_404(
        self, kind, nps_practitioner, api_for
    ):
        client = api_for(nps_practitioner)
        missing = assert_problem(client.get(detail_url(kind, "Z999999")), 404)
        for crn in ["X12345٦", "Ｘ１２３４５６", "%2e%2e", "..", "X123456\n"]:
            body = assert_problem(client.get(detail_url(kind, crn)), 404)
            assert without_instance(body) == without_instance(missing), crn

    @pytest.mark.parametrize(
        "path",
        [
            "nothing/",
            "nothing",
            "cases",
            "cases/X123456/sentences/",
            "persons/X123456/extra",
            "../admin/",
            "schema/extra/",
        ],
    )
    def test_unknown_url_under_the_api_is_a_404_problem(self, path, nps_practitioner, api_for):
        response = api_for(nps_practitioner).get(f"{API}/{path}")
        assert_problem(response, 404)

    def test_unknown_url_is_a_404_problem_for_anonymous_and_any_method(self, anonymous):
        for method in ("get", "post", "put", "patch", "delete", "options"):
            assert_problem(getattr(anonymous, method)(f"{API}/nothing/"), 404)


class TestMethods:
    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    @pytest.mark.parametrize(
        "path", [PERSONS, CASES, detail_url("persons", "T000001"), detail_url("cases", "T000001")]
    )
    def test_writes_to_read_only_endpoints_are_a_405_problem(
        self, method, path, nps_practitioner, api_for
    ):
        response = getattr(api_for(nps_practitioner), method)(
            path, {"status": "closed"}, format="json"
        )
        assert_problem(response, 405)
        assert "GET" in response["Allow"]
        assert method.upper() not in response["Allow"]

    def test_writes_with_a_body_that_is_not_json_are_still_405(self, nps_practitioner, api_for):
        response = api_for(nps_practitioner).generic(
            "POST", CASES, b"\xff\xfe{not json", content_type="application/json"
        )
        assert_problem(response, 405)

    def test_head_and_options_are_allowed(self, crc_case, nps_practitioner, api_for):
        client = api_for(nps_practitioner)
        assert client.head(CASES).status_code == 200
        assert client.options(CASES).status_code == 200


class TestNegotiation:
    def test_asking_for_html_only_is_a_406_problem(self, nps_practitioner, api_for):
        response = api_for(nps_practitioner).get(CASES, HTTP_ACCEPT="text/html")
        assert_problem(response, 406)

    def test_an_unknown_format_suffix_is_a_404_problem(self, nps_practitioner, api_for):
        assert_problem(api_for(nps_practitioner).get(CASES, {"format": "xml"}), 404)

    def test_a_browser_accept_header_gets_json(self, crc_case, nps_practitioner, api_for):
        accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        response = api_for(nps_practitioner).get(CASES, HTTP_ACCEPT=accept)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"


class TestAuditOfHostileInput:
    """The audit trail stores what was asked for, minus what a database cannot hold."""

    @pytest.mark.parametrize("kind", ["persons", "cases"])
    def test_anonymous_request_with_control_characters_is_audited_cleanly(self, kind, anonymous):
        assert_problem(anonymous.get(detail_url(kind, "X12\x003456\x1b")), 401)
        [event] = refusals("X123456")
        assert event.details["requested"] == "X123456"
        assert event.details["reason"] == "anonymous"

    def test_anonymous_list_request_with_nul_in_parameter_names_is_audited_cleanly(self, anonymous):
        assert_problem(anonymous.get(f"{PERSONS}?q%00=a%00b&%00=x"), 401)
        event = AuditEvent.objects.get(action="api.unauthenticated")
        assert event.details["query"] == {"q": "ab", "": "x"}
