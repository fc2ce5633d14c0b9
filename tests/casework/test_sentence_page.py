"""Recording a sentence on its page: implausible dates are field errors, never a 500."""

from __future__ import annotations

import pytest

from probation.courts.models import Sentence

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "12", "9999", "The date of sentence must be between 1 January 1900 and"),
        ("1", "1", "1", "The date of sentence must be a real date"),
    ],
)
def test_a_sentence_dated_in_year_9999_or_1_gets_the_error_summary(
    day, month, year, message, sentenced_case, court_officer, client_for
):
    client = client_for(court_officer)
    url = f"/cases/{sentenced_case.person.crn}/sentences/new/"
    before = Sentence.objects.count()
    response = client.post(
        url,
        {
            "disposal": "custody",
            "sentence_date_0": day,
            "sentence_date_1": month,
            "sentence_date_2": year,
            "length_days": "365",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert message in body
    assert Sentence.objects.count() == before
