"""A review of risk starts from the last assessment, pre-filled, keeps every earlier need, and
says what changed (issue: allocation)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from probation.core.models import AuditEvent
from probation.risk.models import Assessment
from probation.risk.questionnaire import SECTIONS, field_name
from probation.risk.services import assessment_record

pytestmark = pytest.mark.django_db

EVERY_NEED = {
    "accommodation": {"no_fixed_abode": "yes", "suitability": "significant", "location": "some"},
    "education_training_employment": {"unemployed": "no", "work_skills": "unknown"},
    "relationships": {"domestic_abuse": "previously"},
    "lifestyle": {"reckless": "some"},
    "drugs": {"drug_misuse": "currently", "linked_to_offending": "yes"},
    "alcohol": {"binge": "never"},
    "thinking_behaviour": {"impulsivity": "significant", "temper_control": "some"},
    "attitudes": {"supervision": "no_problem"},
}

LAST = {
    "assessed_on": dt.date(2025, 1, 6),
    "report_type": "fast",
    "rosh_public": "medium",
    "rosh_known_adult": "high",
    "rosh_children": "low",
    "rosh_staff": "very_high",
    "mappa_category": 2,
    "mappa_level": 1,
    "rsr": Decimal("4.25"),
    "parenting_responsibilities": True,
    "previous_enforcement": True,
    "answers": EVERY_NEED,
}


class FormValues(HTMLParser):
    """What a browser would send for the page's form: text and hidden inputs, the checked radios
    and checkboxes, and each select's selected option."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            self.values.setdefault(name, []).append(
                a.get("value", "on" if kind == "checkbox" else "")
            )
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = [a.get("value", "")]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def form_values(body: str) -> dict[str, list[str]]:
    parser = FormValues()
    parser.feed(body)
    return parser.values


def url(case) -> str:
    return f"/cases/{case.person.crn}/assessment/new/"


def with_today(values: dict[str, list[str]]) -> dict[str, list[str]]:
    today = timezone.localdate()
    return {
        **values,
        "assessed_on_0": [str(today.day)],
        "assessed_on_1": [str(today.month)],
        "assessed_on_2": [str(today.year)],
    }


@pytest.fixture
def last(sentenced_case, court_officer):
    court_officer.first_name, court_officer.last_name = "Alex", "Smith"
    court_officer.save()
    return assessment_record(case=sentenced_case, by_user=court_officer, **LAST)


def test_the_page_starts_from_the_latest_assessment_not_an_older_one(
    sentenced_case, court_officer, client_for, last
):
    older = {**LAST, "assessed_on": dt.date(2024, 6, 3), "rosh_public": "low", "answers": {}}
    older.update(report_type="oral", mappa_category=None, mappa_level=None, rsr=None)
    assessment_record(case=sentenced_case, by_user=court_officer, **older)
    response = client_for(court_officer).get(url(sentenced_case))
    body = response.content.decode()
    values = form_values(body)
    assert values["report_type"] == ["fast"]
    assert values["rosh_public"] == ["medium"]
    assert values["rosh_known_adult"] == ["high"]
    assert values["rosh_children"] == ["low"]
    assert values["rosh_staff"] == ["very_high"]
    assert values["mappa_category"] == ["2"]
    assert values["mappa_level"] == ["1"]
    assert values["rsr"] == ["4.25"]
    assert values["parenting_responsibilities"] == ["on"]
    assert values["previous_enforcement"] == ["on"]
    for section, answers in EVERY_NEED.items():
        for question, answer in answers.items():
            assert values[field_name(section, question)] == [answer]
    assert {"assessed_on_0": [""], "assessed_on_1": [""], "assessed_on_2": [""]}.items() <= (
        values.items()
    )
    copied = body[body.index('data-testid="copied-from"') :]
    assert "copied from the assessment of 6 January 2025 by Alex Smith" in copied
    assert "Check each one" in copied


def test_a_first_assessment_starts_blank(sentenced_case, court_officer, client_for):
    body = client_for(court_officer).get(url(sentenced_case)).content.decode()
    values = form_values(body)
    assert 'data-testid="copied-from"' not in body
    for name in ("report_type", "rosh_public", "rosh_staff", "parenting_responsibilities"):
        assert name not in values
    assert values["mappa_category"] == [""]
    assert values["rsr"] == [""]
    assert not [name for name in values if name.startswith("need__")]


def test_a_review_sent_with_the_pre_filled_form_keeps_every_earlier_need(
    sentenced_case, court_officer, client_for, last
):
    client = client_for(court_officer)
    values = form_values(client.get(url(sentenced_case)).content.decode())
    response = client.post(url(sentenced_case), with_today(values))
    assert response.status_code == 302
    review = Assessment.objects.filter(case=sentenced_case).latest("id")
    assert review.pk != last.pk
    assert review.answers == EVERY_NEED
    assert review.need_severities == last.need_severities
    assert (review.rosh_staff, review.mappa_level, review.rsr) == ("very_high", 1, Decimal("4.25"))
    overview = client.get(response["Location"]).content.decode()
    assert "Nothing changed since the last assessment" in overview


def test_needs_missing_from_the_post_are_kept_and_not_known_is_kept_as_given(
    sentenced_case, court_officer, client_for, last
):
    client = client_for(court_officer)
    values = form_values(client.get(url(sentenced_case)).content.decode())
    sent = {k: v for k, v in values.items() if not k.startswith("need__")}
    sent[field_name("drugs", "drug_misuse")] = ["unknown"]
    sent[field_name("accommodation", "suitability")] = ["no_problem"]
    assert client.post(url(sentenced_case), with_today(sent)).status_code == 302
    review = Assessment.objects.filter(case=sentenced_case).latest("id")
    expected = {section: dict(answers) for section, answers in EVERY_NEED.items()}
    expected["drugs"]["drug_misuse"] = "unknown"
    expected["accommodation"]["suitability"] = "no_problem"
    assert review.answers == expected


def test_the_success_message_and_the_audit_say_what_changed(
    sentenced_case, court_officer, client_for, last
):
    client = client_for(court_officer)
    values = form_values(client.get(url(sentenced_case)).content.decode())
    values["rosh_public"] = ["high"]
    values[field_name("accommodation", "suitability")] = ["no_problem"]
    response = client.post(url(sentenced_case), with_today(values))
    assert response.status_code == 302
    overview = client.get(response["Location"]).content.decode()
    assert "Changed since the last assessment: RoSH to the public: medium → high; " in overview
    assert (
        "Accommodation – suitability of accommodation: significant problems → no problem."
        in overview
    )
    review = Assessment.objects.filter(case=sentenced_case).latest("id")
    event = AuditEvent.objects.get(action="assessment.recorded", subject_id=str(review.pk))
    assert event.details == {
        "previous_assessment": last.pk,
        "changes": [
            "RoSH to the public: medium → high",
            "Accommodation – suitability of accommodation: significant problems → no problem",
        ],
    }


def test_the_audit_of_a_first_assessment_has_no_changes(sentenced_case, court_officer, last):
    event = AuditEvent.objects.get(action="assessment.recorded", subject_id=str(last.pk))
    assert event.details == {"previous_assessment": None, "changes": []}


def test_the_audit_lists_the_changes_the_service_recorded(sentenced_case, court_officer, last):
    review = assessment_record(
        case=sentenced_case,
        by_user=court_officer,
        **{
            **LAST,
            "assessed_on": dt.date(2025, 3, 3),
            "mappa_category": None,
            "mappa_level": None,
            "answers": {**EVERY_NEED, "alcohol": {}},
        },
    )
    event = AuditEvent.objects.get(action="assessment.recorded", subject_id=str(review.pk))
    assert event.details["changes"] == [
        "MAPPA category: 2 – violent offender (12 months or more) → not eligible",
        "MAPPA level: 1 – ordinary single-agency management → none",
        "Alcohol misuse – binge drinking or excessive use: never → not answered",
    ]


def test_every_need_is_asked_on_the_page(sentenced_case, court_officer, client_for):
    body = client_for(court_officer).get(url(sentenced_case)).content.decode()
    for section in SECTIONS:
        for question in section.questions:
            assert f'name="{field_name(section.key, question.key)}"' in body
