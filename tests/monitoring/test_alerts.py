"""Alerts: who sees which (the operator only live orders of their provider's devices, the case's
readers every alert of the cases they see), the queue's order and clocks, acknowledging and
resolving with their refusals, and the evidence (the trail judged against the zones and the
curfew address). ``docs/domain/electronic-monitoring.md``, "Alerts"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from probation.core.audit import AuditAction
from probation.core.errors import Conflict, InvalidInput
from probation.core.models import AuditEvent
from probation.monitoring import alert_services as services
from probation.monitoring.alert_map import map_data, svg_map
from probation.monitoring.alert_selectors import (
    alert_clock,
    alert_evidence,
    alert_for,
    alert_queue,
    alerts_visible_to,
    duration_in_words,
    open_alerts_for_officer,
    queue_counts,
    resolved_alerts,
)
from probation.monitoring.models import Alert, AlertState, CurfewWindow, Device
from probation.people.models import AccessKind, CaseAccess
from tests.factories import UserFactory, organisation
from tests.monitoring.alert_setup import exclusion_zone, make_alert, walk_into_zone
from tests.monitoring.em_setup import curfew_order, em_case, fitted, operator

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops() -> Any:
    return operator()


@pytest.fixture
def order(crc_practitioner: Any) -> Any:
    return curfew_order(em_case(crc_practitioner))


@pytest.fixture
def tag(order: Any) -> Device:
    return fitted(order)


# -- who sees what -------------------------------------------------------------------------------


def test_operator_sees_alerts_of_live_orders_only(ops, order, tag, crc_practitioner):
    live = make_alert(order, tag)
    ended_order = curfew_order(em_case(crc_practitioner, surname="Ended"), status="ended")
    ended = make_alert(ended_order, None)
    past_order = curfew_order(
        em_case(crc_practitioner, surname="Past"),
        starts_on=timezone.localdate() - dt.timedelta(days=20),
        ends_on=timezone.localdate() - dt.timedelta(days=1),
    )
    past = make_alert(past_order, None)
    visible = set(alerts_visible_to(ops))
    assert live in visible
    assert ended not in visible and past not in visible
    # ... but the responsible officer still sees them on the case.
    officer_sees = set(alerts_visible_to(crc_practitioner))
    assert {live, ended, past} <= officer_sees


def test_operator_of_another_provider_sees_nothing(order, tag):
    other = UserFactory(organisation=organisation("NPS"), roles=["monitoring_operator"])
    make_alert(order, tag)
    assert not alerts_visible_to(other).exists()


def test_operator_on_the_case_exclusion_list_does_not_see_its_alerts(ops, order, tag):
    make_alert(order, tag)
    CaseAccess.objects.create(case=order.case, user=ops, kind=AccessKind.EXCLUSION)
    assert not alerts_visible_to(ops).exists()


def test_practitioner_of_another_crc_cannot_see_the_alert(order, tag, other_crc_practitioner):
    alert = make_alert(order, tag)
    assert not alerts_visible_to(other_crc_practitioner).exists()
    assert alert_for(for_user=other_crc_practitioner, alert_id=alert.pk) is None


def test_nps_practitioner_and_auditor_see_it(order, tag, nps_practitioner, auditor):
    alert = make_alert(order, tag)
    assert alert_for(for_user=nps_practitioner, alert_id=alert.pk) == alert
    assert alert_for(for_user=auditor, alert_id=alert.pk) == alert


def test_a_contract_manager_sees_no_alert(order, tag):
    manager = UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"])
    make_alert(order, tag)
    assert not alerts_visible_to(manager).exists()


# -- the queue -----------------------------------------------------------------------------------


def test_queue_is_most_serious_first_then_newest(ops, order, tag):
    now = timezone.now()
    battery = make_alert(order, tag, kind="battery_low", raised_at=now - dt.timedelta(minutes=1))
    old_exclusion = make_alert(order, tag, raised_at=now - dt.timedelta(hours=2))
    new_exclusion = make_alert(order, tag, raised_at=now - dt.timedelta(minutes=5))
    tamper = make_alert(order, tag, kind="tamper", raised_at=now - dt.timedelta(minutes=2))
    curfew = make_alert(order, tag, kind="curfew_absent", raised_at=now - dt.timedelta(minutes=30))
    make_alert(order, tag, kind="tamper", state="resolved", resolved_at=now)
    assert list(alert_queue(for_user=ops)) == [
        new_exclusion,
        old_exclusion,
        tamper,
        curfew,
        battery,
    ]


def test_queue_filters_by_kind_and_state(ops, order, tag):
    new = make_alert(order, tag)
    seen = make_alert(order, tag, state="acknowledged", acknowledged_at=timezone.now())
    tamper = make_alert(order, tag, kind="tamper")
    assert set(alert_queue(for_user=ops, kind="exclusion_entered")) == {new, seen}
    assert set(alert_queue(for_user=ops, state="acknowledged")) == {seen}
    assert list(alert_queue(for_user=ops, kind="tamper", state="new")) == [tamper]


def test_resolved_list_is_most_recently_resolved_first(ops, order, tag):
    now = timezone.now()
    first = make_alert(order, tag, state="resolved", resolved_at=now - dt.timedelta(hours=1))
    second = make_alert(order, tag, state="resolved", resolved_at=now)
    make_alert(order, tag)
    assert list(resolved_alerts(for_user=ops)) == [second, first]


def test_counts_and_overdue_against_the_target(ops, order, tag, settings):
    settings.EM_ALERT_ACKNOWLEDGE_MINUTES = 15
    now = timezone.now()
    make_alert(order, tag, raised_at=now - dt.timedelta(minutes=16))  # overdue
    make_alert(order, tag, raised_at=now - dt.timedelta(minutes=14))  # not yet
    make_alert(
        order,
        tag,
        raised_at=now - dt.timedelta(hours=3),
        state="acknowledged",
        acknowledged_at=now - dt.timedelta(hours=2),
    )  # late, but acknowledged: not overdue
    counts = queue_counts(alert_queue(for_user=ops), now=now)
    assert (counts.open, counts.new, counts.acknowledged, counts.overdue) == (3, 2, 1, 1)


@pytest.mark.parametrize(
    "minutes, state, overdue, words",
    [
        (0.5, "new", False, "Waiting under a minute"),
        (14, "new", False, "Waiting 14 minutes"),
        (15, "new", False, "Waiting 15 minutes"),
        (16, "new", True, "Waiting 16 minutes"),
        (125, "new", True, "Waiting 2 hours 5 minutes"),
    ],
)
def test_clock_of_a_new_alert(order, tag, settings, minutes, state, overdue, words):
    settings.EM_ALERT_ACKNOWLEDGE_MINUTES = 15
    now = timezone.now()
    alert = make_alert(order, tag, raised_at=now - dt.timedelta(minutes=minutes), state=state)
    clock = alert_clock(alert, now=now)
    assert (clock.words, clock.overdue) == (words, overdue)


def test_clock_of_acknowledged_and_resolved_alerts(order, tag):
    now = timezone.now()
    raised = now - dt.timedelta(hours=1)
    seen = make_alert(
        order,
        tag,
        raised_at=raised,
        state="acknowledged",
        acknowledged_at=raised + dt.timedelta(minutes=3),
    )
    assert alert_clock(seen, now=now).words == "Acknowledged after 3 minutes; open 1 hour"
    done = make_alert(
        order, tag, raised_at=raised, state="resolved", resolved_at=raised + dt.timedelta(days=1)
    )
    assert alert_clock(done, now=now).words == "Resolved after 1 day"


@pytest.mark.parametrize(
    "seconds, words",
    [(59, "under a minute"), (60, "1 minute"), (3600, "1 hour"), (90000, "1 day 1 hour")],
)
def test_duration_in_words(seconds, words):
    assert duration_in_words(dt.timedelta(seconds=seconds)) == words


def test_officer_sees_open_alerts_of_their_caseload_newest_first(crc_practitioner, order, tag):
    now = timezone.now()
    older = make_alert(order, tag, raised_at=now - dt.timedelta(hours=1))
    newer = make_alert(order, tag, kind="battery_low", raised_at=now)
    make_alert(order, tag, state="resolved", resolved_at=now)
    found = open_alerts_for_officer(for_user=crc_practitioner, case_ids=[order.case_id])
    assert list(found) == [newer, older]


# -- acknowledge and resolve -----------------------------------------------------------------------


def test_acknowledge_records_who_and_when_and_audits_with_the_crn(ops, order, tag):
    alert = make_alert(order, tag)
    services.alert_acknowledge(alert=alert, by_user=ops, version=0)
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED
    assert alert.acknowledged_by == ops and alert.acknowledged_at is not None
    assert alert.version == 1
    event = AuditEvent.objects.get(action=AuditAction.EM_ALERT_ACKNOWLEDGED)
    assert event.crn == order.case.person.crn
    assert event.subject_id == str(alert.pk)


def test_a_stale_version_is_refused(ops, order, tag):
    alert = make_alert(order, tag)
    services.alert_acknowledge(alert=alert, by_user=ops, version=0)
    stale = Alert.objects.get(pk=alert.pk)
    with pytest.raises(Conflict):
        services.alert_resolve(
            alert=stale, outcome="explained", note="Rang him", by_user=ops, version=0
        )
    stale.refresh_from_db()
    assert stale.state == AlertState.ACKNOWLEDGED


def test_acknowledging_twice_is_refused(ops, order, tag):
    alert = make_alert(order, tag)
    services.alert_acknowledge(alert=alert, by_user=ops, version=None)
    with pytest.raises(Conflict, match="already acknowledged"):
        services.alert_acknowledge(alert=alert, by_user=ops, version=None)
    assert AuditEvent.objects.filter(action=AuditAction.EM_ALERT_ACKNOWLEDGED).count() == 1


def test_resolve_from_acknowledged(ops, order, tag):
    alert = make_alert(order, tag)
    services.alert_acknowledge(alert=alert, by_user=ops, version=0)
    services.alert_resolve(
        alert=alert, outcome="police_informed", note="Police attended", by_user=ops, version=1
    )
    alert.refresh_from_db()
    assert (alert.state, alert.outcome, alert.outcome_note) == (
        "resolved",
        "police_informed",
        "Police attended",
    )
    event = AuditEvent.objects.get(action=AuditAction.EM_ALERT_RESOLVED)
    assert event.crn == order.case.person.crn
    assert event.details["outcome"] == "police_informed"


def test_resolving_a_new_alert_acknowledges_it_at_the_same_moment(ops, order, tag):
    alert = make_alert(order, tag)
    services.alert_resolve(
        alert=alert, outcome="false_alarm", note="GPS drift", by_user=ops, version=0
    )
    alert.refresh_from_db()
    assert alert.acknowledged_at == alert.resolved_at
    assert alert.acknowledged_by == ops


def test_a_resolved_alert_cannot_be_resolved_or_acknowledged_again(ops, order, tag):
    alert = make_alert(order, tag)
    services.alert_resolve(alert=alert, outcome="false_alarm", note="x", by_user=ops, version=0)
    with pytest.raises(Conflict):
        services.alert_resolve(
            alert=alert, outcome="explained", note="y", by_user=ops, version=None
        )
    with pytest.raises(Conflict):
        services.alert_acknowledge(alert=alert, by_user=ops, version=None)


@pytest.mark.parametrize(
    "outcome, note, field",
    [
        ("", "Rang him", "outcome"),
        ("deleted", "Rang him", "outcome"),
        ("explained", "   ", "note"),
        ("explained", "x" * 2001, "note"),
        ("explained", "bad\x00text", "note"),
    ],
)
def test_resolve_refuses_bad_input(ops, order, tag, outcome, note, field):
    alert = make_alert(order, tag)
    with pytest.raises(InvalidInput) as refused:
        services.alert_resolve(alert=alert, outcome=outcome, note=note, by_user=ops, version=0)
    assert refused.value.field == field
    alert.refresh_from_db()
    assert alert.state == AlertState.NEW


def test_a_practitioner_cannot_acknowledge(crc_practitioner, order, tag):
    alert = make_alert(order, tag)
    with pytest.raises(PermissionDenied):
        services.alert_acknowledge(alert=alert, by_user=crc_practitioner, version=0)


def test_an_operator_cannot_act_once_the_order_has_ended(ops, order, tag):
    alert = make_alert(order, tag)
    order.status = "ended"
    order.save()
    with pytest.raises(PermissionDenied):
        services.alert_acknowledge(alert=alert, by_user=ops, version=0)


def test_officer_notify_stamps_once(order, tag):
    alert = make_alert(order, tag)
    first = timezone.now() - dt.timedelta(minutes=1)
    assert services.alert_officer_notify(alert_ids=[alert.pk], now=first) == 1
    assert services.alert_officer_notify(alert_ids=[alert.pk]) == 0
    alert.refresh_from_db()
    assert alert.officer_notified_at == first


def test_no_alert_can_be_deleted_through_the_admin(admin_client: Any) -> None:
    from django.contrib import admin

    model_admin = admin.site._registry.get(Alert)
    if model_admin is None:
        return  # not registered: nothing to delete through
    assert not model_admin.has_delete_permission(None)


# -- evidence ------------------------------------------------------------------------------------


def test_evidence_judges_the_trail_against_zones_and_the_curfew_address(ops, order, tag):
    exclusion_zone(order)
    CurfewWindow.objects.create(order=order, weekday=0, starts=dt.time(19), ends=dt.time(7))
    start = timezone.now() - dt.timedelta(minutes=20)
    walk_into_zone(tag, start)
    alert = make_alert(
        order,
        tag,
        episode_started_at=start + dt.timedelta(minutes=4),
        evidence={"sequence": 5, "lat": 53.4085, "lon": -2.9820, "reason": "entered"},
    )
    evidence = alert_evidence(alert_for(for_user=ops, alert_id=alert.pk))
    assert [f.sequence for f in evidence.trail] == [1, 2, 3, 4, 5, 6]
    assert [bool(f.inside) for f in evidence.trail] == [False] * 4 + [True] * 2
    assert evidence.trail[4].inside == ("Town centre",)
    # Within the 50 m curfew buffer only at the address itself.
    assert [f.at_curfew_address for f in evidence.trail] == [True] + [False] * 5
    assert [f.is_trigger for f in evidence.trail] == [False] * 4 + [True, False]
    assert evidence.curfew is not None and evidence.curfew.windows == ["Monday 19:00 to 07:00"]
    assert [z.name for z in evidence.zones] == ["Town centre"]


def test_trail_is_bounded_in_time_and_count(ops, order, tag, monkeypatch):
    from probation.monitoring import alert_selectors

    monkeypatch.setattr(alert_selectors, "TRAIL_MAX_FIXES", 4)
    start = timezone.now() - dt.timedelta(hours=2)
    fixes = walk_into_zone(tag, start)  # minutes 0..5
    alert = make_alert(order, tag, episode_started_at=start + dt.timedelta(minutes=3))
    evidence = alert_evidence(alert)
    # Two before the start (minutes 1 and 2) and two from it (3 and 4).
    assert [f.sequence for f in evidence.trail] == [2, 3, 4, 5]
    assert evidence.truncated
    # An alert an hour later sees none of them (only 30 minutes either side).
    later = make_alert(order, tag, episode_started_at=start + dt.timedelta(minutes=70))
    assert alert_evidence(later).trail == []
    assert len(fixes) == 6


def test_the_map_draws_every_fix_zone_and_the_curfew_address(ops, order, tag):
    exclusion_zone(order)
    start = timezone.now() - dt.timedelta(minutes=20)
    walk_into_zone(tag, start)
    alert = make_alert(
        order, tag, episode_started_at=start + dt.timedelta(minutes=4), evidence={"sequence": 5}
    )
    evidence = alert_evidence(alert)
    drawn = svg_map(evidence)
    assert drawn is not None
    assert len(drawn.points) == 6 and [p.trigger for p in drawn.points].count(True) == 1
    assert len(drawn.zones) == 1 and drawn.zones[0].path.startswith("M")
    assert drawn.curfew is not None
    # Every point is inside the picture.
    assert all(0 <= p.x <= drawn.width and 0 <= p.y <= drawn.height for p in drawn.points)
    # The view is Liverpool: the land is drawn, and the town's label is on it.
    assert drawn.land
    assert "Liverpool" in [name for _, _, name in drawn.towns]
    data = map_data(evidence, basemap_url="/static/monitoring/basemap.geojson")
    assert len(data["trail"]) == 6 and data["zones"][0]["name"] == "Town centre"
    (south, west), (north, east) = data["bounds"]
    assert all(south < f["lat"] < north and west < f["lon"] < east for f in data["trail"])


def test_an_alert_with_nothing_to_place_has_no_map(order):
    order.curfew_latitude = order.curfew_longitude = None
    order.save()
    alert = make_alert(order, None, kind="battery_low")
    assert svg_map(alert_evidence(alert)) is None


def test_detection_tells_the_officer_when_it_raises_the_alert(order, tag):
    """Fixes into the zone, through ingest: the alert is raised with ``officer_notified_at``
    stamped at the raise."""
    import json

    from probation.monitoring.ingest import IncomingMessage, store_batch

    exclusion_zone(order)
    start = timezone.now() - dt.timedelta(minutes=10)
    lons = [-2.9916, -2.9850, -2.9820]
    payload = {
        "device": tag.serial,
        "fixes": [
            {
                "seq": i + 1,
                "at": (start + dt.timedelta(minutes=i)).astimezone(dt.UTC).isoformat(),
                "lat": 53.4085,
                "lon": lon,
            }
            for i, lon in enumerate(lons)
        ],
    }
    now = timezone.now()
    message = IncomingMessage(f"em/devices/{tag.serial}/telemetry", json.dumps(payload).encode())
    assert store_batch([message], now=now).alerts_raised == 1
    alert = Alert.objects.get()
    assert alert.kind == "exclusion_entered"
    assert alert.officer_notified_at == now
