"""Acceptance (issue: electronic monitoring, point 1: zones "drawn or pasted as GeoJSON"): on an
EM order's page the case's practitioner draws a zone by clicking its corners on the map; the
GeoJSON box fills in with a closed polygon as they go ("Undo last point" and "Clear" change it
too); submitting the form stores the zone through the same server checks as a pasted one, and
it appears in the zones table. Without JavaScript the map is not there and the GeoJSON box and
the circle form are. The page passes axe-core and fits a phone; Leaflet runs under the
service's Content Security Policy."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from probation.monitoring.models import Zone
from tests.browser.checks import (
    AXE_CONTEXT,
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_fits,
    csp_errors,
)
from tests.factories import UserFactory, organisation
from tests.monitoring.alert_setup import exclusion_zone
from tests.monitoring.em_setup import HOME, curfew_order, em_case

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: Where the corners are clicked, in pixels from the map's top left corner (clear of the zoom
#: buttons): a quadrilateral going clockwise from its top left corner.
CORNERS = [(160, 70), (380, 90), (360, 260), (180, 240)]


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    officer = UserFactory(
        username="practitioner",
        first_name="Sam",
        last_name="Okoro",
        organisation=organisation("CRC-C08"),
        roles=["practitioner"],
    )
    case = em_case(officer, surname="Quillfeather")
    order = curfew_order(case)
    exclusion_zone(order, "Town centre")
    return {"order": order, "url": f"/cases/{case.person.crn}/monitoring/{order.pk}/"}


def drawing_form(page: Page) -> Locator:
    return page.locator("form").filter(has=page.get_by_test_id("zone-draw"))


def drawn(textarea: Locator) -> Any:
    return json.loads(textarea.input_value())


def test_a_zone_drawn_on_the_map_is_stored_and_listed(
    new_context: Callable[..., BrowserContext],
    sign_in: Callable[..., None],
    world: dict[str, Any],
) -> None:
    page = new_context(viewport=DESKTOP).new_page()
    refused = csp_errors(page)
    sign_in(page, "practitioner")
    page.goto(world["url"])
    form = drawing_form(page)
    textarea = form.get_by_label("GeoJSON", exact=True)
    status = page.get_by_test_id("zone-draw-status")
    the_map = page.get_by_test_id("zone-draw-map")
    expect(the_map).to_be_visible()
    expect(the_map).to_have_class(re.compile(r"\bleaflet-container\b"))
    expect(the_map).to_have_attribute("aria-label", re.compile("GeoJSON box"))
    # The order's exclusion zone and curfew address are drawn for context.
    expect(the_map.locator("path.leaflet-interactive")).to_have_count(2)
    expect(textarea).to_be_visible()
    expect(textarea).to_have_value("")

    # Two corners are not a polygon yet; "Clear" starts again.
    for x, y in CORNERS[:2]:
        the_map.click(position={"x": x, "y": y})
    expect(status).to_have_text("2 corners: a zone needs at least 3.")
    expect(textarea).to_have_value("")
    page.get_by_role("button", name="Clear").click()
    expect(status).to_have_text("No corners yet.")

    for x, y in CORNERS:
        the_map.click(position={"x": x, "y": y})
    expect(status).to_contain_text("4 corners")
    polygon = drawn(textarea)
    assert polygon["type"] == "Polygon"
    (ring,) = polygon["coordinates"]
    assert len(ring) == 5
    assert ring[0] == ring[-1]
    for lon, lat in ring:
        # [longitude, latitude], near the curfew address in Liverpool, to 6 decimal places.
        assert abs(lon - HOME[1]) < 0.05 and abs(lat - HOME[0]) < 0.05, (lon, lat)
        assert round(lon, 6) == lon and round(lat, 6) == lat
    # Clicked top left first, then clockwise: the first corner is west and north of the third.
    assert ring[0][0] < ring[2][0] and ring[0][1] > ring[2][1]
    assert len({tuple(p) for p in ring}) == 4

    # A fifth corner, undone.
    the_map.click(position={"x": 250, "y": 300})
    expect(status).to_contain_text("5 corners")
    assert len(drawn(textarea)["coordinates"][0]) == 6
    page.get_by_role("button", name="Undo last point").click()
    expect(status).to_contain_text("4 corners")
    assert drawn(textarea) == polygon

    form.get_by_label("Exclusion zone (must not enter)").check()
    form.get_by_label("Name of the zone").fill("Drawn park")
    form.get_by_role("button", name="Add the zone").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Zone added.")
    rows = page.get_by_test_id("zone-row")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Drawn park")).to_contain_text("Polygon of 5 points")
    zone = Zone.objects.get(order=world["order"], name="Drawn park")
    assert zone.kind == "exclusion"
    assert zone.geometry["coordinates"] == polygon["coordinates"]
    # Back on the page, the new zone is on the map with the others, and the box is empty.
    expect(page.get_by_test_id("zone-draw-map").locator("path.leaflet-interactive")).to_have_count(
        3
    )
    expect(drawing_form(page).get_by_label("GeoJSON", exact=True)).to_have_value("")
    assert refused == [], refused


def test_a_refused_drawing_is_kept_on_the_map_to_carry_on(
    new_context: Callable[..., BrowserContext],
    sign_in: Callable[..., None],
    world: dict[str, Any],
) -> None:
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, "practitioner")
    page.goto(world["url"])
    the_map = page.get_by_test_id("zone-draw-map")
    for x, y in CORNERS[:3]:
        the_map.click(position={"x": x, "y": y})
    sent = drawing_form(page).get_by_label("GeoJSON", exact=True).input_value()
    drawing_form(page).get_by_role("button", name="Add the zone").click()  # no kind, no name
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the name of the zone")
    textarea = drawing_form(page).get_by_label("GeoJSON", exact=True)
    expect(textarea).to_have_value(sent)
    expect(page.get_by_test_id("zone-draw-status")).to_contain_text("3 corners")
    page.get_by_test_id("zone-draw-map").click(position={"x": 180, "y": 240})
    assert len(json.loads(textarea.input_value())["coordinates"][0]) == 5
    assert list(Zone.objects.filter(order=world["order"]).values_list("name", flat=True)) == [
        "Town centre"
    ]


def test_without_javascript_the_geojson_box_and_the_circle_remain(
    new_context: Callable[..., BrowserContext],
    sign_in: Callable[..., None],
    world: dict[str, Any],
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, "practitioner")
    page.goto(world["url"])
    expect(page.get_by_test_id("zone-draw")).to_be_hidden()
    expect(page.get_by_role("button", name="Undo last point")).to_be_hidden()
    form = drawing_form(page)
    expect(form.get_by_label("GeoJSON", exact=True)).to_be_visible()
    expect(page.get_by_label("Radius (metres)", exact=True)).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_order_page_with_the_map_is_accessible_and_fits(
    new_context: Callable[..., BrowserContext],
    sign_in: Callable[..., None],
    world: dict[str, Any],
    viewport: dict[str, int],
) -> None:
    page = new_context(viewport=viewport, **AXE_CONTEXT).new_page()
    sign_in(page, "practitioner")
    page.goto(world["url"])
    the_map = page.get_by_test_id("zone-draw-map")
    expect(the_map).to_have_class(re.compile(r"\bleaflet-container\b"))
    for x, y in [(120, 80), (280, 110), (200, 260)]:
        the_map.click(position={"x": x, "y": y})
    expect(page.get_by_test_id("zone-draw-status")).to_contain_text("3 corners")
    assert_accessible(page)
    assert_fits(page)
