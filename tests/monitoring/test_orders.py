"""EM order services: what an order may enforce, its dates, its curfew timetable, zones and
victim proximities, ending it, who may do each, and the audit trail
(``docs/domain/electronic-monitoring.md``, "What is monitored")."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied

from probation.core.audit import AuditAction
from probation.core.errors import CaseNotAvailable, Conflict, InvalidInput
from probation.core.models import AuditEvent
from probation.monitoring import services
from probation.monitoring.models import CurfewWindow, EmOrder, Zone
from probation.monitoring.selectors import zone_shape
from probation.rules import geo
from tests.factories import RequirementFactory, SentenceFactory, UserFactory, organisation
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

T = dt.time
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
def case(crc_practitioner: Any) -> Any:
    return em_case(crc_practitioner)


def make(case: Any, by_user: Any, **changes: Any) -> EmOrder:
    values: dict[str, Any] = {
        "case": case,
        "source": "requirement",
        "requirement": requirement(case, "curfew"),
        "starts_on": today(),
        "ends_on": today() + dt.timedelta(days=90),
        "curfew_latitude": HOME[0],
        "curfew_longitude": HOME[1],
        "by_user": by_user,
        **changes,
    }
    return services.em_order_create(**values)


# -- making an order --------------------------------------------------------------------------


def test_an_order_is_made_from_a_curfew_requirement_and_audited(case, crc_practitioner):
    order = make(case, crc_practitioner, curfew_buffer_m=80)
    order.refresh_from_db()
    assert order.status == "active"
    assert order.requirement == requirement(case, "curfew")
    assert (order.curfew_latitude, order.curfew_longitude, order.curfew_buffer_m) == (
        *HOME,
        80,
    )
    assert order.created_by == crc_practitioner
    event = AuditEvent.objects.get(action=AuditAction.EM_ORDER_CREATED)
    assert event.crn == case.person.crn
    assert event.actor == crc_practitioner
    assert event.subject_id == str(order.pk)
    assert event.after["requirement_id"] == requirement(case, "curfew").pk
    assert event.after["curfew_windows"] == []


@pytest.mark.parametrize("kind", ["exclusion", "alcohol_abstinence_monitoring"])
def test_exclusion_and_alcohol_requirements_make_orders_without_a_location(
    case, crc_practitioner, kind
):
    order = make(
        case,
        crc_practitioner,
        requirement=requirement(case, kind),
        curfew_latitude=None,
        curfew_longitude=None,
    )
    assert order.alcohol_monitoring is (kind == "alcohol_abstinence_monitoring")


def test_a_requirement_of_another_kind_is_refused(case, crc_practitioner):
    with pytest.raises(InvalidInput) as refused:
        make(case, crc_practitioner, requirement=requirement(case, "unpaid_work"))
    assert refused.value.field == "requirement"
    assert "curfew, exclusion or alcohol abstinence monitoring" in refused.value.message
    assert "unpaid work" in refused.value.message
    assert not EmOrder.objects.exists()


def test_a_requirement_of_another_case_or_an_ended_sentence_is_refused(case, crc_practitioner):
    other = em_case(crc_practitioner, surname="Elsewhere")
    with pytest.raises(InvalidInput, match="active sentences"):
        make(case, crc_practitioner, requirement=requirement(other, "curfew"))
    ended = SentenceFactory(case=case, status="completed")
    old = RequirementFactory(sentence=ended, kind="curfew", amount=8)
    with pytest.raises(InvalidInput, match="active sentences"):
        make(case, crc_practitioner, requirement=old)


@pytest.mark.parametrize(
    ("starts", "ends", "field", "words"),
    [
        (-31, 10, "starts_on", "cannot start before"),  # the sentence started 30 days ago
        (0, 335, "ends_on", "cannot end after"),  # it ends 334 days ahead
        (10, 5, "ends_on", "same as or after the start date"),
    ],
)
def test_dates_outside_the_sentence_are_refused(case, crc_practitioner, starts, ends, field, words):
    with pytest.raises(InvalidInput) as refused:
        make(
            case,
            crc_practitioner,
            starts_on=today() + dt.timedelta(days=starts),
            ends_on=today() + dt.timedelta(days=ends),
        )
    assert refused.value.field == field
    assert words in refused.value.message


def test_the_sentences_first_and_last_days_are_allowed(case, crc_practitioner):
    order = make(
        case,
        crc_practitioner,
        starts_on=today() - dt.timedelta(days=30),
        ends_on=today() + dt.timedelta(days=334),
    )
    assert order.pk


def test_a_requirements_own_dates_bound_the_order(case, crc_practitioner):
    curfew = requirement(case, "curfew")
    curfew.ends_on = today() + dt.timedelta(days=20)
    curfew.save()
    with pytest.raises(InvalidInput, match="cannot end after"):
        make(case, crc_practitioner, ends_on=today() + dt.timedelta(days=21))
    assert make(case, crc_practitioner, ends_on=today() + dt.timedelta(days=20)).pk


def test_a_curfew_needs_its_location(case, crc_practitioner):
    with pytest.raises(InvalidInput) as refused:
        make(case, crc_practitioner, curfew_latitude=None, curfew_longitude=None)
    assert refused.value.field == "curfew_latitude"
    assert "location" in refused.value.message


@pytest.mark.parametrize(
    ("latitude", "longitude", "buffer_m"),
    [(91.0, 0.0, 50), (53.4, -181.0, 50), (53.4, None, 50), (53.4, -2.9, 5), (53.4, -2.9, 1001)],
)
def test_an_impossible_location_or_buffer_is_refused(
    case, crc_practitioner, latitude, longitude, buffer_m
):
    with pytest.raises(InvalidInput):
        make(
            case,
            crc_practitioner,
            curfew_latitude=latitude,
            curfew_longitude=longitude,
            curfew_buffer_m=buffer_m,
        )


def test_one_active_order_per_requirement(case, crc_practitioner):
    make(case, crc_practitioner)
    with pytest.raises(InvalidInput, match="already has an active"):
        make(case, crc_practitioner)


def test_a_licence_condition_needs_its_words_and_a_licence(case, crc_practitioner):
    licence = {"source": "licence_condition", "requirement": None}
    with pytest.raises(InvalidInput, match="no active custodial sentence"):
        make(case, crc_practitioner, condition="Curfew 7pm to 7am.", **licence)
    SentenceFactory(
        case=case,
        disposal="custody",
        sentence_date=today() - dt.timedelta(days=200),
        release_date=today() - dt.timedelta(days=10),
        licence_end=today() + dt.timedelta(days=100),
        expected_end_date=None,
    )
    with pytest.raises(InvalidInput) as refused:
        make(case, crc_practitioner, condition="  ", **licence)
    assert refused.value.field == "condition"
    with pytest.raises(InvalidInput, match="cannot end after"):
        make(
            case,
            crc_practitioner,
            condition="Curfew 7pm to 7am.",
            ends_on=today() + dt.timedelta(days=101),
            **licence,
        )
    order = make(case, crc_practitioner, condition="Curfew 7pm to 7am.", **licence)
    assert order.condition == "Curfew 7pm to 7am."
    assert order.requirement is None


def test_a_condition_cannot_also_name_a_requirement(case, crc_practitioner):
    with pytest.raises(InvalidInput, match="does not name a requirement"):
        make(case, crc_practitioner, source="bail_condition", condition="Curfew.")


def test_a_bail_conditions_order_runs_at_most_a_year(case, crc_practitioner):
    bail = {"source": "bail_condition", "requirement": None, "condition": "Curfew 9pm to 6am."}
    with pytest.raises(InvalidInput, match="cannot end after"):
        make(case, crc_practitioner, ends_on=today() + dt.timedelta(days=366), **bail)
    assert make(case, crc_practitioner, ends_on=today() + dt.timedelta(days=365), **bail).pk


def test_only_the_responsible_organisations_staff_make_orders(
    case, crc_practitioner, other_crc_practitioner, nps_practitioner
):
    with pytest.raises(PermissionDenied):
        make(case, operator())
    with pytest.raises(PermissionDenied):
        make(case, other_crc_practitioner)
    with pytest.raises(PermissionDenied):
        make(case, nps_practitioner)  # sees every case, but is not responsible for this one
    manager = UserFactory(organisation=organisation("CRC-C08"), roles=["allocating_manager"])
    assert make(case, manager).pk
    assert not AuditEvent.objects.filter(action=AuditAction.EM_ORDER_CREATED).exclude(actor=manager)


def test_a_case_the_user_cannot_see_is_not_available(case, crc_practitioner, administrator):
    from probation.people.services import case_access_set

    case_access_set(case=case, user=crc_practitioner, kind="exclusion", by_user=administrator)
    with pytest.raises(CaseNotAvailable):
        make(case, crc_practitioner)


def test_a_stale_case_form_is_refused(case, crc_practitioner):
    with pytest.raises(Conflict):
        make(case, crc_practitioner, expected_version=case.version + 5)


# -- curfew windows ---------------------------------------------------------------------------


@pytest.fixture
def order(case, crc_practitioner) -> EmOrder:
    return make(case, crc_practitioner)


def windows(order: EmOrder) -> list[tuple[int, dt.time, dt.time]]:
    return list(CurfewWindow.objects.filter(order=order).values_list("weekday", "starts", "ends"))


def test_curfew_windows_past_midnight_are_kept_and_audited(order, crc_practitioner):
    version = order.version
    services.em_curfew_windows_set(
        order=order,
        windows=[(4, T(19), T(7)), (5, T(19), T(7)), (0, T(20), T(23, 30))],
        by_user=crc_practitioner,
    )
    assert windows(order) == [(0, T(20), T(23, 30)), (4, T(19), T(7)), (5, T(19), T(7))]
    order.refresh_from_db()
    assert order.version == version + 1
    event = AuditEvent.objects.get(action=AuditAction.EM_ORDER_CHANGED)
    assert event.crn == order.case.person.crn
    assert event.before["curfew_windows"] == []
    assert event.after["curfew_windows"] == [
        [0, "20:00", "23:30"],
        [4, "19:00", "07:00"],
        [5, "19:00", "07:00"],
    ]
    assert event.details["change"] == "curfew windows"


def test_setting_windows_replaces_the_timetable(order, crc_practitioner):
    services.em_curfew_windows_set(
        order=order, windows=[(0, T(19), T(7))], by_user=crc_practitioner
    )
    services.em_curfew_windows_set(
        order=order, windows=[(2, T(21), T(6))], by_user=crc_practitioner
    )
    assert windows(order) == [(2, T(21), T(6))]


@pytest.mark.parametrize(
    ("given", "words"),
    [
        # 19:00 to 08:00 is 13 hours: the requirement allows 12 hours a day.
        ([(0, T(19), T(8))], "allows 12 hours a day"),
        # Two windows starting on Monday adding up to 13 hours.
        ([(0, T(6), T(12)), (0, T(13), T(20))], "add up to 13 hours"),
        # Monday 19:00 to 07:00 runs into Tuesday 06:00 to 08:00.
        ([(0, T(19), T(7)), (1, T(6), T(8))], "overlap"),
        # Sunday 22:00 to 02:00 runs into Monday 01:00 to 03:00, across the end of the week.
        ([(6, T(22), T(2)), (0, T(1), T(3))], "overlap"),
        ([(7, T(19), T(7))], "Window 1"),
        ([(0, "19:00", T(7))], "Window 1"),
    ],
)
def test_impossible_curfew_windows_are_refused(order, crc_practitioner, given, words):
    with pytest.raises(InvalidInput) as refused:
        services.em_curfew_windows_set(order=order, windows=given, by_user=crc_practitioner)
    assert words in refused.value.message
    assert windows(order) == []


def test_windows_meeting_end_to_start_do_not_overlap(order, crc_practitioner):
    services.em_curfew_windows_set(
        order=order,
        windows=[(0, T(19), T(7)), (1, T(7), T(9)), (6, T(22), T(0))],
        by_user=crc_practitioner,
    )
    assert len(windows(order)) == 3


def test_a_window_is_at_most_20_hours_without_a_requirement(case, crc_practitioner):
    bail = make(
        case,
        crc_practitioner,
        source="bail_condition",
        requirement=None,
        condition="Curfew at home.",
    )
    with pytest.raises(InvalidInput, match="longer than 20 hours"):
        services.em_curfew_windows_set(
            order=bail, windows=[(0, T(7), T(7))], by_user=crc_practitioner
        )
    services.em_curfew_windows_set(order=bail, windows=[(0, T(7), T(3))], by_user=crc_practitioner)
    assert windows(bail) == [(0, T(7), T(3))]


def test_an_order_without_a_location_has_no_curfew_windows(case, crc_practitioner):
    exclusion = make(
        case,
        crc_practitioner,
        requirement=requirement(case, "exclusion"),
        curfew_latitude=None,
        curfew_longitude=None,
    )
    with pytest.raises(InvalidInput, match="no curfew location"):
        services.em_curfew_windows_set(
            order=exclusion, windows=[(0, T(19), T(7))], by_user=crc_practitioner
        )


def test_a_stale_order_form_is_refused(order, crc_practitioner):
    with pytest.raises(Conflict):
        services.em_curfew_windows_set(
            order=order,
            windows=[(0, T(19), T(7))],
            by_user=crc_practitioner,
            expected_version=order.version + 1,
        )


# -- zones ------------------------------------------------------------------------------------


def test_a_pasted_polygon_is_stored_and_judged_by_the_rules(order, crc_practitioner):
    zone = services.em_zone_add(
        order=order,
        kind="exclusion",
        name="Victim's street",
        geojson=json.dumps({"type": "Feature", "geometry": SQUARE, "properties": {}}),
        buffer_m=20,
        timetable=[(5, "18:00", "23:00")],
        by_user=crc_practitioner,
    )
    zone.refresh_from_db()
    assert zone.geometry == SQUARE
    assert zone.timetable == [[5, "18:00", "23:00"]]
    shape = zone_shape(zone)
    inside = geo.contains(shape, np.array([53.405, 53.42]), np.array([-2.985, -2.985]))
    assert inside.tolist() == [True, False]
    event = AuditEvent.objects.get(action=AuditAction.EM_ORDER_CHANGED)
    assert event.details["change"] == "zone added"
    assert event.after["zones"] == [
        {"id": zone.pk, "kind": "exclusion", "name": "Victim's street", "buffer_m": 20}
    ]


def test_a_circle_is_stored_as_a_circle(order, crc_practitioner):
    zone = services.em_zone_add(
        order=order,
        kind="inclusion",
        name="Hostel",
        geojson={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-2.99, 53.40]},
            "properties": {"radius_m": 300},
        },
        by_user=crc_practitioner,
    )
    assert zone.geometry == {"type": "Circle", "coordinates": [-2.99, 53.40], "radius_m": 300.0}
    shape = zone_shape(zone)
    assert shape.kind == geo.CIRCLE
    assert shape.radius_m == 300


@pytest.mark.parametrize(
    ("geojson", "words"),
    [
        (BOW_TIE, "self-intersection at longitude 0.005000, latitude 51.005000"),
        ("{not json", "not valid JSON"),
        ({"type": "LineString", "coordinates": [[0, 51], [1, 51]]}, "type"),
        ({"type": "Point", "coordinates": [0, 51]}, "needs a radius"),
        ('{"type": "Polygon", "coordinates": ' + "[" * 5000 + "]" * 5000 + "}", "too deeply"),
    ],
)
def test_bad_geojson_is_refused_with_the_rules_message(order, crc_practitioner, geojson, words):
    with pytest.raises(InvalidInput) as refused:
        services.em_zone_add(
            order=order, kind="exclusion", name="Zone", geojson=geojson, by_user=crc_practitioner
        )
    assert refused.value.field == "geojson"
    assert words in refused.value.message
    assert not Zone.objects.exists()


def test_a_zone_needs_a_kind_and_a_name(order, crc_practitioner):
    with pytest.raises(InvalidInput):
        services.em_zone_add(
            order=order, kind="nearby", name="Zone", geojson=SQUARE, by_user=crc_practitioner
        )
    with pytest.raises(InvalidInput):
        services.em_zone_add(
            order=order, kind="exclusion", name=" ", geojson=SQUARE, by_user=crc_practitioner
        )


def test_removing_a_zone_is_audited_with_its_geometry(order, crc_practitioner):
    zone = services.em_zone_add(
        order=order, kind="exclusion", name="Park", geojson=SQUARE, by_user=crc_practitioner
    )
    services.em_zone_remove(zone=zone, by_user=crc_practitioner)
    assert not Zone.objects.exists()
    event = AuditEvent.objects.filter(action=AuditAction.EM_ORDER_CHANGED).latest("id")
    assert event.details["change"] == "zone removed"
    assert event.details["zone"]["geometry"] == SQUARE
    assert event.after["zones"] == []


# -- victim proximity -------------------------------------------------------------------------


def test_a_victims_place_or_device_is_protected(order, crc_practitioner):
    place = services.em_proximity_add(
        order=order, radius_m=500, latitude=53.41, longitude=-2.97, by_user=crc_practitioner
    )
    assert (place.radius_m, place.hysteresis_m) == (500, 100)
    victim = device("VIC-0001", kind="victim")
    linked = services.em_proximity_add(
        order=order, radius_m=1000, victim_device=victim, by_user=crc_practitioner
    )
    assert linked.victim_device == victim
    with pytest.raises(InvalidInput, match="victim's device"):
        services.em_proximity_add(
            order=order, radius_m=500, victim_device=device("GPS-7"), by_user=crc_practitioner
        )
    with pytest.raises(InvalidInput, match="either"):
        services.em_proximity_add(order=order, radius_m=500, by_user=crc_practitioner)


# -- ending -----------------------------------------------------------------------------------


def test_an_order_with_a_fitted_device_cannot_end(order, crc_practitioner):
    tag = fitted(order)
    with pytest.raises(InvalidInput) as refused:
        services.em_order_end(order=order, on=today(), by_user=crc_practitioner)
    assert tag.serial in refused.value.message
    assert "remove it before the order ends" in refused.value.message
    order.refresh_from_db()
    assert order.status == "active"


def test_ending_an_order_is_audited_and_stops_changes(order, crc_practitioner):
    services.em_order_end(order=order, on=today() + dt.timedelta(days=3), by_user=crc_practitioner)
    order.refresh_from_db()
    assert (order.status, order.ends_on) == ("ended", today() + dt.timedelta(days=3))
    event = AuditEvent.objects.get(action=AuditAction.EM_ORDER_ENDED)
    assert event.crn == order.case.person.crn
    assert event.before["status"] == "active"
    assert event.after["status"] == "ended"
    with pytest.raises(InvalidInput, match="ended"):
        services.em_curfew_windows_set(
            order=order, windows=[(0, T(19), T(7))], by_user=crc_practitioner
        )


def test_an_order_ends_within_its_dates(order, crc_practitioner):
    with pytest.raises(InvalidInput) as refused:
        services.em_order_end(
            order=order, on=today() + dt.timedelta(days=91), by_user=crc_practitioner
        )
    assert refused.value.field == "on"


def test_an_operator_cannot_change_an_order(case, crc_practitioner):
    order = curfew_order(case)
    with pytest.raises(PermissionDenied):
        services.em_order_end(order=order, on=today(), by_user=operator())
