"""Acceptance (issue: electronic monitoring, point 4): a tag walks into an exclusion zone (its
fixes pushed through ingest, which stores them and raises the alert); the alert arrives in the
monitoring operator's queue; its page shows the map (Leaflet over the project's own base layer
when JavaScript runs, the server's SVG without it) and the same data as a table; the operator
acknowledges it; the responsible officer signs in and sees it on their to-do list and on the
case. The queue and the alert page pass axe-core and fit a phone; Leaflet runs under the
service's Content Security Policy."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, expect

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.monitoring.ingest import IncomingMessage, store_batch
from probation.monitoring.models import Alert, AlertState
from tests.browser.checks import AXE_CONTEXT, PHONE, assert_accessible, assert_fits, csp_errors
from tests.factories import UserFactory, organisation
from tests.monitoring.alert_setup import exclusion_zone
from tests.monitoring.em_setup import curfew_order, em_case, fitted

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: The walk from the curfew address (Liverpool) east into the exclusion zone: the last two
#: positions are inside it.
WALK = [-2.9916, -2.9895, -2.9875, -2.9850, -2.9820, -2.9810]


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    officer = UserFactory(
        username="practitioner",
        first_name="Sam",
        last_name="Okoro",
        organisation=organisation("CRC-C08"),
        roles=["practitioner"],
    )
    UserFactory(
        username="monitoring.operator",
        first_name="Agnieszka",
        last_name="Nowak",
        organisation=organisation("EMS"),
        roles=["monitoring_operator"],
    )
    case = em_case(officer, surname="Quillfeather")
    order = curfew_order(case)
    exclusion_zone(order, "Town centre")
    tag = fitted(order, serial="GPS-7001")
    start = timezone.now() - dt.timedelta(minutes=10)
    payload = {
        "device": tag.serial,
        "fixes": [
            {
                "seq": i + 1,
                "at": (start + dt.timedelta(minutes=i)).astimezone(dt.UTC).isoformat(),
                "lat": 53.4085,
                "lon": lon,
                "acc": 8,
            }
            for i, lon in enumerate(WALK)
        ],
        "events": [],
    }
    result = store_batch(
        [IncomingMessage(f"em/devices/{tag.serial}/telemetry", json.dumps(payload).encode())]
    )
    assert (result.fixes_stored, result.alerts_raised, result.dead_letters) == (6, 1, 0)
    alert = Alert.objects.get()
    return {"case": case, "alert": alert, "crn": case.person.crn}


def test_an_exclusion_zone_entry_reaches_the_operator_and_the_officer(
    new_context: Callable[..., BrowserContext],
    sign_in: Callable[..., None],
    world: dict[str, Any],
) -> None:
    alert, crn = world["alert"], world["crn"]
    page = new_context().new_page()
    refused = csp_errors(page)

    # The operator lands on the queue, and the alert is there.
    sign_in(page, "monitoring.operator")
    expect(page).to_have_url(re.compile(r"/monitoring/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Monitoring alerts")
    row = page.get_by_test_id("alert-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Entered an exclusion zone")
    expect(row).to_contain_text(crn)
    expect(row).to_contain_text("Urgent")
    expect(row).to_contain_text("New")

    # Its page: the Leaflet map with the trail and the zone, and the same data as tables.
    row.get_by_role("link", name="Entered an exclusion zone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Entered an exclusion zone")
    leaflet = page.get_by_test_id("alert-map")
    expect(leaflet).to_be_visible()
    expect(leaflet.locator("path.leaflet-interactive").first).to_be_attached()
    expect(page.get_by_test_id("alert-map-svg")).to_be_attached()  # replaced, still there
    trail = page.get_by_test_id("trail-row")
    expect(trail).to_have_count(len(WALK))
    expect(page.locator('[data-trigger="true"]')).to_contain_text("Raised the alert")
    expect(page.get_by_test_id("zone-row")).to_contain_text("Town centre")
    expect(trail.nth(5)).to_contain_text("Inside Town centre")
    expect(trail.nth(0)).to_contain_text("at the curfew address")

    # Acknowledged.
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Alert acknowledged")
    expect(page.get_by_test_id("alert-state")).to_have_text("Acknowledged")
    expect(page.get_by_test_id("alert-acknowledged")).to_contain_text("Agnieszka Nowak")
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED
    assert refused == [], refused
    page.get_by_role("button", name="Sign out").click()

    # The responsible officer: on the to-do list and on the case.
    sign_in(page, "practitioner")
    expect(page).to_have_url(re.compile(r"/todo/$"))
    section = page.get_by_test_id("section-monitoring")
    expect(section.get_by_test_id("todo-item")).to_have_count(1)
    expect(section).to_contain_text("Entered an exclusion zone")
    expect(section).to_contain_text("the monitoring centre is dealing with it")
    page.goto(f"/cases/{crn}/")
    on_case = page.get_by_test_id("case-em-alert")
    expect(on_case).to_contain_text("Acknowledged")
    on_case.get_by_role("link", name="Entered an exclusion zone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Entered an exclusion zone")
    expect(page.get_by_test_id("alert-map")).to_be_visible()
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    expect(page.get_by_test_id("resolve-form")).to_have_count(0)
    assert refused == [], refused

    viewed = AuditEvent.objects.filter(action=AuditAction.EM_ALERT_VIEWED, crn=crn)
    assert {e.actor.username for e in viewed} == {"monitoring.operator", "practitioner"}
    assert AuditEvent.objects.filter(action=AuditAction.EM_ALERT_ACKNOWLEDGED, crn=crn).exists()
    listed = AuditEvent.objects.get(action=AuditAction.EM_ALERTS_LISTED)
    assert listed.details["crns"] == [crn]


def test_without_javascript_the_map_is_the_servers_picture(
    new_context: Callable[..., BrowserContext],
    sign_in: Callable[..., None],
    world: dict[str, Any],
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, "monitoring.operator")
    page.goto(f"/monitoring/alerts/{world['alert'].pk}/")
    picture = page.get_by_test_id("alert-map-svg")
    expect(picture).to_be_visible()
    expect(picture.get_by_test_id("map-trail")).to_be_attached()
    expect(picture.get_by_test_id("map-trigger")).to_have_count(1)
    expect(picture.locator("[data-zone='Town centre']")).to_have_count(1)
    expect(page.get_by_test_id("alert-map")).to_be_hidden()
    # Resolve without JavaScript, forgetting the note first.
    page.get_by_label("Explained: no further action").check()
    page.get_by_role("button", name="Resolve the alert").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what was done")
    page.get_by_label("What was done").fill("He was taken to hospital through the town centre.")
    page.get_by_role("button", name="Resolve the alert").click()
    expect(page.get_by_test_id("alert-state")).to_have_text("Resolved")
    page.goto("/monitoring/")
    expect(page.get_by_test_id("queue-count")).to_have_text("No open alerts.")


@pytest.mark.parametrize(
    "viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"]
)
def test_queue_and_alert_page_are_accessible_and_fit(
    new_context: Callable[..., BrowserContext],
    sign_in: Callable[..., None],
    world: dict[str, Any],
    viewport: dict[str, int],
) -> None:
    page = new_context(viewport=viewport, **AXE_CONTEXT).new_page()
    sign_in(page, "monitoring.operator")
    expect(page.get_by_test_id("alert-row")).to_have_count(1)
    assert_accessible(page)
    assert_fits(page)
    page.goto(f"/monitoring/alerts/{world['alert'].pk}/")
    expect(page.locator(".leaflet-container")).to_be_visible()
    page.get_by_role("button", name="Resolve the alert").click()  # errors shown
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
