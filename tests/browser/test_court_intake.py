"""Court intake in the browser (docs/adr/0011-court-intake.md): a court officer adds a new person
from court with their address, the court event and offences, the pre-sentence report's risk and
a community order, checks the answers and sees where the sift sent the case."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.forms import choose, fill_date, proceed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_court_officer_adds_a_new_person_and_sees_where_the_case_was_sent(
    page: Page, court_officer: Any, sign_in: Callable[..., None]
) -> None:
    sign_in(page, court_officer.username)
    expect(page).to_have_url(re.compile(r"/court/$"))
    expect(page.get_by_role("heading", name="Court work")).to_be_visible()
    page.get_by_role("button", name="Add a person from court").click()

    expect(page.get_by_role("heading", name="Person's details")).to_be_visible()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Quartermain")
    fill_date(page, "Date of birth", 17, 5, 1990)
    choose(page, "Sex", "Female")
    proceed(page)

    expect(page.get_by_test_id("matches")).to_contain_text("No existing record matches.")
    page.get_by_label("Yes, this is a new person").check()
    proceed(page)

    choose(page, "Does the person have a fixed address?", "Yes")
    page.get_by_label("Address line 1").fill("1 Dale Street")
    page.get_by_label("Town or city").fill("Liverpool")
    page.get_by_label("Postcode").fill("L2 2DH")
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
    page.get_by_label("Other offence 1 (optional)").select_option(
        label="Criminal damage (OGRS3 category: Criminal damage)"
    )
    fill_date(page, "Date of other offence 1", 10, 1, 2025)
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
    page.get_by_label("Unpaid work: hours").fill("20")
    proceed(page)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Unpaid work must be between 40 and 300 hours")
    page.get_by_label("Unpaid work: hours").fill("120")
    proceed(page)

    expect(page.get_by_role("heading", name="Check your answers before submitting")).to_be_visible()
    expect(page.get_by_test_id("answers-person")).to_contain_text("Ada Quartermain")
    expect(page.get_by_test_id("answers-offences")).to_contain_text("Criminal damage")
    expect(page.get_by_test_id("answers-sentence")).to_contain_text("Unpaid work: 120 hours")
    page.get_by_role("button", name="Submit").click()

    panel = page.get_by_test_id("confirmation")
    expect(panel).to_contain_text("Person added from court")
    crn = re.search(r"CRN ([A-Z][0-9]{6})", panel.inner_text())
    assert crn is not None
    expect(page.get_by_test_id("sift")).to_have_text("Sent to Merseyside CRC because:")
    expect(page.get_by_test_id("sift-reasons")).not_to_be_empty()
    page.get_by_role("link", name="Go to the case").click()
    expect(page).to_have_url(re.compile(rf"/cases/{crn.group(1)}/$"))
    expect(page.get_by_text("Merseyside CRC").first).to_be_visible()


def test_the_journey_works_without_javascript(
    new_context: Callable[..., Any], court_officer: Any, sign_in: Callable[..., None]
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, court_officer.username)
    page.goto("/court/intake/start/")
    page.get_by_label("First name").fill("Ada")
    proceed(page)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the person's last name")
    expect(summary).to_contain_text("Enter the date of birth")
    page.get_by_role("link", name="Back").click()
    expect(page).to_have_url(re.compile(r"/court/$"))
