"""Acceptance (issue: allocation, point 6): a CRC practitioner refers a case to the NPS from its
overview; an NPS allocating manager finds it in the review queue, starts the review, is told
to give reasons, and confirms; the case is then on the NPS list of cases to allocate. Without
JavaScript and with it; each page passes axe-core (with JavaScript) and fits a phone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.allocation.helpers import assess
from tests.browser.checks import AXE_CONTEXT, PHONE, assert_accessible, assert_fits
from tests.factories import CaseFactory, PersonFactory, UserFactory, organisation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_a_crc_case_is_referred_reviewed_and_confirmed(
    new_context: Callable[..., BrowserContext],
    sign_in: Callable[..., None],
    transactional_db: Any,
    javascript: bool,
) -> None:
    officer = UserFactory(
        username="crc.po", organisation=organisation("CRC-C08"), roles=["practitioner"]
    )
    UserFactory(
        username="nps.spo",
        first_name="Nia",
        last_name="Evans",
        organisation=organisation("NPS"),
        roles=["allocating_manager"],
        grade="SPO",
    )
    case = CaseFactory(
        person=PersonFactory(surname="Quillfeather"),
        responsible_organisation=organisation("CRC-C08"),
        responsible_officer=officer,
    )
    assess(case)
    crn = case.person.crn
    context = new_context(viewport=PHONE, java_script_enabled=javascript, **AXE_CONTEXT)
    page = context.new_page()

    def check() -> None:
        if javascript:  # axe-core runs in the page
            assert_accessible(page)
        assert_fits(page)

    sign_in(page, "crc.po")
    page.goto(f"/cases/{crn}/")
    page.get_by_role("link", name="Refer to the NPS").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refer to the NPS")
    page.get_by_role("button", name="Refer to the NPS").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why the NPS should take this case"
    )
    check()
    page.get_by_label("Why should the NPS take this case?").fill("Threats to a new partner.")
    page.get_by_label("Evidence").fill("Police report of 1 March.")
    page.get_by_role("button", name="Refer to the NPS").click()
    expect(page.get_by_text("has been referred to the NPS")).to_be_visible()
    expect(page.get_by_test_id("escalations")).to_contain_text("Referred")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "nps.spo")
    expect(page.locator('a[href="/escalations/"]').first).to_be_attached()  # the menu
    page.goto("/escalations/")
    expect(page.get_by_test_id("queue-count")).to_contain_text("1 escalation from the CRCs")
    check()
    page.get_by_role("link", name="Quillfeather, ").click()
    expect(page.get_by_test_id("escalation-reason")).to_have_text("Threats to a new partner.")
    page.get_by_role("button", name="Start review").click()
    expect(page.get_by_text("You are now reviewing this escalation.")).to_be_visible()
    page.get_by_role("button", name="Decline").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the reasons for the decision"
    )
    check()
    page.get_by_label("Reasons for the decision").fill("RoSH to a known adult is high.")
    page.get_by_role("button", name="Confirm: the NPS takes the case").click()
    expect(page.get_by_text("Escalation confirmed.")).to_be_visible()
    page.goto("/allocations/")
    expect(page.get_by_test_id("unallocated-table")).to_contain_text(crn)
