"""The recall and serious further offence pages: requesting a recall (and being told to make a
breach referral during post-sentence supervision), the recall page's steps for each role, the
queue, notifying and reviewing an SFO, the counts, and the case overview's supervision panel."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from probation.enforcement.models import Recall, RecallState, SeriousFurtherOffence, SfoState
from probation.enforcement.recall_selectors import supervision_period_panel
from probation.enforcement.recall_services import recall_decide, recall_review_start
from probation.enforcement.sfo_services import sfo_notify
from tests.enforcement.test_recall import custody, mappa, nps_manager, request_for
from tests.factories import UserFactory, organisation

pytestmark = pytest.mark.django_db


def _guards(body: str) -> dict[str, str]:
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', body).group(1)  # type: ignore[union-attr]
        for name in ("case_version", "submission_token")
    }


def _post(client: Any, url: str, data: dict[str, Any]) -> Any:
    """GET the page for its hidden guards, then POST ``data`` with them."""
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, {**_guards(page.content.decode()), **data})


@pytest.fixture
def licence_case(crc_case: Any) -> Any:
    custody(crc_case)
    return crc_case


@pytest.fixture
def manager(db: Any) -> Any:
    return nps_manager(username="nps.spo")


@pytest.fixture
def requested(licence_case: Any, crc_practitioner: Any) -> Recall:
    return request_for(licence_case, crc_practitioner)


def _new_url(case: Any) -> str:
    return f"/cases/{case.person.crn}/recalls/new/"


def _url(recall: Recall) -> str:
    return f"/cases/{recall.case.person.crn}/recalls/{recall.pk}/"


# Requesting -------------------------------------------------------------------------------


def test_the_officer_requests_a_recall(
    licence_case: Any, crc_practitioner: Any, client_for: Any
) -> None:
    client = client_for(crc_practitioner)
    page = client.get(_new_url(licence_case))
    body = page.content.decode()
    assert "On licence" in body
    assert 'name="reason"' in body
    response = _post(
        client,
        _new_url(licence_case),
        {"reason": "contact_lost", "details": "Left the approved address."},
    )
    recall = Recall.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url(recall)
    assert recall.details == "Left the approved address."
    assert "The NPS must decide by" in client.get(_url(recall)).content.decode()


def test_post_sentence_supervision_is_sent_to_breach(
    crc_case: Any, crc_practitioner: Any, client_for: Any
) -> None:
    custody(crc_case, period="pss")
    client = client_for(crc_practitioner)
    body = client.get(_new_url(crc_case)).content.decode()
    assert 'data-testid="pss-breach"' in body
    assert "make a breach referral instead" in body
    assert 'name="reason"' not in body
    # A crafted POST is refused by the service, shown in the error summary, nothing recorded.
    response = client.post(_new_url(crc_case), {"reason": "contact_lost", "details": "x"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert "magistrates&#x27; court" in response.content.decode()
    assert not Recall.objects.exists()


def test_request_form_errors_are_shown_not_500(
    licence_case: Any, crc_practitioner: Any, client_for: Any
) -> None:
    client = client_for(crc_practitioner)
    for data in (
        {"reason": "", "details": ""},
        {"reason": "bored", "details": "x"},
        {"reason": "other", "details": "x" * 6000},
        {"reason": "other", "details": "bad\x00text"},
    ):
        response = _post(client, _new_url(licence_case), data)
        assert response.status_code == 200
        assert "govuk-error-summary" in response.content.decode()
    assert not Recall.objects.exists()


def test_an_open_recall_is_shown_instead_of_the_form(
    requested: Recall, crc_practitioner: Any, client_for: Any
) -> None:
    body = client_for(crc_practitioner).get(_new_url(requested.case)).content.decode()
    assert 'data-testid="already-requested"' in body
    assert 'name="reason"' not in body


def test_another_organisation_may_not_request(
    licence_case: Any, nps_practitioner: Any, other_crc_practitioner: Any, client_for: Any
) -> None:
    # The NPS sees the case but is not responsible for it.
    client = client_for(nps_practitioner)
    assert 'data-testid="may-not-request"' in client.get(_new_url(licence_case)).content.decode()
    assert client.post(_new_url(licence_case), {"reason": "other"}).status_code == 403
    # Another CRC does not even learn that the case exists.
    assert client_for(other_crc_practitioner).get(_new_url(licence_case)).status_code == 404


def test_an_enforcement_officer_does_not_request(
    licence_case: Any, enforcement_officer: Any, client_for: Any
) -> None:
    assert client_for(enforcement_officer).get(_new_url(licence_case)).status_code == 403


# The recall page ---------------------------------------------------------------------------


def test_the_whole_journey_through_the_page(
    requested: Recall, enforcement_officer: Any, manager: Any, client_for: Any
) -> None:
    officer = client_for(enforcement_officer)
    assert _post(officer, _url(requested), {"action": "start"}).status_code == 302
    body = officer.get(_url(requested)).content.decode()
    assert "A fixed-term recall is available" in body
    response = _post(
        officer,
        _url(requested),
        {"action": "decide", "decision": "fixed_term", "reasons": "Whereabouts unknown."},
    )
    assert response.status_code == 302
    body = officer.get(_url(requested)).content.decode()
    assert 'data-testid="waiting-sign-off"' in body
    boss = client_for(manager)
    assert "Sign off the decision" in boss.get(_url(requested)).content.decode()
    assert _post(boss, _url(requested), {"action": "sign_off"}).status_code == 302
    assert _post(officer, _url(requested), {"action": "send"}).status_code == 302
    requested.refresh_from_db()
    assert (requested.state, requested.decision) == (RecallState.SENT, "fixed_term")
    story = client_for(manager).get(_url(requested)).content.decode()
    for words in ("Requested", "Review started", "Fixed-term recall", "Signed off", "Sent"):
        assert words in story


def test_fixed_term_refused_on_the_page(
    requested: Recall, enforcement_officer: Any, client_for: Any
) -> None:
    mappa(requested.case, 3)
    recall_review_start(recall=requested, by_user=enforcement_officer)
    client = client_for(enforcement_officer)
    body = client.get(_url(requested)).content.decode()
    assert "not available where MAPPA level 3" in body
    response = _post(
        client, _url(requested), {"action": "decide", "decision": "fixed_term", "reasons": "r"}
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    requested.refresh_from_db()
    assert requested.state == RecallState.UNDER_REVIEW


def test_the_decider_is_not_offered_sign_off(requested: Recall, client_for: Any) -> None:
    both = UserFactory(
        organisation=organisation("NPS"), roles=["enforcement_officer", "allocating_manager"]
    )
    recall_review_start(recall=requested, by_user=both)
    recall_decide(recall=requested, by_user=both, decision="standard", reasons="r")
    client = client_for(both)
    assert "Sign off the decision" not in client.get(_url(requested)).content.decode()
    assert client.post(_url(requested), {"action": "sign_off"}).status_code == 403
    requested.refresh_from_db()
    assert requested.signed_off_by is None


def test_the_requester_sees_the_story_but_no_actions(
    requested: Recall, crc_practitioner: Any, client_for: Any
) -> None:
    client = client_for(crc_practitioner)
    body = client.get(_url(requested)).content.decode()
    assert 'data-testid="recall-story"' in body
    assert 'name="action"' not in body
    for action in ("start", "decide", "sign_off", "send"):
        assert client.post(_url(requested), {"action": action}).status_code == 403
    requested.refresh_from_db()
    assert requested.state == RecallState.REQUESTED


def test_a_refused_step_is_shown_in_the_error_summary(
    requested: Recall, enforcement_officer: Any, client_for: Any
) -> None:
    response = _post(client_for(enforcement_officer), _url(requested), {"action": "send"})
    assert response.status_code == 200
    assert "must be decided" in response.content.decode()


def test_a_recall_of_another_case_or_none_is_404(
    requested: Recall, enforcement_officer: Any, crc_order_case: Any, client_for: Any
) -> None:
    client = client_for(enforcement_officer)
    other = f"/cases/{crc_order_case.person.crn}/recalls/{requested.pk}/"
    assert client.get(other).status_code == 404
    assert client.get(f"/cases/{requested.case.person.crn}/recalls/999999/").status_code == 404


# The queue ----------------------------------------------------------------------------------


def test_the_queue_for_officers_and_managers(
    requested: Recall,
    enforcement_officer: Any,
    manager: Any,
    crc_practitioner: Any,
    client_for: Any,
) -> None:
    officer_page = client_for(enforcement_officer).get("/recalls/").content.decode()
    assert officer_page.count('data-testid="queue-row"') == 1
    assert requested.case.person.crn in officer_page
    manager_page = client_for(manager).get("/recalls/").content.decode()
    assert 'data-testid="no-sign-off"' in manager_page
    recall_review_start(recall=requested, by_user=enforcement_officer)
    recall_decide(recall=requested, by_user=enforcement_officer, decision="standard", reasons="r")
    manager_page = client_for(manager).get("/recalls/").content.decode()
    assert manager_page.count('data-testid="sign-off-row"') == 1
    assert client_for(crc_practitioner).get("/recalls/").status_code == 403


def test_the_queue_needs_signing_in(client: Any) -> None:
    response = client.get("/recalls/")
    assert response.status_code == 302
    assert "login" in response["Location"] or "sign-in" in response["Location"]


# Serious further offences ----------------------------------------------------------------


@pytest.fixture
def sfo_case(crc_case: Any) -> Any:
    crc_case.opened_on = timezone.localdate() - dt.timedelta(days=200)
    crc_case.save()
    return crc_case


def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def test_notify_an_sfo_late_and_review_it(
    sfo_case: Any, crc_practitioner: Any, client_for: Any
) -> None:
    client = client_for(crc_practitioner)
    url = f"/cases/{sfo_case.person.crn}/sfos/new/"
    charged = timezone.localdate() - dt.timedelta(days=20)
    response = _post(
        client,
        url,
        {"offence_description": "Wounding with intent", **_date("charged_on", charged)},
    )
    sfo = SeriousFurtherOffence.objects.get()
    assert response.status_code == 302
    page_url = f"/cases/{sfo_case.person.crn}/sfos/{sfo.pk}/"
    assert response["Location"] == page_url
    body = client.get(page_url).content.decode()
    assert "counted as late" in body
    assert 'data-testid="sfo-late"' in body
    assert 'name="action"' not in body  # a practitioner does not review
    assert client.post(page_url, {"action": "start"}).status_code == 403
    manager = UserFactory(organisation=organisation("CRC-C08"), roles=["allocating_manager"])
    boss = client_for(manager)
    assert _post(boss, page_url, {"action": "start"}).status_code == 302
    response = _post(boss, page_url, {"action": "complete", "findings": ""})
    assert "Enter the findings" in response.content.decode()
    assert _post(boss, page_url, {"action": "complete", "findings": "Done."}).status_code == 302
    sfo.refresh_from_db()
    assert sfo.state == SfoState.REVIEW_COMPLETED


@pytest.mark.parametrize(
    "data",
    [
        {"offence_description": "", "charged_on_0": "", "charged_on_1": "", "charged_on_2": ""},
        {"offence_description": "x" * 400, "charged_on_0": "1", "charged_on_1": "1",
         "charged_on_2": "2026"},
        {"offence_description": "Rape", "charged_on_0": "31", "charged_on_1": "2",
         "charged_on_2": "2026"},
        {"offence_description": "Rape", "charged_on_0": "1", "charged_on_1": "1",
         "charged_on_2": "9999"},
        {"offence_description": "Rape", "charged_on_0": "1", "charged_on_1": "1",
         "charged_on_2": "1990"},
    ],
)  # fmt: skip
def test_sfo_form_errors_are_shown_not_500(
    sfo_case: Any, crc_practitioner: Any, client_for: Any, data: dict[str, str]
) -> None:
    response = _post(client_for(crc_practitioner), f"/cases/{sfo_case.person.crn}/sfos/new/", data)
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not SeriousFurtherOffence.objects.exists()


def test_another_organisation_may_not_notify(
    sfo_case: Any, nps_practitioner: Any, client_for: Any
) -> None:
    client = client_for(nps_practitioner)
    url = f"/cases/{sfo_case.person.crn}/sfos/new/"
    assert 'data-testid="may-not-notify"' in client.get(url).content.decode()
    assert client.post(url, {"offence_description": "x"}).status_code == 403


def test_an_sfo_of_another_case_is_404(
    sfo_case: Any, crc_practitioner: Any, crc_order_case: Any, client_for: Any
) -> None:
    sfo = sfo_notify(
        case=sfo_case,
        by_user=crc_practitioner,
        offence_description="Arson",
        charged_on=timezone.localdate(),
    )
    client = client_for(crc_practitioner)
    assert client.get(f"/cases/{crc_order_case.person.crn}/sfos/{sfo.pk}/").status_code == 404


def test_the_counts_page(
    sfo_case: Any, crc_practitioner: Any, manager: Any, auditor: Any, client_for: Any
) -> None:
    sfo_notify(
        case=sfo_case,
        by_user=crc_practitioner,
        offence_description="Arson",
        charged_on=timezone.localdate(),
    )
    contract_manager = UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"])
    for user in (manager, contract_manager, auditor):
        body = client_for(user).get("/sfos/").content.decode()
        assert 'data-testid="by-organisation"' in body
        assert 'data-testid="by-contract-area"' in body
        assert body.count('data-testid="counts-row"') == 2
        assert sfo_case.person.crn not in body
    assert client_for(crc_practitioner).get("/sfos/").status_code == 403


# The case overview's panel ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "words"),
    [
        ("licence", "On licence"),
        ("pss", "On post-sentence supervision"),
        ("ended", "Neither"),
    ],
)
def test_the_supervision_period_partial(crc_case: Any, period: str, words: str) -> None:
    custody(crc_case, period=period)
    html = render_to_string(
        "casework/recall/_supervision_period.html",
        {"supervision_period": supervision_period_panel(crc_case), "person": crc_case.person},
    )
    assert words in html
    assert ("breach referral" in html) is (period == "pss")


def test_the_partial_without_custody(crc_order_case: Any) -> None:
    html = render_to_string(
        "casework/recall/_supervision_period.html",
        {"supervision_period": supervision_period_panel(crc_order_case)},
    )
    assert "No custodial sentence" in html


def test_the_queue_reads_a_fixed_number_of_queries(
    requested: Recall, enforcement_officer: Any, crc_practitioner: Any, client_for: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CaseFactory

    client = client_for(enforcement_officer)
    client.get("/recalls/")
    with CaptureQueriesContext(connection) as one:
        client.get("/recalls/")
    for _ in range(3):
        case = CaseFactory(
            responsible_organisation=organisation("CRC-C08"), responsible_officer=crc_practitioner
        )
        custody(case)
        request_for(case, crc_practitioner)
    with CaptureQueriesContext(connection) as four:
        body = client.get("/recalls/").content.decode()
    assert body.count('data-testid="queue-row"') == 4
    assert len(four) == len(one)
