"""The escalation pages: referring a CRC case to the NPS, the NPS review queue, the escalation
page with Start review, Confirm and Decline, the case overview's story, and the assessment page
saying an escalation was opened (docs/adr/0012-risk-escalation.md)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probation.allocation.models import Escalation, EscalationState
from probation.allocation.services import (
    escalation_confirm,
    escalation_decline,
    escalation_refer,
    escalation_review_start,
)
from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from tests.allocation.helpers import assess, manager_of
from tests.factories import CaseFactory, PersonFactory, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def nps_manager(db: Any) -> Any:
    return manager_of("NPS", first_name="Nia", last_name="Evans")


@pytest.fixture
def case(crc_case: Any) -> Any:
    assess(crc_case)
    return crc_case


@pytest.fixture
def referred(case: Any, crc_practitioner: Any) -> Escalation:
    return escalation_refer(
        case=case,
        by_user=crc_practitioner,
        reason="Threats to a new partner.",
        evidence={"text": "Police report of 1 March."},
    )


def _guards(body: str) -> dict[str, str]:
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', body).group(1)  # type: ignore[union-attr]
        for name in ("case_version", "submission_token")
    }


def _refer_url(case: Any) -> str:
    return f"/cases/{case.person.crn}/escalations/new/"


def _page_url(escalation: Escalation) -> str:
    return f"/cases/{escalation.case.person.crn}/escalations/{escalation.pk}/"


# Referring ----------------------------------------------------------------------------------


def test_the_crc_practitioner_refers_the_case_from_its_overview(case, crc_practitioner, client_for):
    client = client_for(crc_practitioner)
    overview = client.get(f"/cases/{case.person.crn}/").content.decode()
    assert "This case has not been referred to the NPS." in overview
    assert f'href="{_refer_url(case)}"' in overview
    form = client.get(_refer_url(case)).content.decode()
    response = client.post(
        _refer_url(case),
        {
            "reason": "Threats to a new partner.\nShe has left the area.",
            "evidence": "Police report of 1 March.",
            **_guards(form),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.person.crn}/"
    escalation = Escalation.objects.get(case=case)
    assert escalation.reason == "Threats to a new partner.\nShe has left the area."
    assert escalation.evidence == {"text": "Police report of 1 March."}
    overview = client.get(response["Location"]).content.decode()
    assert "has been referred to the NPS" in overview
    assert "Threats to a new partner." in overview and "Police report of 1 March." in overview
    assert f'href="{_refer_url(case)}"' not in overview  # one open escalation at a time


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": ""}, "Enter why the NPS should take this case"),
        ({"reason": "   "}, "Enter why the NPS should take this case"),
        ({"reason": "x" * 5001}, "must be 5000 characters or fewer"),
        ({"reason": "Bell\x07"}, "must not contain control characters"),
    ],
)
def test_a_bad_referral_shows_the_error_summary_and_writes_nothing(
    case, crc_practitioner, client_for, data, message
):
    client = client_for(crc_practitioner)
    form = client.get(_refer_url(case)).content.decode()
    response = client.post(_refer_url(case), {**data, **_guards(form)})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and message in body
    assert not Escalation.objects.exists()


def test_a_second_referral_is_shown_the_open_one(case, referred, crc_practitioner, client_for):
    body = client_for(crc_practitioner).get(_refer_url(case)).content.decode()
    assert 'data-testid="already-referred"' in body
    assert _page_url(referred) in body
    assert "<textarea" not in body


def test_nps_staff_are_offered_no_referral_and_their_post_is_refused(
    case, nps_practitioner, client_for
):
    client = client_for(nps_practitioner)
    overview = client.get(f"/cases/{case.person.crn}/").content.decode()
    assert _refer_url(case) not in overview
    page = client.get(_refer_url(case)).content.decode()
    assert 'data-testid="may-not-refer"' in page and "<textarea" not in page
    response = client.post(_refer_url(case), {"reason": "I think so."})
    assert response.status_code == 403
    assert not Escalation.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REFUSED, actor=nps_practitioner)


# The queue ----------------------------------------------------------------------------------


def test_the_nps_manager_finds_the_queue_in_the_menu_overdue_first(
    case, referred, nps_manager, crc_practitioner, client_for
):
    other = CaseFactory(
        person=PersonFactory(surname="Ashdown"), responsible_organisation=organisation("CRC-C08")
    )
    overdue = escalation_refer(case=other, by_user=crc_practitioner, reason="MAPPA referral.")
    Escalation.objects.filter(pk=overdue.pk).update(review_due_on=dt.date(2026, 1, 5))
    client = client_for(nps_manager)
    assert 'href="/escalations/"' in client.get("/allocations/").content.decode()
    body = client.get("/escalations/").content.decode()
    assert "2 escalations from the CRCs are waiting for the NPS (0 under review)" in body
    assert 'data-testid="queue-overdue"' in body and "1 escalation is overdue" in body
    rows = body.split('data-testid="queue-row"')[1:]
    assert "Ashdown" in rows[0] and "Quillfeather" in rows[1]
    assert "Due 5 January 2026" in rows[0] and "govuk-tag--red" in rows[0]
    due = referred.review_due_on
    assert f"Due {due.day} {due:%B %Y}" in rows[1]
    assert ("govuk-tag--red" in rows[1]) == (due < timezone.localdate())
    listed = AuditEvent.objects.filter(action=AuditAction.CASES_LISTED, actor=nps_manager).latest(
        "pk"
    )
    assert listed.details["list"] == "escalations"
    assert listed.details["crns"] == [other.person.crn, case.person.crn]


def test_an_empty_queue_says_so(nps_manager, client_for):
    body = client_for(nps_manager).get("/escalations/").content.decode()
    assert "No risk escalations are waiting for the NPS." in body


@pytest.mark.parametrize("who", ["crc_practitioner", "nps_practitioner", "court_officer"])
def test_only_nps_managers_have_the_queue(who, request, client_for):
    user = request.getfixturevalue(who)
    client = client_for(user)
    assert client.get("/escalations/").status_code == 403
    assert 'href="/escalations/"' not in client.get("/search/").content.decode()


def test_a_crc_manager_has_no_queue(client_for):
    manager = manager_of("CRC-C08")
    assert client_for(manager).get("/escalations/").status_code == 403


# Deciding -----------------------------------------------------------------------------------


def test_the_nps_manager_starts_the_review_then_confirms(
    case, referred, nps_manager, crc_practitioner, client_for
):
    client = client_for(nps_manager)
    page = client.get(_page_url(referred)).content.decode()
    assert "Threats to a new partner." in page and "Police report of 1 March." in page
    assert 'value="start"' in page and 'value="confirm"' not in page
    response = client.post(_page_url(referred), {"action": "start", **_guards(page)})
    assert response.status_code == 302
    referred.refresh_from_db()
    assert referred.state == EscalationState.UNDER_REVIEW and referred.reviewer == nps_manager
    page = client.get(_page_url(referred)).content.decode()
    assert "You are now reviewing this escalation." in page
    assert 'value="confirm"' in page and 'value="decline"' in page
    response = client.post(
        _page_url(referred),
        {"action": "confirm", "reasons": "RoSH to a known adult is high.", **_guards(page)},
    )
    assert response.status_code == 302 and response["Location"] == "/escalations/"
    referred.refresh_from_db()
    assert referred.state == EscalationState.CONFIRMED
    # The case is on the NPS list of cases to allocate, and gone from the CRC.
    assert case.person.crn in client.get("/allocations/").content.decode()
    gone = client_for(crc_practitioner).get(f"/cases/{case.person.crn}/")
    assert gone.status_code == 404


def test_a_decision_without_reasons_shows_the_error_summary(
    case, referred, nps_manager, client_for
):
    escalation_review_start(escalation=referred, by_user=nps_manager)
    client = client_for(nps_manager)
    page = client.get(_page_url(referred)).content.decode()
    response = client.post(_page_url(referred), {"action": "decline", **_guards(page)})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and "Enter the reasons for the decision" in body
    referred.refresh_from_db()
    assert referred.state == EscalationState.UNDER_REVIEW


@pytest.mark.parametrize("action", ["", "approve", "confirm\x00"])
def test_a_made_up_action_is_refused_without_a_server_error(
    case, referred, nps_manager, client_for, action
):
    client = client_for(nps_manager)
    page = client.get(_page_url(referred)).content.decode()
    response = client.post(_page_url(referred), {"action": action, **_guards(page)})
    assert response.status_code == 200
    assert "Choose to confirm or decline" in response.content.decode()
    referred.refresh_from_db()
    assert referred.state == EscalationState.REFERRED


def test_confirming_a_declined_escalation_is_refused_on_the_page(
    case, referred, nps_manager, client_for
):
    escalation_review_start(escalation=referred, by_user=nps_manager)
    client = client_for(nps_manager)
    page = client.get(_page_url(referred)).content.decode()
    escalation_decline(escalation=referred, by_user=nps_manager, reasons="Managed.")
    response = client.post(
        _page_url(referred), {"action": "confirm", "reasons": "High.", "submission_token": ""}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "This escalation is declined" in body
    referred.refresh_from_db()
    assert referred.state == EscalationState.DECLINED
    assert "Declined" in body and 'value="confirm"' not in body
    assert page  # the page was shown before the decline


def test_the_crc_reads_the_escalation_but_is_offered_no_decision(
    case, referred, crc_practitioner, client_for
):
    client = client_for(crc_practitioner)
    page = client.get(_page_url(referred)).content.decode()
    assert "Threats to a new partner." in page
    assert 'value="start"' not in page
    response = client.post(_page_url(referred), {"action": "start"})
    assert response.status_code == 403
    referred.refresh_from_db()
    assert referred.state == EscalationState.REFERRED


def test_an_escalation_of_another_case_is_not_found(case, referred, nps_manager, client_for):
    other = CaseFactory(responsible_organisation=organisation("CRC-C08"))
    url = f"/cases/{other.person.crn}/escalations/{referred.pk}/"
    response = client_for(nps_manager).get(url)
    assert response.status_code == 404


def test_the_overview_tells_the_whole_story(
    case, referred, nps_manager, crc_practitioner, client_for
):
    escalation_review_start(escalation=referred, by_user=nps_manager)
    escalation_decline(escalation=referred, by_user=nps_manager, reasons="The plan manages it.")
    second = escalation_refer(case=case, by_user=crc_practitioner, reason="MAPPA referral made.")
    escalation_review_start(escalation=second, by_user=nps_manager)
    escalation_confirm(escalation=second, by_user=nps_manager, reasons="MAPPA level 2.")
    body = client_for(nps_manager).get(f"/cases/{case.person.crn}/").content.decode()
    section = body.split('data-testid="escalations"')[1]
    assert section.count('data-testid="escalation-story"') == 2
    for text in (
        "Confirmed",
        "Declined",
        "The plan manages it.",
        "MAPPA level 2.",
        "MAPPA referral made.",
        escape(str(crc_practitioner)),
        "Nia Evans",
        "Due by",
    ):
        assert text in section, text


# The assessment page ------------------------------------------------------------------------


def test_the_assessment_page_says_an_escalation_was_opened(case, crc_practitioner, client_for):
    client = client_for(crc_practitioner)
    url = f"/cases/{case.person.crn}/assessment/new/"
    form = client.get(url).content.decode()
    today = timezone.localdate()
    response = client.post(
        url,
        {
            "assessed_on_0": today.day,
            "assessed_on_1": today.month,
            "assessed_on_2": today.year,
            "report_type": "standard",
            "rosh_public": "low",
            "rosh_known_adult": "very_high",
            "rosh_children": "low",
            "rosh_staff": "low",
            "registrations_shown": "1",
            **_guards(form),
        },
    )
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "An escalation to the NPS has been opened" in body
    assert "RoSH is now very high" in body
    escalation = Escalation.objects.get(case=case)
    assert escalation.trigger == "rosh_high" and escalation.referred_by is None


# Hostile input ------------------------------------------------------------------------------

HOSTILE = st.one_of(
    st.text(max_size=6000),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), max_size=20),
    st.sampled_from(["", " ", "start", "confirm", "decline", "-1", "99999999999999999999", "%00"]),
)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_the_referral_form_never_answers_5xx(case, crc_practitioner, client_for):
    client = client_for(crc_practitioner)
    fields = ["reason", "evidence", "case_version", "submission_token"]

    @FUZZ
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(fields, HOSTILE)))
    def check(data: dict[str, str]) -> None:
        assert client.post(_refer_url(case), data).status_code < 500, data

    check()


def test_the_decision_form_never_answers_5xx(case, referred, nps_manager, client_for):
    client = client_for(nps_manager)
    fields = ["action", "reasons", "case_version", "submission_token"]

    @FUZZ
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(fields, HOSTILE)))
    def check(data: dict[str, str]) -> None:
        assert client.post(_page_url(referred), data).status_code < 500, data

    check()


def test_the_queue_page_makes_a_fixed_number_of_queries(crc_practitioner, nps_manager, client_for):
    client = client_for(nps_manager)
    counts = []
    for n in (1, 6):
        while Escalation.objects.count() < n:
            other = CaseFactory(responsible_organisation=organisation("CRC-C08"))
            escalation_refer(case=other, by_user=crc_practitioner, reason="Risk rose.")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/escalations/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
