"""Acceptance (issue 3): a court officer completes an assessment in the browser and the case shows
the resulting tier with its explanation; changing a registration changes the tier and adds a
history entry."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.forms import choose

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_court_officer_records_assessment_and_registration_changes_tier(
    page: Page, court_officer: Any, sentenced_case: Any, sign_in: Callable[..., None]
) -> None:
    crn = sentenced_case.person.crn
    sign_in(page, court_officer.username)
    page.goto(f"/cases/{crn}/")
    expect(page.get_by_test_id("risk-panel")).to_contain_text("No risk assessment recorded yet")
    page.get_by_role("link", name="Record an assessment").click()

    expect(page.get_by_test_id("ogrs3-preview")).to_contain_text("OGRS3")
    today = timezone.localdate()
    date = page.get_by_role("group", name="Date of assessment")
    date.get_by_label("Day").fill(str(today.day))
    date.get_by_label("Month").fill(str(today.month))
    date.get_by_label("Year").fill(str(today.year))
    choose(page, "Type of report", "Fast (short format) report")
    choose(page, "Risk of serious harm to the public", "High")
    choose(page, "Risk of serious harm to a known adult", "Medium")
    choose(page, "Risk of serious harm to children", "Low")
    choose(page, "Risk of serious harm to staff", "Low")
    page.get_by_label("MAPPA category").select_option("2")
    page.get_by_label("MAPPA level").select_option("1")
    page.get_by_label("RSR score (%)").fill("2.1")
    page.get_by_label("Mental health issues").check()
    page.get_by_label("Risk of self-harm").check()
    page.get_by_text("Thinking and behaviour", exact=True).click()
    choose(page, "Impulsivity", "Significant problems")
    choose(page, "Temper control", "Significant problems")
    page.get_by_role("button", name="Save assessment").click()

    expect(page).to_have_url(re.compile(rf"/cases/{crn}/$"))
    expect(page.get_by_text("Assessment recorded")).to_be_visible()
    tier = page.get_by_test_id("tier").inner_text()
    assert re.fullmatch(r"B[0-3]", tier), tier
    expect(page.get_by_test_id("tier-explanation")).to_contain_text(
        "RoSH high 20; MAPPA level 1 5; 2 complexity factors 4"
    )
    expect(page.get_by_test_id("ogrs3")).to_contain_text("% (2 years)")

    page.get_by_test_id("risk-panel").get_by_role("link", name="Registrations").click()
    choose(page, "Registration", "Street gangs")
    page.get_by_role("button", name="Add registration").click()
    expect(page.get_by_text("Registration added")).to_be_visible()

    page.get_by_role("link", name="Tier history").click()
    rows = page.get_by_test_id("tier-history").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("3 complexity factors 6")
    expect(rows.nth(1)).to_contain_text("2 complexity factors 4")


def test_assessment_errors_show_the_error_summary_without_javascript(
    new_context: Callable[..., Any],
    court_officer: Any,
    sentenced_case: Any,
    sign_in: Callable[..., None],
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, court_officer.username)
    page.goto(f"/cases/{sentenced_case.person.crn}/assessment/new/")
    page.get_by_label("RSR score (%)").fill("lots")
    page.get_by_role("button", name="Save assessment").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Select the risk of serious harm to the public")
    expect(summary).to_contain_text("RSR must be a number")
