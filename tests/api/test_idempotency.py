"""``Idempotency-Key`` on the calculators: a retry gets the first answer, not a second one."""

from __future__ import annotations

import pytest

from probation.api import calculators
from tests.api.helpers import API, assert_problem

pytestmark = pytest.mark.django_db

TIER = f"{API}/calculators/tier"
FACTS = {"sex": "male", "rosh": "high", "ogrs": 55}
KEY = "6f1c1c1e-2b7a-4f57-9a55-0b1d3c1e9d2a"


@pytest.fixture
def computations(monkeypatch):
    """How many times the tier was really computed."""
    calls: list[dict] = []
    compute = calculators.TierCalculatorView.compute

    def counting(self, facts):
        calls.append(facts)
        return compute(self, facts)

    monkeypatch.setattr(calculators.TierCalculatorView, "compute", counting)
    return calls


def post(client, body, key: str | None = KEY, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.generic("POST", TIER, body, content_type="application/json", **headers, **extra)


def test_the_same_key_and_body_get_the_stored_response_without_recomputing(
    api_for, nps_practitioner, computations
):
    client = api_for(nps_practitioner)
    first = post(client, '{"sex": "male", "rosh": "high", "ogrs": 55}')
    again = post(client, '{"ogrs": 55,   "rosh": "high", "sex": "male"}')
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert len(computations) == 1
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert again["Content-Type"] == "application/json"


def test_without_a_key_every_request_is_computed(api_for, nps_practitioner, computations):
    client = api_for(nps_practitioner)
    post(client, '{"sex": "male"}', key=None)
    post(client, '{"sex": "male"}', key=None)
    assert len(computations) == 2


def test_the_same_key_with_a_different_body_is_a_422_problem(
    api_for, nps_practitioner, computations
):
    client = api_for(nps_practitioner)
    assert post(client, '{"sex": "male"}').status_code == 200
    body = assert_problem(post(client, '{"sex": "female"}'), 422)
    assert body["type"].endswith("/idempotency-key-reused")
    assert body["title"] == "Idempotency-Key reused with a different request"
    assert body["detail"].startswith("Idempotency-Key reused with a different request")
    assert len(computations) == 1


def test_the_same_key_on_another_calculator_is_a_different_request(api_for, nps_practitioner):
    client = api_for(nps_practitioner)
    assert post(client, '{"sex": "male"}').status_code == 200
    response = client.post(
        f"{API}/calculators/ogrs3", {"sex": "male"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    assert_problem(response, 422)


def test_keys_of_different_users_never_meet(
    api_for, nps_practitioner, crc_practitioner, computations
):
    assert post(api_for(nps_practitioner), '{"sex": "male"}').status_code == 200
    response = post(api_for(crc_practitioner), '{"sex": "female"}')
    assert response.status_code == 200
    assert response.json()["tier"]
    assert len(computations) == 2


def test_a_refused_request_is_not_stored_so_it_can_be_corrected(
    api_for, nps_practitioner, computations
):
    client = api_for(nps_practitioner)
    assert_problem(post(client, '{"sex": "other"}'), 400)
    assert post(client, '{"sex": "male"}').status_code == 200
    assert post(client, '{"sex": "male"}')["Idempotent-Replayed"] == "true"


def test_the_stored_response_expires_after_24_hours(
    api_for, nps_practitioner, computations, monkeypatch
):
    from probation.api import idempotency

    assert idempotency.TTL_SECONDS == 24 * 60 * 60
    stored: dict = {}
    monkeypatch.setattr(
        idempotency.cache, "add", lambda key, value, timeout: stored.update(timeout=timeout)
    )
    post(api_for(nps_practitioner), '{"sex": "male"}')
    assert stored == {"timeout": 24 * 60 * 60}


@pytest.mark.parametrize("key", ["", "a" * 256, "with space", "naïve", "tab\there"])
def test_a_key_that_is_empty_too_long_or_not_printable_ascii_is_a_400(
    key, api_for, nps_practitioner, computations
):
    body = assert_problem(post(api_for(nps_practitioner), '{"sex": "male"}', key=key), 400)
    assert [error["field"] for error in body["errors"]] == ["Idempotency-Key"]
    assert computations == []


def test_a_key_of_255_printable_characters_is_accepted(api_for, nps_practitioner):
    key = "".join(chr(33 + i % 94) for i in range(255))
    assert post(api_for(nps_practitioner), '{"sex": "male"}', key=key).status_code == 200


def test_the_schema_documents_the_header_and_the_422(client):
    document = client.get(f"{API}/schema/", {"format": "json"}).json()
    for path in ("ogrs3", "tier", "custody-dates"):
        operation = document["paths"][f"{API}/calculators/{path}"]["post"]
        [parameter] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        assert parameter["in"] == "header"
        assert parameter.get("required", False) is False
        assert parameter["schema"]["maxLength"] == 255
        assert "422" in operation["responses"]
        assert "Idempotent-Replayed" in operation["responses"]["200"]["headers"]
