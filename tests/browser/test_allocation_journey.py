"""Acceptance (issue: allocation), end to end in the browser: a court officer adds a new person,
court event, offences and a community sentence; the sift sends the case to a CRC; the CRC
manager assigns it; the practitioner reviews risk with RoSH high; an escalation appears for the
NPS reviewer, who confirms it; the case shows the NPS as responsible, with the history of every
step; the CRC practitioner can no longer open it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.people.models import Person
from tests.browser.forms import choose, fill_date, proceed
from tests.factories import UserFactory, organisation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def add_person_from_court(page: Page) -> str:
    """The court officer's intake journey for a low-risk Merseyside man on a community order;
    returns the new CRN."""
    page.get_by_role("button", name="Add a person from court").click()
    page.get_by_label("First name").fill("Tobias")
    page.get_by_label("Last name").fill("Wrenfield")
    fill_date(page, "Date of birth", 2, 8, 1988)
    choose(page, "Sex", "Male")
    proceed(page)
    page.get_by_label("Yes, this is a new person").check()
    proceed(page)
    choose(page, "Does the person have a fixed address?", "Yes")
    page.get_by_label("Address line 1").fill("12 Bold Street")
    page.get_by_label("Town or city").fill("Liverpool")
    page.get_by_label("Postcode").fill("L1 4DS")
    page.get_by_label("Contract area of the address").select_option(label="Merseyside")
    proceed(page)
    page.get_by_label("Court", exact=True).select_option(label="Liverpool Magistrates' Court")
    fill_date(page, "Date of the hearing", 3, 3, 2025)
    fill_date(page, "Date of conviction", 3, 3, 2025)
    proceed(page)
    page.get_by_label("Main offence").select_option(
        label="Theft from a shop (OGRS3 category: Theft (not of or from a vehicle))"
    )
    fill_date(page, "Date of the main offence", 10, 1, 2025)
    proceed(page)
    choose(page, "Pre-sentence report", "Fast (short format) report")
    fill_date(page, "Date of the report", 3, 3, 2025)
    for audience in ("the public", "a known adult", "children", "staff"):
        choose(page, f"Risk of serious harm to {audience}", "Low")
    proceed(page)
    choose(page, "Sentence", "Community order")
    fill_date(page, "Date of sentence", 3, 3, 2025)
    page.get_by_label("Length in days").fill("365")
    page.get_by_label("Unpaid work", exact=True).check()
    page.get_by_label("Unpaid work: hours").fill("120")
    proceed(page)
    expect(page.get_by_role("heading", name="Check your answers before submitting")).to_be_visible()
    page.get_by_role("button", name="Submit").click()
    panel = page.get_by_test_id("confirmation")
    expect(panel).to_contain_text("Person added from court")
    expect(page.get_by_test_id("sift")).to_have_text("Sent to Merseyside CRC because:")
    match = re.search(r"CRN ([A-Z][0-9]{6})", panel.inner_text())
    assert match is not None
    return match.group(1)


def review_risk_as_high(page: Page, crn: str) -> None:
    """The practitioner's review of risk, from the last assessment, with RoSH to the public high."""
    page.goto(f"/cases/{crn}/")
    page.get_by_role("link", name="Record an assessment").click()
    # The review starts from the court's assessment: its answers are already chosen.
    expect(
        page.get_by_role("group", name="Risk of serious harm to children", exact=True).get_by_label(
            "Low", exact=True
        )
    ).to_be_checked()
    today = timezone.localdate()
    fill_date(page, "Date of assessment", today.day, today.month, today.year)
    choose(page, "Risk of serious harm to the public", "High")
    page.get_by_role("button", name="Save assessment").click()
    expect(page).to_have_url(re.compile(rf"/cases/{crn}/$"))
    message = page.locator(".govuk-notification-banner")
    expect(message).to_contain_text("Assessment recorded")
    expect(message).to_contain_text("RoSH to the public: low → high")
    expect(message).to_contain_text("An escalation to the NPS has been opened")


def test_a_case_from_court_to_the_crc_and_escalated_to_the_nps(
    new_context: Callable[..., Any], court_officer: Any, sign_in: Callable[..., None]
) -> None:
    crc_manager = UserFactory(
        username="crc.manager",
        first_name="Joanne",
        last_name="Whittaker",
        organisation=organisation("CRC-C08"),
        roles=["allocating_manager"],
        grade="SPO",
    )
    practitioner = UserFactory(
        username="crc.po",
        first_name="Sam",
        last_name="Okoro",
        organisation=organisation("CRC-C08"),
        roles=["practitioner"],
        grade="PO",
    )
    UserFactory(
        username="nps.manager",
        first_name="Priya",
        last_name="Raman",
        organisation=organisation("NPS"),
        roles=["allocating_manager"],
        grade="SPO",
    )

    # 1. The court officer adds the person from court; the sift sends the case to the CRC.
    court = new_context().new_page()
    sign_in(court, court_officer.username)
    crn = add_person_from_court(court)

    # 2. The CRC manager finds it on their list and assigns it.
    manager = new_context().new_page()
    sign_in(manager, crc_manager.username)
    expect(manager).to_have_url(re.compile(r"/allocations/$"))
    expect(manager.get_by_test_id("unallocated-table")).to_contain_text(crn)
    manager.get_by_role("link", name="Choose a practitioner for Tobias Wrenfield").click()
    manager.get_by_role("button", name="Allocate to Sam Okoro").click()
    expect(manager.locator(".govuk-notification-banner")).to_contain_text(
        f"Tobias Wrenfield ({crn}) is now allocated to Sam Okoro."
    )

    # 3. The practitioner sees the new allocation and reviews risk: RoSH high.
    po = new_context().new_page()
    sign_in(po, practitioner.username)
    expect(po.get_by_test_id("section-new")).to_contain_text("Tobias Wrenfield")  # the to-do list
    po.goto("/cases/")
    expect(po.get_by_test_id("new-allocations")).to_contain_text("1 case has been newly allocated")
    review_risk_as_high(po, crn)

    # 4. The NPS reviewer finds the escalation on their queue, starts the review and confirms.
    nps = new_context().new_page()
    sign_in(nps, "nps.manager")
    nps.goto("/escalations/")
    expect(nps.get_by_role("heading", name="Risk escalations to review")).to_be_visible()
    nps.get_by_role("link", name=re.compile("Wrenfield")).click()
    nps.get_by_role("button", name="Start review").click()
    nps.get_by_label("Reasons").fill("RoSH high to the public: the NPS manages high-risk cases.")
    nps.get_by_role("button", name="Confirm: the NPS takes the case").click()

    # 5. The case shows the NPS as responsible, with the history of every step.
    nps.goto(f"/cases/{crn}/")
    expect(nps.get_by_text("National Probation Service").first).to_be_visible()
    expect(nps.get_by_test_id("responsible-officer")).to_contain_text("Not yet allocated")
    history = nps.get_by_test_id("allocation-history")
    for step in (
        "Sifted to Merseyside CRC",
        "Allocated to Sam Okoro",
        "Referred to the NPS for a review of risk",
        "NPS review started",
        "Escalation confirmed: the NPS takes the case",
    ):
        expect(history).to_contain_text(step)
    nps.goto("/allocations/")
    expect(nps.get_by_test_id("unallocated-table")).to_contain_text(crn)

    # 6. The CRC practitioner can no longer open it.
    po.goto(f"/cases/{crn}/")
    expect(po.get_by_role("heading", name="Case not available")).to_be_visible()
    expect(po.get_by_text("Wrenfield")).to_have_count(0)

    # Every step is in the audit trail too.
    person = Person.objects.get(crn=crn)
    actions = set(AuditEvent.objects.filter(crn=person.crn).values_list("action", flat=True))
    assert {
        AuditAction.PERSON_CREATED,
        AuditAction.COURT_EVENT_RECORDED,
        AuditAction.SENTENCE_RECORDED,
        AuditAction.CASE_SIFTED,
        AuditAction.CASE_ASSIGNED,
        AuditAction.ASSESSMENT_RECORDED,
        AuditAction.ESCALATION_REFERRED,
        AuditAction.ESCALATION_REVIEW_STARTED,
        AuditAction.ESCALATION_CONFIRMED,
        AuditAction.CASE_ACCESS_REFUSED,
    } <= actions
