"""Acceptance (issue: allocation, point 8): a contract manager goes from their home to the policy
comparison, is told what is wrong with a malformed policy, then sees what a policy without the RSR
rule would move, by area and why, and the staff side of the split; each page passes axe-core
and fits a phone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.allocation.helpers import assess, practitioner_of
from tests.browser.checks import AXE_CONTEXT, DESKTOP, PHONE, assert_accessible, assert_fits
from tests.factories import AddressFactory, CaseFactory, UserFactory, area, organisation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NO_RSR = (
    '{"id": "tr-2014-no-rsr", "version": 1, '
    '"rules": ["rosh-high", "mappa", "public-interest", "deportation", "rosh-missing"]}'
)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_contract_manager_compares_a_policy_without_the_rsr_rule(
    new_context: Callable[..., BrowserContext],
    sign_in: Callable[..., None],
    transactional_db: Any,
    viewport: dict[str, int],
) -> None:
    UserFactory(
        username="contract.manager",
        organisation=organisation("MOJ"),
        roles=["contract_manager"],
        grade="",
    )
    officer = practitioner_of("NPS", "PO")
    for rsr, rosh in (("8.00", "medium"), ("1.00", "high")):
        case = CaseFactory(
            responsible_organisation=organisation("NPS"), responsible_officer=officer
        )
        AddressFactory(person=case.person, contract_area=area("C08"))
        assess(case, rosh=rosh, rsr=rsr)
    page = new_context(viewport=viewport, **AXE_CONTEXT).new_page()
    sign_in(page, "contract.manager")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contracts")
    assert_accessible(page)
    assert_fits(page)

    page.get_by_test_id("compare-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare a sift policy")
    box = page.get_by_label("Proposed policy (JSON)")
    box.fill('{"id": "p", "version": 1, "rules": ["mappa", "rsr-low"]}')
    page.get_by_role("button", name="Compare with the current decisions").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("rules[1]: must be one of")
    assert_accessible(page)
    assert_fits(page)

    summary.get_by_role("link").click()
    expect(box).to_be_focused()
    box.fill(NO_RSR)
    page.get_by_role("button", name="Compare with the current decisions").click()
    expect(page.get_by_test_id("totals")).to_contain_text("1 would move from the NPS to a CRC")
    expect(page.get_by_test_id("area-C08")).to_contain_text("To CRC: RSR at or above the threshold")
    expect(page.get_by_test_id("staff-totals")).to_contain_text("1 to the NPS and 0 to a CRC")
    assert_accessible(page)
    assert_fits(page)
