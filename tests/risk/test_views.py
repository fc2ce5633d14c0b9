"""The assessment, registration and tier pages, as a court officer uses them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from probation.core.models import AuditEvent
from probation.risk.models import Assessment, Registration, TierCalculation
from tests.factories import UserFactory, organisation

pytestmark = pytest.mark.django_db


def assessment_post(**overrides):
    today = timezone.localdate()
    data = {
        "assessed_on_0": today.day,
        "assessed_on_1": today.month,
        "assessed_on_2": today.year,
        "report_type": "standard",
        "rosh_public": "high",
        "rosh_known_adult": "low",
        "rosh_children": "low",
        "rosh_staff": "low",
        "mappa_category": "2",
        "mappa_level": "1",
        "rsr": "4.5",
        "registrations": ["mental_health", "vulnerability"],
        "registrations_shown": "1",  # the form sends it with the checkboxes
        "need__accommodation__no_fixed_abode": "yes",
        "need__accommodation__suitability": "significant",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_court_officer_records_an_assessment_and_sees_the_tier_explained(
    sentenced_case, court_officer, client_for
):
    client = client_for(court_officer)
    url = f"/cases/{sentenced_case.person.crn}/assessment/new/"
    form_page = client.get(url).content.decode()
    assert "OGRS3" in form_page
    response = client.post(url, assessment_post())
    assert response.status_code == 302
    overview = client.get(response["Location"]).content.decode()
    entry = TierCalculation.objects.get(case=sentenced_case)
    # RoSH high 20, RSR 4.5 (10, lower, not counted), MAPPA level 1 5, 2 complexity factors 4.
    assert entry.protect_points == 29
    assert entry.tier in overview
    assert "RoSH high 20" in overview
    assert "Assessment recorded" in overview


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rosh_public": None}, "Select the risk of serious harm to the public"),
        ({"rosh_staff": "extreme"}, "Select the risk of serious harm to staff"),
        ({"report_type": None}, "Select the type of report"),
        ({"assessed_on_0": "40"}, "must be a real date"),
        ({"assessed_on_2": "2999"}, "today or in the past"),
        ({"rsr": "lots"}, "RSR must be a number"),
        ({"rsr": "101"}, "between 0 and 100"),
        ({"rsr": "NaN"}, "between 0 and 100"),
        ({"mappa_level": ""}, "both a MAPPA category and a level"),
        ({"mappa_category": "9"}, "Select a MAPPA category from the list"),
        ({"registrations": ["astrology"]}, "Select registrations from the list"),
        ({"need__drugs__injecting": "daily"}, "Select an answer for"),
    ],
)
def test_bad_assessment_shows_the_error_summary_and_writes_nothing(
    sentenced_case, court_officer, client_for, overrides, message
):
    response = client_for(court_officer).post(
        f"/cases/{sentenced_case.person.crn}/assessment/new/", assessment_post(**overrides)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert message in body
    assert not Assessment.objects.exists()
    assert not TierCalculation.objects.exists()


def test_practitioner_of_another_crc_cannot_open_the_assessment_form(
    sentenced_case, other_crc_practitioner, client_for
):
    response = client_for(other_crc_practitioner).get(
        f"/cases/{sentenced_case.person.crn}/assessment/new/"
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="case.access_refused", crn=sentenced_case.person.crn
    ).exists()


def test_auditor_may_read_but_not_assess(sentenced_case, auditor, client_for):
    client = client_for(auditor)
    assert client.get(f"/cases/{sentenced_case.person.crn}/tier/").status_code == 200
    assert client.get(f"/cases/{sentenced_case.person.crn}/assessment/new/").status_code == 403


def test_adding_and_ending_a_registration_in_the_page_changes_the_tier_history(
    sentenced_case, court_officer, client_for
):
    client = client_for(court_officer)
    url = f"/cases/{sentenced_case.person.crn}/registrations/"
    assert client.post(url, {"kind": "street_gangs", "notes": "Known to police"}).status_code == 302
    registration = Registration.objects.get(case=sentenced_case, kind="street_gangs")
    end_url = f"{url}{registration.pk}/end/"
    assert client.post(end_url).status_code == 302
    registration.refresh_from_db()
    assert registration.ended_on is not None
    history = client.get(f"/cases/{sentenced_case.person.crn}/tier/").content.decode()
    assert TierCalculation.objects.filter(case=sentenced_case).count() == 2
    assert "1 complexity factor 2" in history


def test_registration_form_errors(sentenced_case, court_officer, client_for):
    url = f"/cases/{sentenced_case.person.crn}/registrations/"
    body = client_for(court_officer).post(url, {"kind": "", "notes": "x" * 600}).content.decode()
    assert "Select a registration to add" in body
    assert "500 characters or fewer" in body


def test_ending_another_cases_registration_is_refused(sentenced_case, court_officer, client_for):
    from tests.factories import CaseFactory

    other = CaseFactory()
    registration = Registration.objects.create(
        case=other, kind="self_harm", registered_on=dt.date(2025, 1, 1)
    )
    response = client_for(court_officer).post(
        f"/cases/{sentenced_case.person.crn}/registrations/{registration.pk}/end/"
    )
    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.ended_on is None


def test_practitioner_records_nothing_via_get_on_end(sentenced_case, court_officer, client_for):
    registration = Registration.objects.create(
        case=sentenced_case, kind="self_harm", registered_on=dt.date(2025, 1, 1)
    )
    url = f"/cases/{sentenced_case.person.crn}/registrations/{registration.pk}/end/"
    assert client_for(court_officer).get(url).status_code == 405


class TestSentencePage:
    def test_custodial_sentence_shows_dates_with_reasons(
        self, sentenced_case, court_officer, client_for
    ):
        client = client_for(court_officer)
        url = f"/cases/{sentenced_case.person.crn}/sentences/new/"
        response = client.post(
            url,
            {
                "disposal": "custody",
                "sentence_date_0": "6",
                "sentence_date_1": "1",
                "sentence_date_2": "2025",
                "length_days": "182",
                "remand_days": "",
            },
        )
        assert response.status_code == 302
        body = client.get(response["Location"]).content.decode()
        assert "Release date" in body
        assert "Supervision ends" in body
        assert 'data-testid="custody-reasons"' in body

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"disposal": ""}, "Select the sentence"),
            ({"length_days": "abc"}, "whole number of days"),
            ({"length_days": "-5"}, "at least 1 day"),
            ({"length_days": "99999999999999999999"}, "18250 days or fewer"),
            ({"sentence_date_1": "13"}, "must be a real date"),
            ({"sentence_date_2": "2020"}, "on or after the offence date"),
            ({"requirements": ["unpaid_work"]}, "no community requirements"),
        ],
    )
    def test_bad_sentence_input(self, sentenced_case, court_officer, client_for, data, message):
        post = {
            "disposal": "custody",
            "sentence_date_0": "6",
            "sentence_date_1": "1",
            "sentence_date_2": "2025",
            "length_days": "182",
        }
        post.update(data)
        before = sentenced_case.sentences.count()
        response = client_for(court_officer).post(
            f"/cases/{sentenced_case.person.crn}/sentences/new/", post
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in body
        assert message in body
        assert sentenced_case.sentences.count() == before

    def test_practitioner_cannot_record_a_sentence(self, sentenced_case, client_for):
        practitioner = UserFactory(organisation=organisation("NPS"), roles=["practitioner"])
        assert (
            client_for(practitioner)
            .get(f"/cases/{sentenced_case.person.crn}/sentences/new/")
            .status_code
            == 403
        )
