"""Bad input on the search form: a clear GOV.UK error, never a 500."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Enter a name, CRN or PNC number"),
        ("   ", "Enter a name, CRN or PNC number"),
        ("x" * 201, "200 characters or fewer"),
        ("2012/0123456A", "Enter a PNC number like 2012/0123456X"),
        ("12/abc", "Enter a PNC number like 2012/0123456X"),
        ("!!! ???", "using letters or digits"),
        ("Smith\x07", "must not contain control characters"),
    ],
)
def test_bad_search_gets_the_error_summary(nps_practitioner, client_for, query, message):
    response = client_for(nps_practitioner).get("/search/", {"q": query})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert message in body


@pytest.mark.parametrize(
    "query", ["'; DROP TABLE people_person; --", "<script>alert(1)</script>", "Ünïcödé Ñame", "李"]
)
def test_hostile_or_unusual_text_is_handled(nps_practitioner, client_for, query):
    response = client_for(nps_practitioner).get("/search/", {"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_huge_query_string_is_refused_cleanly(nps_practitioner, client_for):
    response = client_for(nps_practitioner).get("/search/", {"q": "a" * 100_000})
    assert response.status_code in (200, 400)
