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


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("length_days", "٣٦٥", "Length must be a whole number of days"),
        ("length_days", "３６５", "Length must be a whole number of days"),
        ("sentence_date_0", "٦", "The date of sentence must be a real date"),
    ],
)
def test_digits_other_than_0_to_9_are_refused(
    field, value, message, sentenced_case, court_officer, client_for
):
    data = {
        "disposal": "community_order",
        "sentence_date_0": "6",
        "sentence_date_1": "1",
        "sentence_date_2": "2025",
        "length_days": "365",
        field: value,
    }
    before = Sentence.objects.count()
    response = client_for(court_officer).post(
        f"/cases/{sentenced_case.person.crn}/sentences/new/", data
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Sentence.objects.count() == before


def test_a_practitioner_refused_the_sentence_page_is_audited(sentenced_case, client_for):
    from probation.core.audit import AuditAction
    from probation.core.models import AuditEvent
    from tests.factories import UserFactory, organisation

    practitioner = UserFactory(organisation=organisation("NPS"), roles=["practitioner"])
    url = f"/cases/{sentenced_case.person.crn}/sentences/new/"
    assert client_for(practitioner).get(url).status_code == 403
    event = AuditEvent.objects.get(action=AuditAction.ROLE_REFUSED, actor=practitioner)
    assert event.details == {"page": "record a sentence"}
    assert event.crn == sentenced_case.person.crn
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED, actor=practitioner)


def test_recording_a_community_order_says_where_the_sift_sent_the_case(
    sentenced_case, court_officer, client_for
):
    client = client_for(court_officer)
    response = client.post(
        f"/cases/{sentenced_case.person.crn}/sentences/new/",
        {
            "disposal": "community_order",
            "sentence_date_0": "6",
            "sentence_date_1": "1",
            "sentence_date_2": "2025",
            "length_days": "365",
        },
        follow=True,
    )
    body = response.content.decode()
    # Not assessed yet, so the NPS keeps the case until it is (rule rosh-missing).
    assert "The sift has allocated the case to National Probation Service." in body
    assert "RoSH has not been assessed" in body
