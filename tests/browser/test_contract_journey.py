"""The contract manager's journey (issue: payment by results, points 2, 4 and 6): a quarter is
run with ``probation pbr run``; the contract manager signs in to the areas at a glance, opens
Merseyside's payment statement, follows a figure to the cohort behind it (each person's CRN
read is audited), and opens the gaming indicators. Every page passes axe-core and fits a phone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect
from typer.testing import CliRunner

from probation.cli import app
from probation.core.models import AuditAction, AuditEvent
from probation.performance.models import PbrRun
from tests.browser.checks import AXE_CONTEXT, PHONE, assert_accessible, assert_fits
from tests.factories import UserFactory, organisation
from tests.performance.test_run import MEASURED_ON, quarter_world  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def run(quarter_world: list[Any]) -> PbrRun:  # noqa: F811 (the imported fixture)
    result = CliRunner().invoke(
        app, ["pbr", "run", "--quarter", "2025Q1", "--measured-on", MEASURED_ON]
    )
    assert result.exit_code == 0, result.output
    UserFactory(
        username="contract.manager", organisation=organisation("MOJ"), roles=["contract_manager"]
    )
    return PbrRun.objects.get()


def test_the_contract_manager_follows_a_payment_to_the_people_behind_it(
    run: PbrRun, new_context: Callable[..., BrowserContext], sign_in: Callable[..., None]
) -> None:
    page = new_context(**AXE_CONTEXT).new_page()
    sign_in(page, "contract.manager")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contracts")
    merseyside = page.get_by_test_id("pbr-final").get_by_test_id("pbr-area-C08")
    expect(merseyside.get_by_test_id("cohort")).to_have_text("12 people: the cohort of Merseyside")
    assert_accessible(page)

    merseyside.get_by_test_id("statement-total").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Merseyside, 2025Q1")
    expect(page.get_by_text(run.data_fingerprint)).to_be_visible()
    assert_accessible(page)

    page.goto(f"/contracts/statements/{run.pk}/C08/rows/cohort/")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(12)
    assert_accessible(page)
    read = AuditEvent.objects.filter(action=AuditAction.COHORT_LISTED).latest("id")
    assert len(read.details["crns"]) == 12

    page.get_by_role("link", name="Indicators").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("indicators")
    assert_accessible(page)


def test_the_contract_pages_fit_a_phone(
    run: PbrRun, new_context: Callable[..., BrowserContext], sign_in: Callable[..., None]
) -> None:
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, "contract.manager")
    for path in (
        "/contracts/",
        "/contracts/statements/",
        f"/contracts/statements/{run.pk}/C08/",
        "/contracts/indicators/",
    ):
        page.goto(path)
        assert_fits(page)
