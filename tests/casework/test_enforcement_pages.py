"""The warning and breach pages (docs/domain/enforcement.md): the warning page with the rule's
decision and the letter; the printable letter and its PDF; the referral page; the breach page
with the enforcement officer's steps and the court outcome; the enforcement officer's home; and
the referring CRC seeing where its referral stands."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.enforcement.models import BreachReferral, BreachState, WarningLetter
from probation.enforcement.services import (
    breach_proceedings_start,
    breach_refer,
    breach_review_start,
    warning_issue,
)
from tests.factories import ContactFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC)


def failure(case: Any, day: dt.date = dt.date(2026, 11, 23), **kwargs: Any) -> Any:
    kwargs.setdefault("outcome", "unacceptable_absence")
    return ContactFactory(case=case, starts_at=at(day), **kwargs)


def _guards(body: str) -> dict[str, str]:
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', body).group(1)  # type: ignore[union-attr]
        for name in ("case_version", "submission_token")
    }


def _crn(case: Any) -> str:
    return case.person.crn


@pytest.fixture
def warned(crc_order_case: Any) -> WarningLetter:
    first = failure(crc_order_case, dt.date(2026, 11, 9))
    return WarningLetter.objects.create(
        case=crc_order_case,
        sentence=crc_order_case.sentences.get(),
        failure=first,
        issued_on=dt.date(2026, 11, 12),
        letter="Jo Quillfeather\n\nWarning: failure to comply with your order\n\nDear Jo.",
    )


@pytest.fixture
def referral(crc_order_case: Any, warned: Any, crc_practitioner: Any) -> BreachReferral:
    return breach_refer(
        failure=failure(crc_order_case), by_user=crc_practitioner, reason="Second failure."
    )


# Warning -------------------------------------------------------------------------------------


def test_the_practitioner_sees_the_rule_and_the_letter_then_issues_it(
    crc_order_case, crc_practitioner, client_for
):
    missed = failure(crc_order_case)
    url = f"/cases/{_crn(crc_order_case)}/contacts/{missed.pk}/warning/"
    client = client_for(crc_practitioner)
    page = client.get(url).content.decode()
    assert "Warning due" in page
    assert 'data-testid="letter-preview"' in page and "23 November 2026" in page
    response = client.post(url, _guards(page))
    warning = WarningLetter.objects.get(failure=missed)
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{_crn(crc_order_case)}/warnings/{warning.pk}/"
    letter = client.get(response["Location"]).content.decode()
    assert 'data-testid="warning-letter"' in letter and "within 12 months" in letter
    assert AuditEvent.objects.filter(
        action=AuditAction.WARNING_LETTER_VIEWED, details__as="page"
    ).exists()


def test_when_the_rule_says_breach_the_warning_page_links_to_the_referral(
    crc_order_case, warned, crc_practitioner, client_for
):
    missed = failure(crc_order_case)
    url = f"/cases/{_crn(crc_order_case)}/contacts/{missed.pk}/warning/"
    client = client_for(crc_practitioner)
    page = client.get(url).content.decode()
    assert 'data-testid="breach-required"' in page and "12 November 2026" in page
    assert f'href="/cases/{_crn(crc_order_case)}/contacts/{missed.pk}/breach/"' in page
    assert 'data-testid="letter-preview"' not in page
    response = client.post(url, {})
    assert response.status_code == 200  # refused, shown in the error summary
    assert "govuk-error-summary" in response.content.decode()
    assert not WarningLetter.objects.filter(failure=missed).exists()


def test_the_pdf_is_a_pdf_and_its_download_is_audited(crc_order_case, crc_practitioner, client_for):
    warning = warning_issue(failure=failure(crc_order_case), by_user=crc_practitioner)
    response = client_for(crc_practitioner).get(
        f"/cases/{_crn(crc_order_case)}/warnings/{warning.pk}/pdf/"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditAction.WARNING_LETTER_VIEWED)
    assert event.details == {"as": "pdf"} and event.crn == _crn(crc_order_case)


def test_a_warning_of_another_case_is_not_found(crc_order_case, crc_practitioner, client_for):
    warning = warning_issue(failure=failure(crc_order_case), by_user=crc_practitioner)
    other = ContactFactory(outcome="unacceptable_absence").case
    client = client_for(UserFactory(organisation=organisation("NPS"), roles=["practitioner"]))
    assert client.get(f"/cases/{_crn(other)}/warnings/{warning.pk}/").status_code == 404
    assert client.get(f"/cases/{_crn(other)}/warnings/{warning.pk}/pdf/").status_code == 404
    assert client.get(f"/cases/{_crn(crc_order_case)}/warnings/99999999/").status_code == 404
    huge = f"/cases/{_crn(crc_order_case)}/contacts/{10**30}/warning/"
    assert client.get(huge).status_code == 404


def test_an_nps_practitioner_may_see_but_not_warn_a_crc_case(
    crc_order_case, nps_practitioner, client_for
):
    missed = failure(crc_order_case)
    url = f"/cases/{_crn(crc_order_case)}/contacts/{missed.pk}/warning/"
    client = client_for(nps_practitioner)
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="may-not-warn"' in page.content.decode()
    assert client.post(url, {}).status_code == 403
    assert not WarningLetter.objects.exists()


def test_another_crc_cannot_open_the_warning_page(
    crc_order_case, other_crc_practitioner, client_for
):
    missed = failure(crc_order_case)
    url = f"/cases/{_crn(crc_order_case)}/contacts/{missed.pk}/warning/"
    assert client_for(other_crc_practitioner).get(url).status_code == 404


def test_an_enforcement_officer_is_refused_the_warning_page_by_role(
    crc_order_case, enforcement_officer, client_for
):
    missed = failure(crc_order_case)
    url = f"/cases/{_crn(crc_order_case)}/contacts/{missed.pk}/warning/"
    assert client_for(enforcement_officer).get(url).status_code == 403


# Referral ------------------------------------------------------------------------------------


def test_the_practitioner_refers_with_the_evidence(
    crc_order_case, warned, crc_practitioner, client_for
):
    missed = failure(crc_order_case)
    url = f"/cases/{_crn(crc_order_case)}/contacts/{missed.pk}/breach/"
    client = client_for(crc_practitioner)
    page = client.get(url).content.decode()
    assert 'data-testid="mandatory"' in page and 'data-testid="evidence"' in page
    empty = client.post(url, {**_guards(page), "reason": ""})
    assert "Enter why you are referring this failure for breach" in empty.content.decode()
    response = client.post(url, {**_guards(page), "reason": "Second failure in a month."})
    breach = BreachReferral.objects.get()
    assert response["Location"] == f"/cases/{_crn(crc_order_case)}/breaches/{breach.pk}/"
    assert breach.mandatory and breach.reason == "Second failure in a month."


def test_a_first_failure_is_referred_as_the_officers_choice(
    crc_order_case, crc_practitioner, client_for
):
    missed = failure(crc_order_case)
    url = f"/cases/{_crn(crc_order_case)}/contacts/{missed.pk}/breach/"
    client = client_for(crc_practitioner)
    page = client.get(url).content.decode()
    assert 'data-testid="choice"' in page
    client.post(url, {**_guards(page), "reason": "Assaulted a member of staff."})
    assert BreachReferral.objects.get().mandatory is False


# The enforcement officer ---------------------------------------------------------------------


def test_the_enforcement_officer_lands_on_the_referral_queue(
    crc_order_case, referral, enforcement_officer, client_for
):
    client = client_for(enforcement_officer)
    assert client.get("/")["Location"] == "/enforcement/"
    page = client.get("/enforcement/").content.decode()
    assert page.count('data-testid="queue-row"') == 1
    assert f"/cases/{_crn(crc_order_case)}/breaches/{referral.pk}/" in page
    assert 'href="/enforcement/"' in page  # in the menu
    event = AuditEvent.objects.filter(action=AuditAction.CASES_LISTED).latest("id")
    assert event.details["list"] == "breach referrals"
    assert event.details["crns"] == [_crn(crc_order_case)]


def test_the_queue_is_refused_to_other_roles(crc_practitioner, client_for):
    assert client_for(crc_practitioner).get("/enforcement/").status_code == 403
    assert client_for(crc_practitioner).get("/").get("Location") != "/enforcement/"


def test_the_queue_shows_an_overdue_referral(referral, enforcement_officer, client_for):
    BreachReferral.objects.filter(pk=referral.pk).update(review_due_on=dt.date(2026, 1, 5))
    page = client_for(enforcement_officer).get("/enforcement/").content.decode()
    assert 'data-testid="queue-overdue"' in page and "Overdue" in page


def test_the_enforcement_officer_opens_a_crc_case_and_takes_the_breach_to_court(
    crc_order_case, referral, enforcement_officer, client_for
):
    url = f"/cases/{_crn(crc_order_case)}/breaches/{referral.pk}/"
    client = client_for(enforcement_officer)
    assert client.get(f"/cases/{_crn(crc_order_case)}/").status_code == 200
    page = client.get(url).content.decode()
    assert 'value="start"' in page and 'data-testid="evidence"' in page
    client.post(url, {**_guards(page), "action": "start"})
    referral.refresh_from_db()
    assert referral.state == BreachState.UNDER_REVIEW
    page = client.get(url).content.decode()
    missing = client.post(url, {**_guards(page), "action": "proceed"})
    assert "Enter the date of the hearing" in missing.content.decode()
    today = timezone.localdate()
    page = client.get(url).content.decode()
    client.post(
        url,
        {
            **_guards(page),
            "action": "proceed",
            "hearing_on_0": str(today.day),
            "hearing_on_1": str(today.month),
            "hearing_on_2": str(today.year),
        },
    )
    referral.refresh_from_db()
    assert referral.state == BreachState.PROCEEDINGS_STARTED
    page = client.get(url).content.decode()
    assert "Record the court&#x27;s outcome" in page or "Record the court's outcome" in page
    response = client.post(
        url,
        {
            **_guards(page),
            "action": "outcome",
            "outcome": "continues_amended",
            "outcome_on_0": str(today.day),
            "outcome_on_1": str(today.month),
            "outcome_on_2": str(today.year),
            "req_unpaid_work": "160",
            "detail": "Hours increased.",
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == BreachState.COURT_OUTCOME_RECORDED
    order = crc_order_case.sentences.get()
    assert order.requirements.get(kind="unpaid_work").amount == 160


def test_a_bad_outcome_is_shown_not_a_500(
    crc_order_case, referral, enforcement_officer, client_for
):
    breach_proceedings_start(
        breach=breach_review_start(breach=referral, by_user=enforcement_officer),
        by_user=enforcement_officer,
        hearing_on=timezone.localdate(),
    )
    url = f"/cases/{_crn(crc_order_case)}/breaches/{referral.pk}/"
    client = client_for(enforcement_officer)
    page = client.get(url).content.decode()
    for data in (
        {
            "outcome": "pss_custody",
            "outcome_on_0": "1",
            "outcome_on_1": "12",
            "outcome_on_2": "2026",
        },
        {
            "outcome": "continues_fine",
            "outcome_on_0": "30",
            "outcome_on_1": "11",
            "outcome_on_2": "2026",
            "fine_pounds": "99999",
        },
        {
            "outcome": "continues_fine",
            "outcome_on_0": "30",
            "outcome_on_1": "11",
            "outcome_on_2": "2026",
            "fine_pounds": "٣",
        },
        {
            "outcome": "revoked_new_order",
            "outcome_on_0": "30",
            "outcome_on_1": "11",
            "outcome_on_2": "2026",
        },
        {"outcome": "continues", "outcome_on_0": "31", "outcome_on_1": "2", "outcome_on_2": "2026"},
        {"outcome": "continues", "outcome_on_0": "1", "outcome_on_1": "1", "outcome_on_2": "9999"},
        {"action": "nonsense"},
    ):
        response = client.post(url, {**_guards(page), "action": "outcome", **data})
        assert response.status_code == 200, data
        assert "govuk-error-summary" in response.content.decode(), data
    referral.refresh_from_db()
    assert referral.state == BreachState.PROCEEDINGS_STARTED


def test_only_the_enforcement_officer_may_act_on_the_breach_page(
    crc_order_case, referral, crc_practitioner, client_for
):
    url = f"/cases/{_crn(crc_order_case)}/breaches/{referral.pk}/"
    client = client_for(crc_practitioner)
    page = client.get(url).content.decode()
    assert 'value="start"' not in page
    assert client.post(url, {"action": "start"}).status_code == 403
    referral.refresh_from_db()
    assert referral.state == BreachState.REFERRED


def test_the_referring_crc_sees_the_state_and_the_outcome(
    crc_order_case, referral, enforcement_officer, crc_practitioner, client_for
):
    from probation.casework.services import breach_court_outcome_record

    breach = breach_proceedings_start(
        breach=breach_review_start(breach=referral, by_user=enforcement_officer),
        by_user=enforcement_officer,
        hearing_on=timezone.localdate(),
    )
    breach_court_outcome_record(
        breach=breach,
        by_user=enforcement_officer,
        outcome="continues_fine",
        outcome_on=timezone.localdate(),
        fine_pounds=200,
        detail="Fined £200.",
    )
    page = client_for(crc_practitioner).get(
        f"/cases/{_crn(crc_order_case)}/breaches/{referral.pk}/"
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "Court outcome recorded" in body
    assert "Order continues with a fine" in body and "Fined £200." in body


def test_another_crc_cannot_see_the_breach(
    crc_order_case, referral, other_crc_practitioner, client_for
):
    url = f"/cases/{_crn(crc_order_case)}/breaches/{referral.pk}/"
    assert client_for(other_crc_practitioner).get(url).status_code == 404


def test_the_queue_reads_in_a_fixed_number_of_queries(
    crc_order_case, referral, enforcement_officer, client_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import SentenceFactory

    client = client_for(enforcement_officer)
    client.get("/enforcement/")
    with CaptureQueriesContext(connection) as one:
        client.get("/enforcement/")
    for _ in range(3):
        order = SentenceFactory(sentence_date=dt.date(2026, 10, 1))
        BreachReferral.objects.create(
            case=order.case,
            sentence=order,
            failure=failure(order.case, sentence=order),
            reason="Another.",
            from_organisation=organisation("NPS"),
            due_on=dt.date(2026, 12, 1),
            review_due_on=dt.date(2026, 12, 1),
        )
    with CaptureQueriesContext(connection) as four:
        page = client.get("/enforcement/").content.decode()
    assert page.count('data-testid="queue-row"') == 4
    assert len(four) == len(one)


def test_a_pss_breach_offers_the_pss_outcomes(
    crc_order_case, crc_practitioner, enforcement_officer, client_for
):
    from tests.factories import SentenceFactory

    custody = SentenceFactory(
        case=crc_order_case,
        disposal="custody",
        sentence_date=dt.date(2025, 6, 2),
        length_days=180,
        licence_end=dt.date(2026, 5, 31),
        supervision_end=dt.date(2027, 5, 31),
    )
    breach = breach_refer(
        failure=failure(crc_order_case, sentence=custody),
        by_user=crc_practitioner,
        reason="Missed appointments.",
    )
    breach_proceedings_start(
        breach=breach_review_start(breach=breach, by_user=enforcement_officer),
        by_user=enforcement_officer,
        hearing_on=timezone.localdate(),
    )
    page = (
        client_for(enforcement_officer)
        .get(f"/cases/{_crn(crc_order_case)}/breaches/{breach.pk}/")
        .content.decode()
    )
    assert "Supervision default order: curfew" in page
    assert 'value="pss_custody"' in page
    assert 'value="revoked_custody"' not in page
    assert "Breach of post-sentence supervision" in page


def test_the_referral_page_points_to_the_open_referral_of_the_order(
    crc_order_case, referral, crc_practitioner, client_for
):
    later = failure(crc_order_case, dt.date(2026, 11, 25))
    page = (
        client_for(crc_practitioner)
        .get(f"/cases/{_crn(crc_order_case)}/contacts/{later.pk}/breach/")
        .content.decode()
    )
    assert 'data-testid="open-breach"' in page
    assert f"/cases/{_crn(crc_order_case)}/breaches/{referral.pk}/" in page


def test_a_contact_that_is_not_a_failure_is_said_so(crc_order_case, crc_practitioner, client_for):
    kept = failure(crc_order_case, outcome="attended_complied")
    client = client_for(crc_practitioner)
    for what in ("warning", "breach"):
        page = client.get(f"/cases/{_crn(crc_order_case)}/contacts/{kept.pk}/{what}/")
        assert 'data-testid="not-a-failure"' in page.content.decode()
