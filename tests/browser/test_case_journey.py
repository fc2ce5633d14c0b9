"""Acceptance: a practitioner signs in, opens a case from My cases, and finds a person by a
misspelt surname; the pages also work signed out, with errors, and without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.factories import CaseFactory, PersonFactory, UserFactory, organisation

pytestmark = [
    pytest.mark.browser,
    # live_server needs a transactional database; serialized_rollback brings back the reference
    # data (organisations, roles) that each flush removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def practitioner(transactional_db: Any) -> Any:
    """A Merseyside CRC practitioner responsible for three active cases."""
    user = UserFactory(
        username="crc08.browser",
        first_name="Priya",
        last_name="Shah",
        organisation=organisation("CRC-C08"),
        roles=["practitioner"],
    )
    people = [
        PersonFactory(crn="B100001", forename="Amelia", surname="Ashworth"),
        PersonFactory(crn="B100002", forename="Daniel", surname="Whitfield"),
        PersonFactory(crn="B100003", forename="Connor", surname="Okafor"),
    ]
    for person in people:
        CaseFactory(
            person=person,
            responsible_organisation=organisation("CRC-C08"),
            responsible_officer=user,
        )
    # Another CRC's Whitfield: must never appear in this practitioner's search.
    CaseFactory(
        person=PersonFactory(crn="B100004", forename="Ethan", surname="Whitfield"),
        responsible_organisation=organisation("CRC-C12"),
    )
    return user


def test_practitioner_opens_case_from_my_cases_and_finds_person_by_misspelt_surname(
    page: Page, practitioner: Any, sign_in: Callable[..., None]
) -> None:
    sign_in(page, practitioner.username)
    expect(page).to_have_url(re.compile(r"/todo/$"))
    page.get_by_role("link", name="My cases", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")

    table = page.get_by_test_id("case-table")
    expect(table.get_by_role("link")).to_have_count(3)
    table.get_by_role("link", name="Ashworth, Amelia").click()

    expect(page).to_have_url(re.compile(r"/cases/B100001/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Amelia Ashworth")
    expect(page.get_by_text("CRN B100001")).to_be_visible()
    expect(page).to_have_title(re.compile(r"Amelia Ashworth \(B100001\)"))
    expect(page.get_by_test_id("responsible-officer")).to_contain_text("Priya Shah")

    page.get_by_role("link", name="Find a case").click()
    for misspelt in ("Witfield", "Whtifield"):  # a missing letter; two letters swapped
        page.get_by_label("Name, CRN or PNC number").fill(misspelt)
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#results-heading")).to_have_text("1 result")
        results = page.get_by_test_id("case-table")
        expect(results.get_by_role("link", name=re.compile(r"^\w+, \w+$"))).to_have_text(
            ["Whitfield, Daniel"]
        )
        expect(results).to_contain_text("B100002")
        expect(results).not_to_contain_text("B100004")  # the other CRC's Whitfield

    page.get_by_test_id("case-table").get_by_role("link", name="Whitfield, Daniel").click()
    expect(page).to_have_url(re.compile(r"/cases/B100002/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Daniel Whitfield")
    expect(page.get_by_text("CRN B100002")).to_be_visible()


def test_gov_uk_styles_fonts_and_scripts_load(
    page: Page, practitioner: Any, sign_in: Callable[..., None]
) -> None:
    """The GOV.UK Frontend CSS (/static/govuk/...) and its fonts (/assets/fonts/...) apply."""
    sign_in(page, practitioner.username)
    page.goto("/cases/B100001/")
    page.evaluate("document.fonts.ready")
    heading_font = page.get_by_role("heading", level=1).evaluate(
        "e => getComputedStyle(e).fontFamily"
    )
    assert "GDS Transport" in heading_font
    assert page.evaluate("document.fonts.check('700 32px \"GDS Transport\"')")
    # The width container only has a max-width when the stylesheet applied.
    container_width = page.locator(".govuk-width-container").first.evaluate(
        "e => getComputedStyle(e).maxWidth"
    )
    assert container_width == "960px"
    # govuk-frontend.min.js ran (initAll): the body says JavaScript is on and supported.
    expect(page.locator("body")).to_have_class(re.compile(r"govuk-frontend-supported"))


def test_signed_out_user_is_sent_to_sign_in_and_then_back(
    page: Page, practitioner: Any, sign_in: Callable[..., None]
) -> None:
    page.goto("/cases/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/cases/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to OpenProbation")
    expect(page.get_by_test_id("case-table")).to_have_count(0)

    sign_in(page, practitioner.username)
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.get_by_test_id("case-table")).to_be_visible()


def test_empty_sign_in_shows_error_summary_linking_to_fields(
    page: Page, transactional_db: Any
) -> None:
    page.goto("/sign-in/")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    username_link = summary.get_by_role("link", name="Enter your username")
    password_link = summary.get_by_role("link", name="Enter your password")
    expect(username_link).to_have_attribute("href", "#id_username")
    expect(password_link).to_have_attribute("href", "#id_password")
    # Each field shows its own message too, and is marked as in error.
    expect(page.locator("#id_username-error")).to_contain_text("Enter your username")
    expect(page.locator("#id_password-error")).to_contain_text("Enter your password")
    expect(page.get_by_label("Username")).to_have_class(re.compile(r"govuk-input--error"))
    # GOV.UK Frontend focuses the summary, and a link moves focus to its field.
    expect(summary).to_be_focused()
    password_link.click()
    expect(page.get_by_label("Password")).to_be_focused()


def test_wrong_password_error_links_to_username_field(
    page: Page, practitioner: Any, sign_in: Callable[..., None]
) -> None:
    sign_in(page, practitioner.username, password="not-the-password")
    expect(page).to_have_url(re.compile(r"/sign-in/$"))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    link = summary.get_by_role("link", name="Enter a correct username and password")
    expect(link).to_have_attribute("href", "#id_username")
    link.click()
    expect(page.get_by_label("Username")).to_be_focused()


def test_sign_in_and_search_work_without_javascript(
    new_context: Callable[..., BrowserContext], practitioner: Any, sign_in: Callable[..., None]
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, practitioner.username)
    expect(page).to_have_url(re.compile(r"/todo/$"))
    expect(page.locator("body")).not_to_have_class(re.compile(r"js-enabled"))

    page.get_by_role("link", name="Find a case").click()
    page.get_by_label("Name, CRN or PNC number").fill("Witfield")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=Witfield$"))
    results = page.get_by_test_id("case-table")
    expect(results.get_by_role("link", name=re.compile(r"^\w+, \w+$"))).to_have_text(
        ["Whitfield, Daniel"]
    )
    results.get_by_role("link", name="Whitfield, Daniel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daniel Whitfield")

    # Signing out is a form post, so it works without JavaScript too.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in/$"))


def test_every_linked_asset_exists(
    page: Page, practitioner: Any, sign_in: Callable[..., None]
) -> None:
    """Headless chromium fetches no favicon, so ask for every <link href> and <script src>."""
    sign_in(page, practitioner.username)
    urls = page.eval_on_selector_all(
        "link[href], script[src]", "els => els.map(e => e.href || e.src)"
    )
    assert urls
    missing = [f"{page.request.get(url).status} {url}" for url in urls]
    missing = [line for line in missing if not line.startswith("200 ")]
    assert not missing, "Linked assets missing:\n" + "\n".join(missing)


def test_header_service_name_is_readable(page: Page, transactional_db: Any) -> None:
    page.goto("/sign-in/")
    colour = (
        page.locator("header")
        .get_by_role("link", name="OpenProbation")
        .evaluate("e => getComputedStyle(e).color")
    )
    assert colour == "rgb(255, 255, 255)"
