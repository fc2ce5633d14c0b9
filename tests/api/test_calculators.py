"""POST /api/v1/calculators/*: the pure rules over HTTP, with RFC 7807 errors."""

from __future__ import annotations

import pytest

from tests.api.helpers import OGRS3_REQUEST

pytestmark = pytest.mark.django_db

API = "/api/v1/calculators"

OGRS3 = OGRS3_REQUEST


def test_ogrs3_calculator_returns_scores_and_terms(api_for, nps_practitioner):
    response = api_for(nps_practitioner).post(f"{API}/ogrs3", OGRS3, format="json")
    assert response.status_code == 200
    body = response.json()
    assert 1 <= body["one_year"] <= body["two_year"] <= 99
    assert body["band"] in {"low", "medium", "high", "very_high"}
    assert body["age_sex_term"] == -1.326
    assert body["offence_weight"] == 0.6612


def test_tier_calculator_explains_the_spec_example(api_for, nps_practitioner):
    facts = {
        "sex": "male",
        "rosh": "high",
        "mappa_level": 1,
        "complexity_factors": ["mental_health", "self_harm"],
        "sentences": [{"kind": "community", "active": True, "requirements": ["programme"]}],
        "needs": {"thinking_behaviour": "severe", "attitudes": "severe", "drugs": "standard"},
        "ogrs": 55,
    }
    response = api_for(nps_practitioner).post(f"{API}/tier", facts, format="json")
    body = response.json()
    assert response.status_code == 200
    # protect: RoSH high 20 + MAPPA 1 5 + 2 factors 4 = 29 → B;
    # change: 2*2 + 2*2 + 1*1 + floor(55/10) = 14 → 2.
    assert body["tier"] == "B2"
    assert body["protect_points"] == 29
    assert body["change_points"] == 14
    assert body["explanation"].startswith(
        "B2: RoSH high 20; MAPPA level 1 5; 2 complexity factors 4"
    )


def test_custody_calculator_gives_licence_then_supervision(api_for, nps_practitioner):
    facts = {
        "sentence_date": "2025-03-03",
        "length_days": 182,
        "offence_date": "2025-01-10",
        "date_of_birth": "1990-01-01",
    }
    body = api_for(nps_practitioner).post(f"{API}/custody-dates", facts, format="json").json()
    assert body["release_date"] == "2025-06-01"
    assert body["licence_end"] == "2025-08-31"
    assert body["supervision_end"] == "2026-06-01"
    assert body["reasons"]


@pytest.mark.parametrize(
    ("path", "facts", "field"),
    [
        ("ogrs3", {**OGRS3, "sex": "other"}, "sex"),
        ("ogrs3", {**OGRS3, "date_of_birth": "17/05/1990"}, "date_of_birth"),
        ("ogrs3", {**OGRS3, "total_sanctions": 0}, "total_sanctions"),
        ("ogrs3", {**OGRS3, "first_sanction_age": 40}, "first_sanction_age"),
        ("ogrs3", {**OGRS3, "offence_category": "jaywalking"}, "offence_category"),
        ("ogrs3", {k: v for k, v in OGRS3.items() if k != "sex"}, "sex"),
        ("ogrs3", {**OGRS3, "surprise": 1}, "surprise"),
        ("tier", {"sex": "male", "rosh": "hgih"}, "rosh"),
        ("tier", {"sex": "male", "complexity_factors": ["astrology"]}, "complexity_factors"),
        ("tier", {"sex": "male", "sentences": [{"kind": "fine", "active": True}]}, "sentences"),
        ("tier", {"sex": "male", "needs": {"drugs": "extreme"}}, "needs"),
        (
            "tier",
            {
                "sex": "male",
                "sentences": [{"kind": "community", "active": True, "requirements": ["nope"]}],
            },
            "sentences",
        ),
        (
            "custody-dates",
            {
                "sentence_date": "2025-01-01",
                "length_days": "many",
                "offence_date": "2025-01-01",
                "date_of_birth": "1990-01-01",
            },
            "length_days",
        ),
        (
            "custody-dates",
            {
                "sentence_date": "2025-02-30",
                "length_days": 10,
                "offence_date": "2025-01-01",
                "date_of_birth": "1990-01-01",
            },
            "sentence_date",
        ),
    ],
)
def test_bad_facts_get_a_400_problem_naming_the_field(
    api_for, nps_practitioner, path, facts, field
):
    response = api_for(nps_practitioner).post(f"{API}/{path}", facts, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 400
    assert field in str(body)


@pytest.mark.parametrize("payload", ["not json", "[1, 2, 3]", "{" * 5000, "null"])
def test_malformed_bodies_get_problems_not_500s(api_for, nps_practitioner, payload):
    response = api_for(nps_practitioner).post(
        f"{API}/tier", payload, content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/problem+json")


def test_calculators_need_credentials(anonymous):
    response = anonymous.post(f"{API}/ogrs3", OGRS3, format="json")
    assert response.status_code == 401


def test_calculators_refuse_get(api_for, nps_practitioner):
    assert api_for(nps_practitioner).get(f"{API}/tier").status_code == 405
