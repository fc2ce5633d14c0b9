"""Detection through ingest: each alert kind at its edges, one alert per episode, late fixes
judged at their own time, the no-signal sweep (docs/domain/electronic-monitoring.md, "Alerts")."""

from __future__ import annotations

import datetime as dt

import pytest

from probation.core.models import AuditEvent
from probation.monitoring.detection import no_signal_sweep, state_horizon
from probation.monitoring.models import Alert, Device, RuleState, VictimProximity
from tests.monitoring.telemetry_setup import (
    HOME,
    INSIDE_ZONE,
    NOW,
    OUTSIDE_ZONE,
    curfew,
    em_order,
    event,
    exclusion_zone,
    fix,
    message,
    minutes,
    send,
    tag,
)

pytestmark = pytest.mark.django_db


def alerts() -> list[tuple[str, str, dt.datetime]]:
    return list(
        Alert.objects.order_by("episode_started_at", "id").values_list(
            "kind", "rule", "episode_started_at"
        )
    )


# ---- zones ---------------------------------------------------------------------------------


def test_entering_an_exclusion_zone_raises_one_alert_however_many_fixes_follow() -> None:
    order = em_order()
    zone = exclusion_zone(order)
    device = tag(order, "TAG-1")
    send(message("TAG-1", [fix(1, minutes(-30), OUTSIDE_ZONE), fix(2, minutes(-25), INSIDE_ZONE)]))
    for batch in range(3):  # more fixes inside, in later uploads
        base = 3 + batch * 2
        send(
            message(
                "TAG-1",
                [
                    fix(base, minutes(-20 + batch * 5), INSIDE_ZONE),
                    fix(base + 1, minutes(-18 + batch * 5), INSIDE_ZONE),
                ],
            )
        )
    assert alerts() == [("exclusion_entered", f"zone:{zone.id}", minutes(-25))]
    alert = Alert.objects.get()
    assert (alert.case_id, alert.device_id, alert.severity, alert.state) == (
        order.case_id,
        device.id,
        1,
        "new",
    )
    assert alert.raised_at == NOW
    assert alert.evidence["sequence"] == 2
    assert (alert.evidence["lat"], alert.evidence["lon"]) == INSIDE_ZONE
    assert "inside the exclusion zone" in alert.evidence["reason"]
    audit = AuditEvent.objects.get(action="em.alert_raised")
    assert (audit.crn, audit.subject_id) == (order.case.person.crn, str(alert.id))


def test_leaving_and_entering_again_raises_a_second_alert() -> None:
    order = em_order()
    exclusion_zone(order)
    tag(order, "TAG-1")
    send(message("TAG-1", [fix(1, minutes(-30), INSIDE_ZONE), fix(2, minutes(-25), OUTSIDE_ZONE)]))
    send(message("TAG-1", [fix(3, minutes(-20), INSIDE_ZONE), fix(4, minutes(-15), INSIDE_ZONE)]))
    assert [a[2] for a in alerts()] == [minutes(-30), minutes(-20)]
    assert AuditEvent.objects.filter(action="em.alert_raised").count() == 2


def test_a_fix_on_the_zones_boundary_is_inside() -> None:
    order = em_order()
    exclusion_zone(order)
    tag(order, "TAG-1")
    send(message("TAG-1", [fix(1, minutes(-5), (53.408, -2.980))]))  # on the west edge
    assert [a[0] for a in alerts()] == ["exclusion_entered"]


def test_a_late_fix_inside_between_two_outside_raises_its_own_alert() -> None:
    order = em_order()
    exclusion_zone(order)
    tag(order, "TAG-1")
    send(message("TAG-1", [fix(1, minutes(-30), OUTSIDE_ZONE), fix(3, minutes(-10), OUTSIDE_ZONE)]))
    assert alerts() == []
    send(message("TAG-1", [fix(2, minutes(-20), INSIDE_ZONE)]), now=NOW + dt.timedelta(minutes=5))
    assert [a[2] for a in alerts()] == [minutes(-20)]


def test_a_late_fix_joining_an_episode_raises_nothing_more() -> None:
    order = em_order()
    exclusion_zone(order)
    tag(order, "TAG-1")
    send(message("TAG-1", [fix(1, minutes(-30), OUTSIDE_ZONE), fix(3, minutes(-10), INSIDE_ZONE)]))
    # Out of order: an earlier fix, also inside, and one outside in the same episode's middle.
    send(message("TAG-1", [fix(2, minutes(-20), INSIDE_ZONE)]))
    assert len(alerts()) == 1
    assert RuleState.objects.get(rule__startswith="zone:").state["seq"] == [1, 2, 3]


def test_two_devices_of_one_order_in_one_batch_share_the_rules_state() -> None:
    # e.g. a replacement tag fitted before the old one's last upload: one person, one episode.
    order = em_order()
    exclusion_zone(order)
    tag(order, "TAG-OLD")
    tag(order, "TAG-NEW")
    send(
        message("TAG-OLD", [fix(1, minutes(-30), INSIDE_ZONE)]),
        message("TAG-NEW", [fix(101, minutes(-20), INSIDE_ZONE)]),
    )
    assert [a[2] for a in alerts()] == [minutes(-30)]
    assert RuleState.objects.get().state["seq"] == [1, 101]


def test_a_zone_applies_only_during_its_timetable() -> None:
    order = em_order()
    # Thursday 2026-03-05: in force 13:00 to 14:00 London (GMT) only.
    exclusion_zone(order, timetable=[[3, "13:00", "14:00"]])
    tag(order, "TAG-1")
    send(message("TAG-1", [fix(1, minutes(-5), INSIDE_ZONE)]))
    assert alerts() == []
    send(message("TAG-1", [fix(2, minutes(60), INSIDE_ZONE)]), now=NOW + dt.timedelta(minutes=61))
    assert [a[2] for a in alerts()] == [minutes(60)]


def test_leaving_an_inclusion_zone() -> None:
    order = em_order()
    exclusion_zone(order, kind="inclusion", name="Liverpool")
    tag(order, "TAG-1")
    send(
        message(
            "TAG-1",
            [
                fix(1, minutes(-30), INSIDE_ZONE),
                fix(2, minutes(-20), OUTSIDE_ZONE),
                fix(3, minutes(-10), OUTSIDE_ZONE),
            ],
        )
    )
    assert [(a[0], a[2]) for a in alerts()] == [("inclusion_left", minutes(-20))]


def test_a_circle_zone() -> None:
    order = em_order()
    exclusion_zone(
        order,
        geometry={
            "type": "Circle",
            "coordinates": [INSIDE_ZONE[1], INSIDE_ZONE[0]],
            "radius_m": 100,
        },
    )
    tag(order, "TAG-1")
    near = (INSIDE_ZONE[0] + 0.0008, INSIDE_ZONE[1])  # about 89 m north
    far = (INSIDE_ZONE[0] + 0.0011, INSIDE_ZONE[1])  # about 122 m north
    send(message("TAG-1", [fix(1, minutes(-20), far)]))
    assert alerts() == []
    send(message("TAG-1", [fix(2, minutes(-10), near)]))
    assert [a[0] for a in alerts()] == ["exclusion_entered"]


def test_a_zone_the_rules_refuse_is_skipped_and_the_rest_judged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    order = em_order()
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[0, 51], [0.01, 51.01], [0.01, 51], [0, 51.01], [0, 51]]],
    }
    broken = exclusion_zone(order, name="Broken", geometry=bow_tie)
    exclusion_zone(order)
    tag(order, "TAG-1")
    result = send(message("TAG-1", [fix(1, minutes(-5), INSIDE_ZONE)]))
    assert (result.fixes_stored, result.alerts_raised) == (1, 1)
    assert f"rule zone:{broken.id} could not be built" in caplog.text


def test_a_proximity_margin_wider_than_its_radius_is_judged_with_the_radius() -> None:
    order = em_order()
    VictimProximity.objects.create(
        order=order, latitude=HOME[0], longitude=HOME[1], radius_m=50, hysteresis_m=100
    )
    tag(order, "TAG-1")
    assert send(message("TAG-1", [fix(1, minutes(-5), HOME)])).alerts_raised == 1


def test_fixes_outside_the_orders_dates_are_not_judged() -> None:
    order = em_order(starts_on=NOW.date() + dt.timedelta(days=1))
    exclusion_zone(order)
    tag(order, "TAG-1")
    result = send(message("TAG-1", [fix(1, minutes(-5), INSIDE_ZONE)]))
    assert (result.fixes_stored, result.alerts_raised) == (1, 0)


# ---- curfew --------------------------------------------------------------------------------


def test_a_gps_fix_outside_the_address_during_the_curfew_is_one_absence_per_night() -> None:
    order = em_order(curfew_latitude=HOME[0], curfew_longitude=HOME[1], curfew_buffer_m=50)
    curfew(order, starts=dt.time(11, 0), ends=dt.time(13, 0))
    tag(order, "TAG-1")
    send(message("TAG-1", [fix(1, minutes(-70), INSIDE_ZONE), fix(2, minutes(-50), HOME)]))
    assert alerts() == []  # 10:50 is before the window; 11:10 is at home
    send(
        message(
            "TAG-1",
            [
                fix(3, minutes(-30), INSIDE_ZONE),
                fix(4, minutes(-20), HOME),
                fix(5, minutes(-10), INSIDE_ZONE),
            ],
        )
    )
    assert [(a[0], a[1], a[2]) for a in alerts()] == [("curfew_absent", "curfew", minutes(-30))]


def test_an_rf_tag_out_of_range_during_the_curfew() -> None:
    order = em_order()
    curfew(order, starts=dt.time(11, 0), ends=dt.time(13, 0))
    tag(order, "RF-1", kind="rf")
    # Left at 10:50, back at 11:30: absent from 11:00, reported when the 11:30 report arrives.
    send(message("RF-1", [], [event(1, minutes(-70), "home_unit_out")]))
    assert alerts() == []
    send(message("RF-1", [], [event(2, minutes(-30), "home_unit_in")]))
    assert [(a[0], a[1], a[2]) for a in alerts()] == [("curfew_absent", "curfew:rf", minutes(-60))]


# ---- device events -------------------------------------------------------------------------


def test_tamper_once_until_restored_and_battery_once_until_charging() -> None:
    order = em_order()
    device = tag(order, "TAG-1")
    send(
        message(
            "TAG-1",
            [],
            [
                event(1, minutes(-50), "strap_tamper"),
                event(2, minutes(-45), "strap_tamper"),
                event(3, minutes(-40), "battery_low", 9),
                event(4, minutes(-35), "battery_low", 7),
            ],
        )
    )
    assert [(a[0], a[1]) for a in alerts()] == [
        ("tamper", f"tamper:{device.id}"),
        ("battery_low", f"battery:{device.id}"),
    ]
    send(
        message(
            "TAG-1",
            [],
            [event(5, minutes(-30), "strap_restored"), event(6, minutes(-25), "charging")],
        )
    )
    assert len(alerts()) == 2
    send(
        message(
            "TAG-1",
            [],
            [event(7, minutes(-20), "strap_tamper"), event(8, minutes(-15), "battery_low")],
        )
    )
    assert [a[0] for a in alerts()] == ["tamper", "battery_low", "tamper", "battery_low"]
    assert [a.severity for a in Alert.objects.order_by("id")] == [2, 4, 2, 4]


# ---- victim proximity ----------------------------------------------------------------------


def test_a_victims_fixed_address_with_hysteresis() -> None:
    order = em_order()
    VictimProximity.objects.create(
        order=order, latitude=HOME[0], longitude=HOME[1], radius_m=500, hysteresis_m=100
    )
    tag(order, "TAG-1")
    north = lambda metres: (HOME[0] + metres / 111_250, HOME[1])  # noqa: E731
    send(message("TAG-1", [fix(1, minutes(-40), north(700)), fix(2, minutes(-35), north(490))]))
    # Back out to 550 m (inside the margin) and in again: still the same episode.
    send(message("TAG-1", [fix(3, minutes(-30), north(550)), fix(4, minutes(-25), north(450))]))
    assert [(a[0], a[2]) for a in alerts()] == [("victim_proximity", minutes(-35))]
    # Beyond 600 m clears it; coming back raises a second.
    send(message("TAG-1", [fix(5, minutes(-20), north(650)), fix(6, minutes(-15), north(400))]))
    assert [a[2] for a in alerts()] == [minutes(-35), minutes(-15)]


def test_a_victims_linked_device() -> None:
    order = em_order()
    victim = tag(None, "VICTIM-1", kind="victim")
    VictimProximity.objects.create(order=order, victim_device=victim, radius_m=300)
    tag(order, "TAG-1")
    send(
        message("VICTIM-1", [fix(1, minutes(-20), INSIDE_ZONE), fix(2, minutes(-10), INSIDE_ZONE)])
    )
    send(message("TAG-1", [fix(1, minutes(-19), HOME), fix(2, minutes(-9), INSIDE_ZONE)]))
    assert [(a[0], a[2]) for a in alerts()] == [("victim_proximity", minutes(-9))]


# ---- no signal -----------------------------------------------------------------------------


def test_no_signal_once_per_silence() -> None:
    order = em_order()
    device = tag(order, "TAG-1")
    send(message("TAG-1", [fix(1, minutes(-5), HOME)]))
    assert no_signal_sweep(NOW + dt.timedelta(minutes=25)) == 0  # silent 30 minutes exactly
    assert no_signal_sweep(NOW + dt.timedelta(minutes=26)) == 1
    assert no_signal_sweep(NOW + dt.timedelta(minutes=40)) == 0  # the same silence
    assert [(a[0], a[1], a[2]) for a in alerts()] == [
        ("no_signal", f"signal:{device.id}", minutes(-5))
    ]
    send(message("TAG-1", [fix(2, minutes(45), HOME)]), now=NOW + dt.timedelta(minutes=46))
    assert no_signal_sweep(NOW + dt.timedelta(minutes=60)) == 0
    assert no_signal_sweep(NOW + dt.timedelta(minutes=76)) == 1
    assert Alert.objects.filter(kind="no_signal").count() == 2
    assert AuditEvent.objects.filter(action="em.alert_raised").count() == 2


def test_no_signal_counts_from_the_fitting_for_a_device_never_heard() -> None:
    order = em_order()
    tag(order, "TAG-1")  # fitted a day before NOW, never heard from
    tag(None, "SPARE-1")
    assert no_signal_sweep(NOW) == 1
    assert Alert.objects.get().episode_started_at == NOW - dt.timedelta(days=1)


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "ended"},
        {"ends_on": NOW.date() - dt.timedelta(days=1)},
        {
            "starts_on": NOW.date() + dt.timedelta(days=1),
            "ends_on": NOW.date() + dt.timedelta(days=9),
        },
    ],
)
def test_no_signal_not_for_an_order_not_in_force(changes: dict[str, object]) -> None:
    tag(em_order(**changes), "TAG-1")
    assert no_signal_sweep(NOW) == 0


def test_no_signal_not_for_devices_not_fitted() -> None:
    device = tag(None, "SPARE-1")
    Device.objects.filter(id=device.id).update(last_seen_at=NOW - dt.timedelta(days=2))
    assert no_signal_sweep(NOW) == 0


def test_states_forget_what_is_older_than_the_horizon() -> None:
    order = em_order()
    exclusion_zone(order)
    tag(order, "TAG-1")
    old = NOW - state_horizon() - dt.timedelta(minutes=10)
    send(
        message(
            "TAG-1",
            [
                fix(1, old, OUTSIDE_ZONE),
                fix(2, old + dt.timedelta(minutes=1), OUTSIDE_ZONE),
                fix(3, minutes(-5), OUTSIDE_ZONE),
            ],
        )
    )
    assert RuleState.objects.get().state["seq"] == [3]
