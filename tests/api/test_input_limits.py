"""Regressions from the security review: no input gives a 500, and implausible facts are refused.

Each test here failed on the code before the input policy (``probation.core.limits``), the
bounded JSON parser and the strict query parameters: a date in year 9999 overflowed or was
blamed on another field, year 1 gave an age of 2,024, "٣" counted as 3, a 1,000-deep array
was a RecursionError, and ``?status=`` listed every case.
"""

from __future__ import annotations

import json

import pytest

from probation.core.limits import BIRTH_DATES, EVENT_DATES, date_in_words
from tests.api.helpers import API, OGRS3_REQUEST, assert_problem

pytestmark = pytest.mark.django_db

CALC = f"{API}/calculators"
OGRS3 = OGRS3_REQUEST
CUSTODY = {
    "sentence_date": "2025-03-03",
    "length_days": 182,
    "offence_date": "2025-01-10",
    "date_of_birth": "1990-01-01",
}


def messages(body: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in body["errors"]:
        found.setdefault(error["field"], []).append(error["message"])
    return found


def post(client, path: str, facts) -> dict:
    response = client.post(f"{CALC}/{path}", facts, format="json")
    return assert_problem(response, 400)


def event_range(label: str) -> str:
    first, last = EVENT_DATES.bounds()
    return f"The {label} must be between {date_in_words(first)} and {date_in_words(last)}"


class TestCustodyDates:
    @pytest.mark.parametrize("sentence_date", ["9999-12-31", "0001-01-01", "1899-12-31"])
    def test_a_sentence_date_outside_the_policy_is_a_400_naming_it(
        self, sentence_date, api_for, nps_practitioner
    ):
        body = post(
            api_for(nps_practitioner),
            "custody-dates",
            {**CUSTODY, "sentence_date": sentence_date},
        )
        assert messages(body)["sentence_date"] == [event_range("date of sentence")]

    def test_a_sentence_on_the_last_day_of_9999_with_an_old_offence_is_refused(
        self, api_for, nps_practitioner
    ):
        facts = {**CUSTODY, "sentence_date": "9999-12-31", "length_days": 36500}
        body = post(api_for(nps_practitioner), "custody-dates", facts)
        assert "sentence_date" in messages(body)

    def test_every_date_is_checked_and_reported_at_once(self, api_for, nps_practitioner):
        facts = {
            **CUSTODY,
            "sentence_date": "9999-12-31",
            "offence_date": "0001-01-01",
            "date_of_birth": "9999-01-01",
        }
        body = post(api_for(nps_practitioner), "custody-dates", facts)
        first, today = BIRTH_DATES.bounds()
        assert messages(body) == {
            "sentence_date": [event_range("date of sentence")],
            "offence_date": [event_range("date of the offence")],
            "date_of_birth": [
                f"The date of birth must be between {date_in_words(first)} and "
                f"{date_in_words(today)}"
            ],
        }

    @pytest.mark.parametrize(
        "change, field",
        [
            ({"length_days": 10**30}, "length_days"),
            ({"length_days": "9" * 5000}, "length_days"),
            ({"remand_days": 10**30}, "remand_days"),
            ({"length_days": "٣"}, "length_days"),
            ({"remand_days": "٣"}, "remand_days"),
            ({"length_days": "１８２"}, "length_days"),
            ({"sentence_date": "٢٠٢٥-٠٣-٠٣"}, "sentence_date"),
            ({"sentence_date": "2025-3-3"}, "sentence_date"),
            ({"sentence_date": "20250303"}, "sentence_date"),
            ({"offence_date": "2025-03-04"}, "offence_date"),
            ({"date_of_birth": "2025-01-10"}, "date_of_birth"),
        ],
    )
    def test_lengths_and_dates_that_overflow_or_are_not_ascii_are_a_400(
        self, change, field, api_for, nps_practitioner
    ):
        body = post(api_for(nps_practitioner), "custody-dates", {**CUSTODY, **change})
        assert field in messages(body), body

    def test_the_longest_sentence_from_the_latest_date_still_computes(
        self, api_for, nps_practitioner
    ):
        last = EVENT_DATES.bounds()[1].isoformat()
        facts = {
            **CUSTODY,
            "sentence_date": last,
            "length_days": 36500,
            "remand_days": 36500,
        }
        response = api_for(nps_practitioner).post(f"{CALC}/custody-dates", facts, format="json")
        assert response.status_code in (200, 400), response.content
        assert response["Content-Type"].startswith(("application/json", "application/problem"))


class TestOgrs3:
    @pytest.mark.parametrize(
        "change, field",
        [
            ({"date_of_birth": "0001-01-01"}, "date_of_birth"),
            ({"date_of_birth": "9999-12-31"}, "date_of_birth"),
            ({"conviction_date": "9999-12-31", "follow_up_start": "9999-12-31"}, "conviction_date"),
            ({"follow_up_start": "9999-12-31"}, "follow_up_start"),
            ({"total_sanctions": "٣"}, "total_sanctions"),
            ({"first_sanction_age": "١٦"}, "first_sanction_age"),
        ],
    )
    def test_dates_outside_the_policy_and_foreign_digits_are_a_400(
        self, change, field, api_for, nps_practitioner
    ):
        body = post(api_for(nps_practitioner), "ogrs3", {**OGRS3, **change})
        assert field in messages(body), body

    def test_a_person_older_than_110_at_conviction_is_refused(self, api_for, nps_practitioner):
        body = post(api_for(nps_practitioner), "ogrs3", {**OGRS3, "date_of_birth": "1900-01-01"})
        assert messages(body) == {
            "date_of_birth": [
                "The date of birth must make the person at most 110 years old on the date of "
                "conviction"
            ]
        }

    def test_110_at_conviction_is_allowed(self, api_for, nps_practitioner):
        facts = {
            **OGRS3,
            "date_of_birth": "1914-01-06",
            "conviction_date": "2024-01-06",
            "follow_up_start": "2024-01-06",
        }
        response = api_for(nps_practitioner).post(f"{CALC}/ogrs3", facts, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["age_at_conviction"] == 110

    def test_a_person_younger_than_10_at_conviction_is_refused(self, api_for, nps_practitioner):
        body = post(
            api_for(nps_practitioner),
            "ogrs3",
            {**OGRS3, "date_of_birth": "2015-01-07", "first_sanction_age": 10},
        )
        assert messages(body)["date_of_birth"] == [
            "The date of birth must make the person at least 10 years old on the date of conviction"
        ]

    @pytest.mark.parametrize("age", [9, 35, 111])
    def test_a_first_sanction_age_outside_10_to_the_age_at_conviction_is_refused(
        self, age, api_for, nps_practitioner
    ):
        body = post(api_for(nps_practitioner), "ogrs3", {**OGRS3, "first_sanction_age": age})
        assert list(messages(body)) == ["first_sanction_age"]

    def test_the_message_gives_the_age_at_conviction(self, api_for, nps_practitioner):
        body = post(api_for(nps_practitioner), "ogrs3", {**OGRS3, "first_sanction_age": 35})
        assert messages(body)["first_sanction_age"] == [
            "The age at first sanction must be between 10 and 34, the age at conviction"
        ]

    def test_follow_up_before_conviction_is_refused(self, api_for, nps_practitioner):
        body = post(api_for(nps_practitioner), "ogrs3", {**OGRS3, "follow_up_start": "2025-01-05"})
        assert messages(body) == {
            "follow_up_start": [
                "The date follow-up starts must be the same as or after the date of conviction"
            ]
        }


class TestTier:
    @pytest.mark.parametrize("change", [{"rsr": "٣"}, {"ogrs": "٥٥"}, {"rsr": "1e999"}])
    def test_foreign_digits_and_infinite_numbers_are_a_400(self, change, api_for, nps_practitioner):
        body = post(api_for(nps_practitioner), "tier", {"sex": "male", **change})
        assert set(messages(body)) == set(change)


class TestBodies:
    @pytest.mark.parametrize("path", ["ogrs3", "tier", "custody-dates"])
    @pytest.mark.parametrize(
        "payload, code",
        [
            ("[" * 1000 + "]" * 1000, "too_deep"),
            ('{"sex": ' + "[" * 1000 + "]" * 1000 + "}", "too_deep"),
            ("[" * 50_000, "too_deep"),
            (json.dumps({"sex": "x" * 70_000}), "too_large"),
            ('{"rsr": NaN, "sex": "male"}', "not_json"),
        ],
        ids=["array-1000-deep", "value-1000-deep", "unclosed-50000-deep", "70-kb", "nan"],
    )
    def test_deep_huge_or_invalid_json_is_a_400_problem_with_errors(
        self, path, payload, code, api_for, nps_practitioner
    ):
        response = api_for(nps_practitioner).generic(
            "POST", f"{CALC}/{path}", payload, content_type="application/json"
        )
        body = assert_problem(response, 400)
        assert body["type"].endswith("/malformed-request")
        assert [error["code"] for error in body["errors"]] == [code]

    @pytest.mark.parametrize(
        "content_type",
        ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"],
    )
    def test_anything_but_json_is_a_415_problem(self, content_type, api_for, nps_practitioner):
        response = api_for(nps_practitioner).generic(
            "POST", f"{CALC}/tier", "sex=male", content_type=content_type
        )
        assert_problem(response, 415)

    def test_the_schema_documents_json_bodies_only(self, client):
        document = client.get(f"{API}/schema/", {"format": "json"}).json()
        for path in ("ogrs3", "tier", "custody-dates"):
            operation = document["paths"][f"{API}/calculators/{path}"]["post"]
            assert set(operation["requestBody"]["content"]) == {"application/json"}


class TestEmptyQueryParameters:
    @pytest.mark.parametrize("name", ["status", "officer", "contract_area", "limit", "offset"])
    def test_a_case_list_parameter_sent_empty_is_a_400_naming_it(
        self, name, crc_case, nps_practitioner, api_for
    ):
        body = assert_problem(api_for(nps_practitioner).get(f"{API}/cases/?{name}="), 400)
        assert set(messages(body)) == {name}
        assert all(body_messages for body_messages in messages(body).values())

    def test_all_empty_filters_are_reported_together(self, nps_practitioner, api_for):
        response = api_for(nps_practitioner).get(f"{API}/cases/?status=&officer=&contract_area=")
        body = assert_problem(response, 400)
        assert set(messages(body)) == {"status", "officer", "contract_area"}

    def test_an_empty_search_still_lists_everyone_visible(
        self, crc_case, crc_practitioner, api_for
    ):
        response = api_for(crc_practitioner).get(f"{API}/persons/?q=")
        assert response.status_code == 200
        assert response.json()["count"] == 1

    @pytest.mark.parametrize("name", ["limit", "offset"])
    def test_an_empty_page_parameter_of_persons_is_a_400(self, name, nps_practitioner, api_for):
        body = assert_problem(api_for(nps_practitioner).get(f"{API}/persons/?{name}="), 400)
        assert set(messages(body)) == {name}

    @pytest.mark.parametrize("value", ["٣", "１０", "2²"])
    def test_a_limit_in_foreign_digits_is_a_400(self, value, nps_practitioner, api_for):
        body = assert_problem(api_for(nps_practitioner).get(f"{API}/cases/", {"limit": value}), 400)
        assert set(messages(body)) == {"limit"}
