"""EM order and device pages: making an order, zones pasted or drawn as circles, curfew
windows, ending, the device lifecycle buttons; GOV.UK error summaries, 403/404 (never 500) for
bad input, who sees what (an operator only on cases with a live order) and the audit of every
read."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.monitoring.models import CurfewWindow, Device, EmOrder, Zone
from probation.workforce.models import Organisation
from tests.factories import UserFactory, organisation
from tests.monitoring.em_setup import (
    HOME,
    curfew_order,
    device,
    em_case,
    fitted,
    operator,
    requirement,
    today,
)

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[-2.99, 53.40], [-2.98, 53.40], [-2.98, 53.41], [-2.99, 53.41], [-2.99, 53.40]]
    ],
}
BOW_TIE = {
    "type": "Polygon",
    "coordinates": [[[0, 51], [0.01, 51.01], [0.01, 51], [0, 51.01], [0, 51]]],
}


@pytest.fixture
def case(crc_practitioner) -> Any:
    return em_case(crc_practitioner)


@pytest.fixture
def officer(client_for, crc_practitioner) -> Any:
    return client_for(crc_practitioner)


@pytest.fixture
def ops_user() -> Any:
    return operator()


@pytest.fixture
def ops(client_for, ops_user) -> Any:
    return client_for(ops_user)


def url(case: Any, tail: str = "") -> str:
    return f"/cases/{case.person.crn}/monitoring/{tail}"


def date_fields(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def new_order_post(case: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "case_version": str(case.version),
        "enforces": f"requirement-{requirement(case, 'curfew').pk}",
        "condition": "",
        **date_fields("starts_on", today()),
        **date_fields("ends_on", today() + dt.timedelta(days=60)),
        "curfew_latitude": str(HOME[0]),
        "curfew_longitude": str(HOME[1]),
        "curfew_buffer_m": "60",
        "from_4": "19:00",
        "to_4": "07:00",
        "trail_monitoring": "on",
    }
    data.update(changes)
    return data


def error_summary(response: Any) -> str:
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body
    start = body.index("govuk-error-summary")
    return body[start : start + 3000]


# -- the orders of a case ---------------------------------------------------------------------


def test_the_officer_sees_the_orders_with_their_parts_and_the_read_is_audited(
    case, officer, crc_practitioner
):
    order = curfew_order(case)
    CurfewWindow.objects.create(order=order, weekday=4, starts=dt.time(19), ends=dt.time(7))
    Zone.objects.create(order=order, kind="exclusion", name="Town centre", geometry=SQUARE)
    fitted(order, serial="GPS-4242")
    response = officer.get(url(case))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Friday 19:00 to 07:00 (next day)" in body
    assert "Town centre" in body
    assert "GPS-4242" in body
    assert "Make an EM order" in body
    event = AuditEvent.objects.get(action=AuditAction.CASE_VIEWED, actor=crc_practitioner)
    assert (event.crn, event.details["page"]) == (case.person.crn, "electronic monitoring")


def test_making_an_order_from_the_page(case, officer):
    response = officer.post(url(case, "new/"), new_order_post(case))
    order = EmOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(case, f"{order.pk}/")
    assert order.curfew_buffer_m == 60
    assert order.trail_monitoring is True
    assert list(order.curfew_windows.values_list("weekday", "starts", "ends")) == [
        (4, dt.time(19), dt.time(7))
    ]
    assert AuditEvent.objects.filter(action=AuditAction.EM_ORDER_CREATED).count() == 1


def test_an_empty_form_shows_a_govuk_error_summary(case, officer):
    summary = error_summary(officer.post(url(case, "new/"), {"case_version": case.version}))
    assert "Choose what the order enforces" in summary
    assert "Enter the start date" in summary
    assert not EmOrder.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message", "anchor"),
    [
        (
            {"enforces": "requirement-999999"},
            "Choose what the order enforces",
            "#id_enforces",
        ),
        (
            date_fields("ends_on", dt.date(2099, 1, 1)),
            "between",
            "#id_ends_on_0",
        ),
        ({"to_4": ""}, "Enter both times for Friday, or neither", "#id_to_4"),
        ({"from_4": "25:00"}, "Enter the Friday start as a 24-hour time", "#id_from_4"),
        (
            {"curfew_latitude": "٥٣.٤"},
            "Enter the latitude in decimal degrees",
            "#id_curfew_latitude",
        ),
        ({"curfew_latitude": "", "curfew_longitude": ""}, "A curfew needs its location", ""),
        ({"from_0": "06:00", "to_0": "19:00"}, "the requirement allows 12 hours a day", ""),
    ],
)
def test_bad_input_is_a_govuk_error_never_a_500(case, officer, changes, message, anchor):
    summary = error_summary(officer.post(url(case, "new/"), new_order_post(case, **changes)))
    assert message in summary
    assert anchor in summary
    assert not EmOrder.objects.exists()


def test_dates_outside_the_sentence_are_shown_on_the_date(case, officer):
    data = new_order_post(case, **date_fields("ends_on", today() + dt.timedelta(days=400)))
    summary = error_summary(officer.post(url(case, "new/"), data))
    assert "cannot end after" in summary
    assert "#id_ends_on" in summary


def test_a_stale_case_version_keeps_the_input(case, officer):
    data = new_order_post(case, case_version=str(case.version + 3), condition="Kept words")
    response = officer.post(url(case, "new/"), data)
    summary = error_summary(response)
    assert "Someone else changed this case" in summary
    assert "Kept words" in response.content.decode()


# -- who may see and change ---------------------------------------------------------------------


def test_an_operator_reads_a_case_with_a_live_order_and_is_audited(case, ops, ops_user):
    curfew_order(case)
    response = ops.get(url(case))
    assert response.status_code == 200
    assert "Make an EM order" not in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.CASE_VIEWED, actor=ops_user)
    assert event.crn == case.person.crn


@pytest.mark.parametrize("order_state", ["none", "ended", "past its end"])
def test_an_operator_cannot_open_a_case_without_a_live_order(case, ops, ops_user, order_state):
    if order_state == "ended":
        curfew_order(case, status="ended")
    elif order_state == "past its end":
        curfew_order(
            case, starts_on=today() - dt.timedelta(days=20), ends_on=today() - dt.timedelta(days=1)
        )
    response = ops.get(url(case))
    assert response.status_code == 404
    assert case.person.surname not in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.CASE_ACCESS_REFUSED, actor=ops_user)
    assert event.crn == case.person.crn
    assert event.details["reason"] == "no_live_order"


def test_an_operator_still_cannot_open_the_rest_of_the_case(case, ops):
    curfew_order(case)
    assert ops.get(f"/cases/{case.person.crn}/").status_code in (403, 404)


def test_an_operator_on_the_exclusion_list_is_refused(case, ops, ops_user, administrator):
    from probation.people.services import case_access_set

    curfew_order(case)
    case_access_set(case=case, user=ops_user, kind="exclusion", by_user=administrator)
    assert ops.get(url(case)).status_code == 404


def test_an_operator_cannot_make_or_change_orders(case, ops, ops_user):
    order = curfew_order(case)
    assert "Only practitioners and managers" in ops.get(url(case, "new/")).content.decode()
    assert ops.post(url(case, "new/"), new_order_post(case)).status_code == 403
    response = ops.post(url(case, f"{order.pk}/"), {"action": "end", **date_fields("on", today())})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REFUSED, actor=ops_user).exists()
    order.refresh_from_db()
    assert order.status == "active"


def test_other_roles_are_refused(case, client_for):
    contract_manager = UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"])
    assert client_for(contract_manager).get(url(case)).status_code == 403


def test_an_other_crcs_practitioner_is_refused_and_audited(
    case, client_for, other_crc_practitioner
):
    curfew_order(case)
    response = client_for(other_crc_practitioner).get(url(case))
    assert response.status_code == 404
    event = AuditEvent.objects.get(
        action=AuditAction.CASE_ACCESS_REFUSED, actor=other_crc_practitioner
    )
    assert event.details["reason"] == "other_organisation"


# -- an order's page --------------------------------------------------------------------------


@pytest.fixture
def order(case) -> EmOrder:
    return curfew_order(case)


def change(order: EmOrder, action: str, **fields: Any) -> dict[str, Any]:
    prefix = {"zone_geojson": "polygon-", "zone_circle": "circle-"}.get(action, "")
    return {
        "action": action,
        f"{prefix}order_version": str(order.version),
        **{f"{prefix}{k}": v for k, v in fields.items()},
    }


def test_unknown_or_other_orders_are_not_found(case, officer, crc_practitioner):
    other = curfew_order(em_case(crc_practitioner, surname="Otherperson"))
    assert officer.get(url(case, "999999/")).status_code == 404
    assert officer.get(url(case, f"{other.pk}/")).status_code == 404
    assert officer.get(url(case, "abc/")).status_code == 404


def test_a_pasted_polygon_becomes_a_zone_in_the_table(case, officer, order):
    data = change(
        order,
        "zone_geojson",
        kind="exclusion",
        name="Victim's street",
        geojson=json.dumps(SQUARE),
        buffer_m="25",
        from_5="18:00",
        to_5="23:00",
    )
    response = officer.post(url(case, f"{order.pk}/"), data)
    assert response.status_code == 302
    zone = Zone.objects.get()
    assert (zone.kind, zone.name, zone.buffer_m, zone.timetable) == (
        "exclusion",
        "Victim's street",
        25,
        [[5, "18:00", "23:00"]],
    )
    body = officer.get(url(case, f"{order.pk}/")).content.decode()
    assert "Polygon of 5 points" in body
    assert "Saturday 18:00 to 23:00" in body


def test_bad_geojson_shows_the_rules_message_in_the_error_summary(case, officer, order):
    data = change(order, "zone_geojson", kind="exclusion", name="Bad", geojson=json.dumps(BOW_TIE))
    summary = error_summary(officer.post(url(case, f"{order.pk}/"), data))
    assert "self-intersection at longitude 0.005000, latitude 51.005000" in summary
    assert "#id_polygon-geojson" in summary
    assert not Zone.objects.exists()


def test_a_circle_becomes_a_zone(case, officer, order):
    data = change(
        order,
        "zone_circle",
        kind="inclusion",
        name="Hostel",
        latitude="53.4",
        longitude="-2.99",
        radius_m="300",
    )
    assert officer.post(url(case, f"{order.pk}/"), data).status_code == 302
    assert Zone.objects.get().geometry == {
        "type": "Circle",
        "coordinates": [-2.99, 53.4],
        "radius_m": 300.0,
    }
    assert (
        "Circle of 300 metres around 53.4, -2.99"
        in officer.get(url(case, f"{order.pk}/")).content.decode()
    )


def test_a_circle_without_a_radius_is_an_error(case, officer, order):
    data = change(order, "zone_circle", kind="inclusion", name="Hostel", latitude="53.4")
    summary = error_summary(officer.post(url(case, f"{order.pk}/"), data))
    assert "Enter the longitude of the centre" in summary
    assert "Enter the radius in metres" in summary


def test_removing_a_zone(case, officer, order):
    zone = Zone.objects.create(order=order, kind="exclusion", name="Park", geometry=SQUARE)
    response = officer.post(url(case, f"{order.pk}/"), change(order, "zone_remove", zone=zone.pk))
    assert response.status_code == 302
    assert not Zone.objects.exists()


def test_changing_the_curfew_windows(case, officer, order):
    data = change(order, "curfew", from_0="20:00", to_0="06:00", from_6="21:00", to_6="07:00")
    assert officer.post(url(case, f"{order.pk}/"), data).status_code == 302
    assert list(order.curfew_windows.values_list("weekday", "starts")) == [
        (0, dt.time(20)),
        (6, dt.time(21)),
    ]


def test_a_stale_order_form_is_refused_and_carries_the_new_version(case, officer, order):
    data = change(order, "curfew", from_0="20:00", to_0="06:00")
    data["order_version"] = str(order.version + 4)
    response = officer.post(url(case, f"{order.pk}/"), data)
    assert "Someone else changed this order" in error_summary(response)
    assert f'name="order_version" value="{order.version}"' in response.content.decode()


def test_ending_is_refused_while_a_device_is_fitted(case, officer, order):
    fitted(order, serial="GPS-5151")
    data = change(order, "end", **date_fields("on", today()))
    summary = error_summary(officer.post(url(case, f"{order.pk}/"), data))
    assert "GPS-5151" in summary
    order.refresh_from_db()
    assert order.status == "active"


def test_ending_an_order(case, officer, order):
    data = change(order, "end", **date_fields("on", today()))
    assert officer.post(url(case, f"{order.pk}/"), data).status_code == 302
    order.refresh_from_db()
    assert order.status == "ended"
    body = officer.get(url(case, f"{order.pk}/")).content.decode()
    assert "End the order" not in body


def test_protecting_a_victim(case, officer, order):
    data = {
        "action": "proximity",
        "proximity-order_version": str(order.version),
        "proximity-latitude": "53.41",
        "proximity-longitude": "-2.97",
        "proximity-radius_m": "500",
    }
    assert officer.post(url(case, f"{order.pk}/"), data).status_code == 302
    place = order.proximities.get()
    assert (place.latitude, place.longitude, place.radius_m, place.hysteresis_m) == (
        53.41,
        -2.97,
        500,
        100,
    )
    body = officer.get(url(case, f"{order.pk}/")).content.decode()
    assert "A fixed place at 53.41, -2.97" in body
    assert "600 metres" in body  # clears beyond the radius plus the hysteresis


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"victim_device": "VIC-404"}, "no victim&#x27;s device with that serial number"),
        ({"victim_device": "VIC-1", "latitude": "53.4", "longitude": "-2.9"}, "not both"),
        ({}, "not both"),
    ],
)
def test_a_victim_protection_needs_one_place(case, officer, order, fields, message):
    device("VIC-1", kind="victim")
    data = {
        "action": "proximity",
        "proximity-radius_m": "500",
        **{f"proximity-{k}": v for k, v in fields.items()},
    }
    assert message in error_summary(officer.post(url(case, f"{order.pk}/"), data))
    assert not order.proximities.exists()


def test_an_unknown_action_is_a_400(case, officer, order):
    assert officer.post(url(case, f"{order.pk}/"), {"action": "drop"}).status_code == 400


# -- devices ----------------------------------------------------------------------------------


def test_the_device_list_by_state_with_its_filter(ops, ops_user, case):
    order = curfew_order(case)
    device("GPS-1")
    device("GPS-2", state="lost")
    fitted(order, serial="GPS-3")
    response = ops.get("/monitoring/devices/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="stock-in_stock">1<' in body
    assert 'data-testid="stock-lost">1<' in body
    assert 'data-testid="stock-fitted">1<' in body
    assert case.person.crn in body
    event = AuditEvent.objects.get(action=AuditAction.CASES_LISTED, actor=ops_user)
    assert event.details["crns"] == [case.person.crn]
    lost = ops.get("/monitoring/devices/?state=lost").content.decode()
    assert "GPS-2" in lost and "GPS-1" not in lost


@pytest.mark.parametrize("query", ["?state=melted", "?page=abc", "?page=99999999", "?state=%00"])
def test_bad_query_parameters_are_never_a_500(ops, query):
    device("GPS-1")
    response = ops.get(f"/monitoring/devices/{query}")
    assert response.status_code == 200
    if "state" in query:
        assert "Choose a state from the list" in error_summary(response)


def test_the_device_pages_are_for_operators_only(client_for, crc_practitioner):
    tag = device()
    client = client_for(crc_practitioner)
    assert client.get("/monitoring/devices/").status_code == 403
    assert client.get(f"/monitoring/devices/{tag.pk}/").status_code == 403
    assert client.post(f"/monitoring/devices/{tag.pk}/fit/", {}).status_code == 403


def test_another_providers_device_is_not_found(ops):
    other = Organisation.objects.create(code="EMX", name="Other tags", kind="em_provider")
    tag = Device.objects.create(serial="X-1", kind="gps", provider=other)
    assert ops.get(f"/monitoring/devices/{tag.pk}/").status_code == 404
    assert ops.get("/monitoring/devices/999999/").status_code == 404


def test_a_device_page_shows_the_steps_allowed_now(ops):
    tag = device()
    body = ops.get(f"/monitoring/devices/{tag.pk}/").content.decode()
    assert 'data-testid="step-fit"' in body
    assert 'data-testid="step-report_lost"' in body
    assert 'data-testid="step-remove"' not in body
    assert 'data-testid="step-return_to_stock"' not in body
    lost = device("GPS-2", state="lost")
    assert "stays out of stock" in ops.get(f"/monitoring/devices/{lost.pk}/").content.decode()


def step_post(step: str, at: Any, **more: Any) -> dict[str, Any]:
    local = timezone.localtime(at)
    return {
        f"{step}-day_0": str(local.day),
        f"{step}-day_1": str(local.month),
        f"{step}-day_2": str(local.year),
        f"{step}-time": f"{local:%H:%M}",
        **{f"{step}-{k}": v for k, v in more.items()},
    }


def test_fitting_and_removing_from_the_device_page(ops, case):
    order = curfew_order(case)
    tag = device()
    at = timezone.now() - dt.timedelta(hours=1)
    response = ops.post(f"/monitoring/devices/{tag.pk}/fit/", step_post("fit", at, order=order.pk))
    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.state, tag.order_id) == ("fitted", order.pk)
    body = ops.get(f"/monitoring/devices/{tag.pk}/").content.decode()
    assert f"Order {order.pk}, CRN {case.person.crn}" in body
    response = ops.post(
        f"/monitoring/devices/{tag.pk}/remove/", step_post("remove", timezone.now())
    )
    assert response.status_code == 302
    tag.refresh_from_db()
    assert tag.state == "removed"


def test_a_refused_step_is_a_govuk_error(ops, case):
    tag = device()
    summary = error_summary(
        ops.post(f"/monitoring/devices/{tag.pk}/remove/", step_post("remove", timezone.now()))
    )
    assert "GPS-0001 is in stock" in summary
    ended = curfew_order(case, status="ended")
    summary = error_summary(
        ops.post(
            f"/monitoring/devices/{tag.pk}/fit/", step_post("fit", timezone.now(), order=ended.pk)
        )
    )
    assert "no live EM order with that number" in summary
    summary = error_summary(ops.post(f"/monitoring/devices/{tag.pk}/fit/", {}))
    assert "Enter the date it happened" in summary
    assert "Enter the EM order number" in summary


def test_an_unknown_step_is_not_found_and_get_is_not_allowed(ops):
    tag = device()
    assert ops.post(f"/monitoring/devices/{tag.pk}/melt/", {}).status_code == 404
    assert ops.get(f"/monitoring/devices/{tag.pk}/fit/").status_code == 405


def test_adding_a_device_from_the_page(ops):
    response = ops.post("/monitoring/devices/new/", {"serial": "gps-900", "kind": "gps"})
    assert response.status_code == 302
    assert Device.objects.get().serial == "GPS-900"
    summary = error_summary(
        ops.post("/monitoring/devices/new/", {"serial": "GPS-900", "kind": "gps"})
    )
    assert "already recorded" in summary


# -- hostile input ------------------------------------------------------------------------------

hostile_text = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), max_size=20),
    st.sampled_from(
        ["", " ", "0", "-1", "99999999999999999999999", "1e309", "NaN", "%00", "25:99", "[" * 5000]
    ),
)
FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WEEK = [f"{side}_{day}" for day in range(7) for side in ("from", "to")]
ORDER_FIELDS = [
    "enforces",
    "condition",
    "starts_on_0",
    "starts_on_1",
    "starts_on_2",
    "ends_on_0",
    "ends_on_1",
    "ends_on_2",
    "curfew_latitude",
    "curfew_longitude",
    "curfew_address",
    "curfew_buffer_m",
    "case_version",
    "submission_token",
    *WEEK[:4],
]
ORDER_PAGE_FIELDS = {
    "curfew": ["order_version", *WEEK[:4]],
    "zone_geojson": [
        f"polygon-{f}" for f in ("kind", "name", "geojson", "buffer_m", "order_version", "from_0")
    ],
    "zone_circle": [
        f"circle-{f}" for f in ("kind", "name", "latitude", "longitude", "radius_m", "buffer_m")
    ],
    "zone_remove": ["zone", "order_version"],
    "proximity": [
        f"proximity-{f}"
        for f in ("victim_device", "latitude", "longitude", "radius_m", "hysteresis_m")
    ],
    "end": ["on_0", "on_1", "on_2", "order_version"],
}


def test_the_new_order_form_never_answers_5xx(case, officer):
    @FUZZ
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(ORDER_FIELDS, hostile_text)))
    def check(data: dict[str, str]) -> None:
        assert officer.post(url(case, "new/"), data).status_code < 500, data

    check()


@pytest.mark.parametrize("action", sorted(ORDER_PAGE_FIELDS))
def test_the_order_page_never_answers_5xx(case, officer, order, action):
    @FUZZ
    @given(
        st.fixed_dictionaries(
            {"action": st.just(action)},
            optional=dict.fromkeys(ORDER_PAGE_FIELDS[action], hostile_text),
        )
    )
    def check(data: dict[str, str]) -> None:
        assert officer.post(url(case, f"{order.pk}/"), data).status_code < 500, data

    check()


@pytest.mark.parametrize("step", ["fit", "remove", "return_to_stock"])
def test_the_device_steps_and_list_never_answer_5xx(ops, step):
    tag = device()
    fields = [f"{step}-{f}" for f in ("day_0", "day_1", "day_2", "time", "order", "device_version")]

    @FUZZ
    @given(
        st.fixed_dictionaries({}, optional=dict.fromkeys(fields, hostile_text)),
        st.fixed_dictionaries({}, optional=dict.fromkeys(["state", "page"], hostile_text)),
    )
    def check(data: dict[str, str], query: dict[str, str]) -> None:
        assert ops.post(f"/monitoring/devices/{tag.pk}/{step}/", data).status_code < 500, data
        assert ops.get("/monitoring/devices/", query).status_code < 500, query

    check()
