"""Acceptance (issue: supervision and enforcement): a CRC practitioner records an unacceptable
absence; the to-do list offers the warning and the letter is produced (page and PDF); a second
failure within twelve months gives a breach referral; an NPS enforcement officer starts
proceedings and records the court's outcome; every step is on the case's history and in the
audit log, and the CRC sees the outcome. Without JavaScript and with it; each page passes
axe-core (with JavaScript) and fits a phone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.enforcement.models import BreachReferral, WarningLetter
from probation.supervision.models import Contact
from tests.browser.checks import AXE_CONTEXT, PHONE, assert_accessible, assert_fits
from tests.browser.forms import choose, fill_date
from tests.factories import (
    CaseFactory,
    ContactFactory,
    CourtEventFactory,
    PersonFactory,
    RequirementFactory,
    SentenceFactory,
    UserFactory,
    organisation,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: What the audit log must hold for the case once the journey is done, in order.
AUDITED = [
    AuditAction.CONTACT_RECORDED,
    AuditAction.WARNING_ISSUED,
    AuditAction.WARNING_LETTER_VIEWED,
    AuditAction.CONTACT_RECORDED,
    AuditAction.BREACH_REFERRED,
    AuditAction.BREACH_REVIEW_STARTED,
    AuditAction.BREACH_PROCEEDINGS_STARTED,
    AuditAction.BREACH_OUTCOME_RECORDED,
]


def _day(days_ago: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(timezone.localdate() - dt.timedelta(days=days_ago), dt.time(hour))
    )


def _a_fortnight_passes(case: Any) -> None:
    """Move what happened so far two weeks back, as if the journey's second half came later:
    the warning rule counts a warning only from the day after it was given."""
    shift = dt.timedelta(days=14)
    for contact in Contact.objects.filter(case=case, outcome__gt=""):
        Contact.objects.filter(pk=contact.pk).update(
            starts_at=contact.starts_at - shift, ends_at=contact.ends_at - shift
        )
    for warning in WarningLetter.objects.filter(case=case):
        WarningLetter.objects.filter(pk=warning.pk).update(issued_on=warning.issued_on - shift)


def _record_unacceptable_absence(page: Page, check: Callable[[], None]) -> None:
    """From the to-do list: the appointment's outcome, an unacceptable absence."""
    page.goto("/todo/")
    outcomes = page.get_by_test_id("section-outcomes")
    outcomes.get_by_role("link", name="Record the outcome").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record what happened")
    check()
    choose(page, "What happened?", "Did not attend: unacceptable absence")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("to-do list")


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_absence_warning_second_failure_breach_and_court_outcome(
    new_context: Callable[..., BrowserContext],
    sign_in: Callable[..., None],
    transactional_db: Any,
    javascript: bool,
) -> None:
    officer = UserFactory(
        username="crc.po",
        first_name="Joan",
        last_name="Doyle",
        organisation=organisation("CRC-C08"),
        roles=["practitioner"],
    )
    UserFactory(
        username="nps.enforcement",
        first_name="Ravi",
        last_name="Shah",
        organisation=organisation("NPS"),
        roles=["enforcement_officer"],
    )
    case = CaseFactory(
        person=PersonFactory(surname="Quillfeather"),
        responsible_organisation=organisation("CRC-C08"),
        responsible_officer=officer,
        opened_on=timezone.localdate() - dt.timedelta(days=60),
    )
    order = SentenceFactory(
        case=case,
        court_event=CourtEventFactory(case=case, hearing_date=case.opened_on),
        sentence_date=case.opened_on,
        expected_end_date=case.opened_on + dt.timedelta(days=364),
    )
    RequirementFactory(sentence=order, kind="unpaid_work", amount=100)
    ContactFactory(case=case, sentence=order, starts_at=_day(1))  # yesterday's, not recorded
    crn = case.person.crn
    context = new_context(viewport=PHONE, java_script_enabled=javascript, **AXE_CONTEXT)
    page = context.new_page()

    def check() -> None:
        if javascript:  # axe-core runs in the page
            assert_accessible(page)
        assert_fits(page)

    # The CRC practitioner: an absence, then the warning the to-do list offers.
    sign_in(page, "crc.po")
    expect(page.get_by_role("heading", level=1)).to_have_text("To do")
    check()
    _record_unacceptable_absence(page, check)
    page.goto("/todo/")
    failures = page.get_by_test_id("section-failures")
    expect(failures).to_contain_text("Quillfeather")
    failures.get_by_role("link", name="Send a warning letter").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("warning")
    check()
    page.get_by_role("button", name="Issue the warning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Warning letter")
    expect(page.get_by_test_id("warning-letter")).to_contain_text("Quillfeather")
    check()
    pdf = page.request.get(page.get_by_test_id("pdf-link").get_attribute("href") or "")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")

    # A fortnight later: a second failure, which the warning rule sends to breach.
    _a_fortnight_passes(case)
    ContactFactory(case=case, sentence=order, starts_at=_day(1, hour=14))
    _record_unacceptable_absence(page, check)
    page.goto("/todo/")
    failures = page.get_by_test_id("section-failures")
    failures.get_by_role("link", name="Make a breach referral").click()
    expect(page.get_by_test_id("mandatory")).to_be_visible()
    check()
    page.get_by_label("Why are you referring this failure for breach?").fill(
        "Second unacceptable absence within a month of the warning."
    )
    page.get_by_role("button", name="Make the breach referral").click()
    expect(page.get_by_test_id("breach-state")).to_contain_text("Referred")
    page.get_by_role("button", name="Sign out").click()

    # The NPS enforcement officer: review, proceedings, the court's outcome.
    sign_in(page, "nps.enforcement")
    expect(page.get_by_role("heading", level=1)).to_have_text("Breach referrals")
    check()
    page.get_by_test_id("queue-table").get_by_role("link", name="Quillfeather, ").click()
    page.get_by_role("button", name="Start review").click()
    expect(page.get_by_test_id("breach-state")).to_contain_text("Under review")
    hearing = timezone.localdate() + dt.timedelta(days=7)
    fill_date(page, "Date of the hearing", hearing.day, hearing.month, hearing.year)
    page.get_by_role("button", name="Start breach proceedings").click()
    expect(page.get_by_test_id("breach-state")).to_contain_text("Proceedings started")
    check()
    choose(page, "What did the court decide?", "Order continues with a fine")
    today = timezone.localdate()
    fill_date(page, "Date of the court's decision", today.day, today.month, today.year)
    page.get_by_label("Fine, in pounds").fill("150")
    page.get_by_role("button", name="Record the court's outcome").click()
    expect(page.get_by_test_id("court-outcome")).to_contain_text("Order continues with a fine")
    page.get_by_role("button", name="Sign out").click()

    # The CRC sees the outcome, on the case's history.
    sign_in(page, "crc.po")
    page.goto(f"/cases/{crn}/")
    history = page.get_by_test_id("enforcement-history")
    expect(history).to_contain_text("Warning letter")
    expect(history).to_contain_text("Court outcome recorded: order continues with a fine")
    check()
    breach = BreachReferral.objects.get(case=case)
    page.goto(f"/cases/{crn}/breaches/{breach.pk}/")
    expect(page.get_by_test_id("court-outcome")).to_contain_text("Order continues with a fine")

    journey = [
        event.action
        for event in AuditEvent.objects.filter(crn=crn, action__in=set(AUDITED)).order_by("pk")
    ]
    assert [a for a in journey if a != AuditAction.WARNING_LETTER_VIEWED] == [
        a for a in AUDITED if a != AuditAction.WARNING_LETTER_VIEWED
    ]
    assert AuditAction.WARNING_LETTER_VIEWED in journey
    assert breach.warning is not None and breach.mandatory
