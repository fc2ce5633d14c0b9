"""Acceptance (architecture issue, point 8): a new user of every demo role signs in and lands on
the home of their job, is offered only what their role can use, and every page they reach passes
axe-core and fits a 390 px phone.

The users are the demo sign-ins (``probation.demo.world.DEMO_SIGNINS``: same usernames, names,
organisations and roles), made with the test factories rather than by building the demo world.
"""

from __future__ import annotations

import datetime as dt
import re
from base64 import b32decode
from collections.abc import Callable
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page, expect

from probation.core.audit import AuditAction, audit
from probation.courts.models import ChargedOffence
from probation.demo.world import DEMO_SIGNINS
from probation.risk.models import Registration
from probation.risk.services import tier_recompute
from probation.workforce.models import RoleCode
from tests.browser.checks import AXE_CONTEXT, DESKTOP, PHONE, assert_accessible, assert_fits
from tests.factories import (
    AddressFactory,
    CaseFactory,
    CourtEventFactory,
    PersonFactory,
    PreviousSanctionFactory,
    RequirementFactory,
    SentenceFactory,
    UserFactory,
    offence,
    organisation,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CRN = "D100001"
# Where each demo sign-in lands (casework.homes.home_url) and the heading it sees there.
HOMES = {
    "practitioner": ("/todo/", "To do"),
    "nps.practitioner": ("/todo/", "To do"),
    "manager": ("/allocations/", "Cases to allocate"),
    "court.officer": ("/court/", "Court work"),
    "enforcement.officer": ("/enforcement/", "Breach referrals"),
    "monitoring.operator": ("/monitoring/", "Monitoring alerts"),
    "contract.manager": ("/contracts/", "Contracts"),
    "auditor": ("/audit/", "Search the audit log"),
    "admin": ("/admin/", "Site administration"),
}
READS_NO_CASES = {"monitoring.operator", "contract.manager", "admin"}
# Roles that set up an authenticator app at their first sign-in (core.second_factor).
SECOND_FACTOR = {"auditor", "admin"}
CASE_PAGES = {
    "case overview": "",
    "assessment": "assessment/new/",
    "registrations": "registrations/",
    "tier history": "tier/",
    "sentence form": "sentences/new/",
}


@pytest.fixture
def demo_users(transactional_db: Any) -> dict[str, Any]:
    """The demo sign-ins, and a case with a full record for the practitioner: a long criminal
    history, a sentence with requirements, registrations and a tier history."""
    users = {}
    for spec in DEMO_SIGNINS:
        admin = spec.role == RoleCode.ADMINISTRATOR
        users[spec.username] = UserFactory(
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            organisation=organisation(spec.organisation),
            grade=spec.grade,
            roles=[spec.role],
            is_staff=admin,
            is_superuser=admin,
        )
    person = PersonFactory(crn=CRN, forename="Bartholomew", surname="Featherstonehaugh-Montgomery")
    AddressFactory(person=person, line_1="Flat 12, Chamberlain Court, 221 Rathbone Road")
    case = CaseFactory(
        person=person,
        responsible_organisation=organisation("CRC-C08"),
        responsible_officer=users["practitioner"],
    )
    for year in range(2006, 2021, 2):
        PreviousSanctionFactory(
            case=case, sanction_date=dt.date(year, 6, 1), offence_category="burglary_domestic"
        )
    event = CourtEventFactory(case=case)
    ChargedOffence.objects.create(
        court_event=event, offence=offence("T001"), offence_date=dt.date(2024, 12, 1), is_main=True
    )
    sentence = SentenceFactory(case=case, court_event=event)
    RequirementFactory(sentence=sentence, kind="unpaid_work", amount=120)
    RequirementFactory(sentence=sentence, kind="rehabilitation_activity", amount=20)
    Registration.objects.create(
        case=case,
        kind="self_harm",
        registered_on=dt.date(2025, 1, 6),
        notes="Reported by the police domestic abuse unit; see the MARAC minutes of 6 January",
    )
    court_officer = users["court.officer"]
    tier_recompute(case=case, by_user=court_officer, trigger="sentence")
    audit(
        users["practitioner"],
        AuditAction.CASES_SEARCHED,
        details={"query": "Featherstonehaugh", "results": 1, "crns": [CRN] * 30},
    )
    return users


def give_second_factor(page: Page, username: str) -> None:
    """Give the authenticator app's code after the password. At a first sign-in the page sets
    the app up: read the key it shows, as a person would type it into the app; later sign-ins
    ask for the code of the app already set up."""
    expect(page).to_have_url(re.compile(r"/account/two-factor/(verify/)?\?next="))
    if "/verify/" in page.url:
        key = TOTPDevice.objects.get(user__username=username, confirmed=True).bin_key
        button = "Continue"
    else:
        key = b32decode(page.get_by_test_id("totp-secret").inner_text().replace(" ", ""))
        button = "Confirm"
    page.get_by_label("Code from your authenticator app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name=button).click()


def sign_in_as(page: Page, sign_in: Callable[..., None], username: str) -> None:
    sign_in(page, username)
    if username in SECOND_FACTOR:
        give_second_factor(page, username)


def open_new_page(
    new_context: Callable[..., BrowserContext], viewport: dict[str, int] = DESKTOP
) -> Page:
    return new_context(viewport=viewport, **AXE_CONTEXT).new_page()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("username", list(HOMES))
def test_every_role_lands_on_its_own_home_which_is_accessible_and_fits(
    new_context: Callable[..., BrowserContext],
    demo_users: dict[str, Any],
    sign_in: Callable[..., None],
    username: str,
    viewport: dict[str, int],
) -> None:
    page = open_new_page(new_context, viewport)
    sign_in(page, username)
    if username in SECOND_FACTOR:
        expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
        assert_accessible(page)
        assert_fits(page)
        give_second_factor(page, username)
    path, heading = HOMES[username]
    expect(page).to_have_url(re.compile(rf"{re.escape(path)}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)
    assert_fits(page)
    if username == "admin":
        return  # the Django admin: neither the service's menu nor its header
    # On a phone the menu is folded behind its "Menu" button: count the links, shown or not.
    find_a_case = page.locator(".govuk-service-navigation__link", has_text="Find a case")
    expect(find_a_case).to_have_count(0 if username in READS_NO_CASES else 1)
    expect(page.get_by_role("link", name="API token")).to_be_visible()


def test_administrator_is_not_offered_find_a_case_on_the_service_pages(
    new_context: Callable[..., BrowserContext],
    demo_users: dict[str, Any],
    sign_in: Callable[..., None],
) -> None:
    page = open_new_page(new_context)
    sign_in_as(page, sign_in, "admin")
    page.goto("/home/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="Find a case")).to_have_count(0)
    expect(menu.get_by_role("link", name="Audit")).to_have_count(1)
    assert_accessible(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_case_pages_are_accessible_and_fit(
    new_context: Callable[..., BrowserContext],
    demo_users: dict[str, Any],
    sign_in: Callable[..., None],
    viewport: dict[str, int],
) -> None:
    page = open_new_page(new_context, viewport)
    sign_in(page, "court.officer")
    for name, suffix in CASE_PAGES.items():
        page.goto(f"/cases/{CRN}/{suffix}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.title(), name
        assert_accessible(page)
        assert_fits(page)


def test_forms_in_error_are_accessible_and_fit_a_phone(
    new_context: Callable[..., BrowserContext],
    demo_users: dict[str, Any],
    sign_in: Callable[..., None],
) -> None:
    page = open_new_page(new_context, PHONE)
    sign_in(page, "court.officer")
    page.goto(f"/cases/{CRN}/sentences/new/")
    date = page.get_by_role("group", name="Date of sentence")
    date.get_by_label("Day").fill("31")
    date.get_by_label("Month").fill("2")
    date.get_by_label("Year").fill("2025")
    page.get_by_role("button", name="Record sentence").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    for box in ("Day", "Month", "Year"):
        expect(date.get_by_label(box)).to_have_class(re.compile(r"govuk-input--error"))
    assert_accessible(page)
    assert_fits(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_my_cases_search_and_audit_results_are_accessible_and_fit(
    new_context: Callable[..., BrowserContext],
    demo_users: dict[str, Any],
    sign_in: Callable[..., None],
    viewport: dict[str, int],
) -> None:
    page = open_new_page(new_context, viewport)
    sign_in(page, "practitioner")
    page.goto(f"/cases/{CRN}/")  # an audited view, for the auditor below
    page.goto(f"/search/?q={CRN}")
    expect(page.get_by_test_id("case-table")).to_contain_text(CRN)
    assert_accessible(page)
    assert_fits(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()
    assert_accessible(page)

    sign_in_as(page, sign_in, "auditor")
    page.get_by_label("CRN").fill(CRN)
    page.get_by_role("button", name="Search").click()
    events = page.get_by_test_id("audit-events")
    expect(events).to_contain_text("Viewed the case overview")
    expect(events).to_contain_text("Sam Okoro")
    assert_accessible(page)
    assert_fits(page)
    page.goto("/audit/?username=practitioner&action=cases.searched")
    expect(page.get_by_test_id("audit-events")).to_contain_text("Searched for cases")
    assert_accessible(page)
    assert_fits(page)


def test_api_token_page_is_accessible_and_fits_a_phone(
    new_context: Callable[..., BrowserContext],
    demo_users: dict[str, Any],
    sign_in: Callable[..., None],
) -> None:
    page = open_new_page(new_context, PHONE)
    sign_in(page, "monitoring.operator")
    page.get_by_role("link", name="API token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your API token")
    expect(page.get_by_test_id("api-token-no-cases")).to_be_visible()
    page.get_by_role("button", name="Create a token").click()
    expect(page.get_by_test_id("api-token-key")).to_have_text(re.compile(r"^[0-9a-f]{40}$"))
    assert_accessible(page)
    assert_fits(page)


def test_a_form_refused_by_the_csrf_check_gets_the_plain_page(
    new_context: Callable[..., BrowserContext],
    demo_users: dict[str, Any],
    sign_in: Callable[..., None],
) -> None:
    """Signing in from a second tab after signing in from the first."""
    context = new_context(**AXE_CONTEXT)
    first, second = context.new_page(), context.new_page()
    first.goto("/sign-in/")
    second.goto("/sign-in/")
    sign_in(first, "practitioner")
    expect(first).to_have_url(re.compile(r"/todo/$"))
    sign_in(second, "practitioner")
    expect(second.get_by_role("heading", level=1)).to_have_text(
        "Sorry, we could not accept that form"
    )
    expect(second.get_by_text("You are signed in as Sam Okoro")).to_be_visible()
    assert_accessible(second)
    second.get_by_role("link", name="Go to your home page").click()
    expect(second).to_have_url(re.compile(r"/todo/$"))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_manager_allocates_a_case_on_accessible_pages(
    new_context: Callable[..., BrowserContext],
    demo_users: dict[str, Any],
    sign_in: Callable[..., None],
    viewport: dict[str, int],
) -> None:
    waiting = CaseFactory(
        person=PersonFactory(crn="D100002", forename="Ada", surname="Waiting"),
        responsible_organisation=organisation("CRC-C08"),
        tier="C2",
    )
    page = open_new_page(new_context, viewport)
    sign_in(page, "manager")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases to allocate")
    assert_accessible(page)
    assert_fits(page)
    page.get_by_role("link", name=re.compile("Choose a practitioner")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a practitioner")
    assert_accessible(page)
    assert_fits(page)
    page.get_by_role("button", name=re.compile("Allocate")).first.click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is now allocated to")
    waiting.refresh_from_db()
    assert waiting.responsible_officer is not None
