"""Systems authenticate with a token, people with their browser session; nobody else gets in."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from probation.core.models import AuditEvent
from tests.api.conftest import token_client
from tests.api.helpers import API, assert_problem, detail_url, list_url, refusals

pytestmark = pytest.mark.django_db


def endpoints(crn: str) -> list[str]:
    return [
        list_url("persons"),
        detail_url("persons", crn),
        list_url("cases"),
        detail_url("cases", crn),
    ]


def test_token_authentication_reads_every_endpoint(crc_case, crc_practitioner):
    client = token_client(crc_practitioner)
    for url in endpoints(crc_case.person.crn):
        assert client.get(url).status_code == 200, url


def test_session_authentication_reads_every_endpoint(crc_case, crc_practitioner, client_for):
    client = client_for(crc_practitioner)
    for url in endpoints(crc_case.person.crn):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/json"


def test_an_unknown_token_is_refused_with_401_and_audited(crc_case):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    crn = crc_case.person.crn
    response = client.get(detail_url("cases", crn))
    body = assert_problem(response, 401)
    assert body["detail"] == "Invalid token."
    assert response["WWW-Authenticate"] == "Token"
    [event] = refusals(crn)
    assert event.details == {"reason": "anonymous", "credentials": "invalid", "requested": crn}

    assert_problem(client.get(list_url("cases")), 401)
    assert AuditEvent.objects.get(action="api.unauthenticated").details["credentials"] == "invalid"


def test_a_malformed_authorization_header_is_refused_with_401(crc_case):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token a b c")
    assert_problem(client.get(list_url("persons")), 401)


def test_an_inactive_users_token_is_refused(crc_case, crc_practitioner):
    client = token_client(crc_practitioner)
    crc_practitioner.is_active = False
    crc_practitioner.save()
    assert_problem(client.get(detail_url("cases", crc_case.person.crn)), 401)


def test_anonymous_requests_to_every_endpoint_get_401_problems(crc_case, anonymous):
    for url in endpoints(crc_case.person.crn):
        assert_problem(anonymous.get(url), 401)
    assert AuditEvent.objects.filter(action="api.unauthenticated").count() == 2
    assert len(refusals(crc_case.person.crn)) == 2


def test_a_deleted_token_stops_working(crc_case, crc_practitioner):
    client = token_client(crc_practitioner)
    assert client.get(list_url("cases")).status_code == 200
    Token.objects.filter(user=crc_practitioner).delete()
    assert_problem(client.get(list_url("cases")), 401)


def test_session_post_without_csrf_token_is_refused_with_a_problem(crc_practitioner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(crc_practitioner)
    body = assert_problem(client.post(list_url("cases"), {}), 403)
    assert "CSRF" in body["detail"]


def test_the_api_root_is_a_404_problem_not_a_page(crc_practitioner):
    assert_problem(token_client(crc_practitioner).get(f"{API}/"), 404)


def test_unauthenticated_noise_is_throttled_before_it_is_audited(crc_case, anonymous, monkeypatch):
    """300 calls without credentials: past the rate, 429 and no audit row (the table cannot be
    flooded)."""
    from rest_framework.throttling import SimpleRateThrottle

    from probation.core.models import AuditEvent

    rate = 20
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": f"{rate}/minute"})
    before = AuditEvent.objects.count()
    statuses = [
        anonymous.get(url, HTTP_AUTHORIZATION="Token not-a-token" if i % 2 else "").status_code
        for i, url in enumerate([f"/api/v1/cases/{crc_case.person.crn}/", "/api/v1/cases/"] * 150)
    ]
    assert statuses.count(401) == rate
    assert statuses.count(429) == 300 - rate
    assert AuditEvent.objects.count() - before == rate
