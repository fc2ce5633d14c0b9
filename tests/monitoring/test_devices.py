"""The device lifecycle: every transition the table allows, every one it refuses (with the state
in words), fittings opened and closed, who may act, and the audit trail
(``docs/domain/electronic-monitoring.md``: in stock → fitted → removed / lost / faulty)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from probation.core.audit import AuditAction
from probation.core.errors import Conflict, InvalidInput
from probation.core.models import AuditEvent
from probation.monitoring import device_services as ds
from probation.monitoring.models import Device, DeviceState, Fitting
from probation.monitoring.selectors import TRANSITIONS, allowed_steps, steps_now
from tests.factories import organisation
from tests.monitoring.em_setup import curfew_order, device, em_case, operator, today

pytestmark = pytest.mark.django_db

STATES = list(DeviceState.values)
#: The lifecycle from the spec and the brief, written out independently of the code's table.
EXPECTED = {
    ("in_stock", "fit"): "fitted",
    ("fitted", "remove"): "removed",
    ("in_stock", "report_lost"): "lost",
    ("fitted", "report_lost"): "lost",
    ("in_stock", "report_faulty"): "faulty",
    ("fitted", "report_faulty"): "faulty",
    ("removed", "return_to_stock"): "in_stock",
}
STEPS = ["fit", "remove", "report_lost", "report_faulty", "return_to_stock"]
ACTIONS = {
    "fit": AuditAction.DEVICE_FITTED,
    "remove": AuditAction.DEVICE_REMOVED,
    "report_lost": AuditAction.DEVICE_LOST,
    "report_faulty": AuditAction.DEVICE_FAULTY,
    "return_to_stock": AuditAction.DEVICE_ADDED,
}


@pytest.fixture
def ops() -> Any:
    return operator()


@pytest.fixture
def order(crc_practitioner) -> Any:
    return curfew_order(em_case(crc_practitioner))


def in_state(state: str, order: Any) -> Device:
    """A device in ``state``; a fitted one is on ``order`` with an open fitting from 2 hours
    ago."""
    if state != "fitted":
        return device("GPS-1000", state=state)
    tag = Device.objects.create(
        serial="GPS-1000", kind="gps", state=state, provider=organisation("EMS"), order=order
    )
    Fitting.objects.create(
        device=tag, order=order, fitted_at=timezone.now() - dt.timedelta(hours=2)
    )
    return tag


def run(step: str, tag: Device, order: Any, by_user: Any) -> Any:
    now = timezone.now()
    if step == "fit":
        return ds.device_fit(device=tag, order=order, at=now, by_user=by_user)
    if step == "return_to_stock":
        return ds.device_return_to_stock(device=tag, by_user=by_user)
    service = {
        "remove": ds.device_remove,
        "report_lost": ds.device_report_lost,
        "report_faulty": ds.device_report_faulty,
    }[step]
    return service(device=tag, at=now, by_user=by_user)


def test_the_table_is_the_lifecycle_of_the_spec() -> None:
    table = {
        (source, step): target
        for step, (sources, target) in TRANSITIONS.items()
        for source in sources
    }
    assert table == EXPECTED


@pytest.mark.parametrize(("state", "step"), sorted(EXPECTED))
def test_every_allowed_transition(state, step, order, ops):
    tag = in_state(state, order)
    run(step, tag, order, ops)
    tag.refresh_from_db()
    assert tag.state == EXPECTED[(state, step)]
    assert (tag.order_id is not None) == (tag.state == "fitted")
    event = AuditEvent.objects.get(action=ACTIONS[step])
    assert event.actor == ops
    assert event.subject_id == str(tag.pk)
    assert event.before["state"] == state
    assert event.after["state"] == EXPECTED[(state, step)]
    # The CRN when the device is, or was until this step, fitted to a case.
    on_a_case = "fitted" in (state, EXPECTED[(state, step)])
    assert event.crn == (order.case.person.crn if on_a_case else "")


@pytest.mark.parametrize(
    ("state", "step"),
    [(s, step) for s in STATES for step in STEPS if (s, step) not in EXPECTED],
)
def test_every_other_transition_is_refused_with_the_state_in_words(state, step, order, ops):
    tag = in_state(state, order)
    with pytest.raises(InvalidInput) as refused:
        run(step, tag, order, ops)
    words = "fitted to an order" if state == "fitted" else DeviceState(state).label.lower()
    assert f"GPS-1000 is {words}" in refused.value.message
    tag.refresh_from_db()
    assert tag.state == state
    assert not AuditEvent.objects.filter(action__startswith="em.device").exists()


def test_the_steps_shown_are_the_allowed_ones(order):
    for state in STATES:
        expected = {step for (source, step) in EXPECTED if source == state}
        assert set(allowed_steps(state)) == expected
        assert {s.name for s in steps_now(Device(state=state, kind="gps"))} == expected
    assert "fit" not in {s.name for s in steps_now(Device(state="in_stock", kind="victim"))}


def test_fitting_opens_and_removal_closes_a_fitting(order, ops):
    tag = device("GPS-2000")
    fitted_at = timezone.now() - dt.timedelta(hours=3)
    fitting = ds.device_fit(device=tag, order=order, at=fitted_at, by_user=ops)
    assert (fitting.order, fitting.fitted_at, fitting.fitted_by, fitting.ended_at) == (
        order,
        fitted_at,
        ops,
        None,
    )
    removed_at = timezone.now() - dt.timedelta(minutes=5)
    ds.device_remove(device=tag, at=removed_at, by_user=ops)
    fitting.refresh_from_db()
    assert (fitting.ended_at, fitting.ended_because, fitting.ended_by) == (
        removed_at,
        "removed",
        ops,
    )
    event = AuditEvent.objects.get(action=AuditAction.DEVICE_FITTED)
    assert event.crn == order.case.person.crn
    assert event.details["order_id"] == order.pk


@pytest.mark.parametrize(
    ("step", "because"), [("report_lost", "lost"), ("report_faulty", "faulty")]
)
def test_lost_or_faulty_while_fitted_ends_the_fitting(order, ops, step, because):
    tag = in_state("fitted", order)
    run(step, tag, order, ops)
    fitting = Fitting.objects.get(device=tag)
    assert fitting.ended_because == because
    assert fitting.ended_at is not None


def test_removal_before_the_fitting_is_refused(order, ops):
    tag = in_state("fitted", order)
    with pytest.raises(InvalidInput, match="cannot come off before"):
        ds.device_remove(device=tag, at=timezone.now() - dt.timedelta(hours=3), by_user=ops)


def test_a_time_in_the_future_is_refused(order, ops):
    with pytest.raises(InvalidInput, match="future"):
        ds.device_fit(
            device=device(), order=order, at=timezone.now() + dt.timedelta(hours=1), by_user=ops
        )


def test_the_order_must_be_active_and_cover_the_time(crc_practitioner, ops):
    case = em_case(crc_practitioner)
    later = curfew_order(case, starts_on=today() + dt.timedelta(days=2))
    with pytest.raises(InvalidInput, match="cannot be fitted on"):
        ds.device_fit(device=device(), order=later, at=timezone.now(), by_user=ops)
    later.status = "ended"
    later.starts_on = today() - dt.timedelta(days=5)
    later.save()
    with pytest.raises(InvalidInput, match="only to an active order"):
        ds.device_fit(device=device("GPS-3"), order=later, at=timezone.now(), by_user=ops)


def test_one_device_of_a_kind_per_order(order, ops):
    ds.device_fit(device=device("GPS-1"), order=order, at=timezone.now(), by_user=ops)
    with pytest.raises(InvalidInput, match="already has a gps tag fitted"):
        ds.device_fit(device=device("GPS-2"), order=order, at=timezone.now(), by_user=ops)
    # Another kind is fine: an RF home unit for the curfew beside the GPS tag.
    ds.device_fit(device=device("RF-1", kind="rf"), order=order, at=timezone.now(), by_user=ops)
    assert Device.objects.filter(order=order, state="fitted").count() == 2


def test_only_a_kind_the_order_needs_is_fitted(order, ops):
    with pytest.raises(InvalidInput, match="does not need a transdermal alcohol tag"):
        ds.device_fit(
            device=device("ALC-1", kind="alcohol"), order=order, at=timezone.now(), by_user=ops
        )
    with pytest.raises(InvalidInput, match="does not need a victim"):
        ds.device_fit(
            device=device("VIC-1", kind="victim"), order=order, at=timezone.now(), by_user=ops
        )


def test_a_returned_device_can_be_fitted_again_but_not_back_in_time(order, ops):
    tag = device("GPS-5")
    ds.device_fit(device=tag, order=order, at=timezone.now() - dt.timedelta(hours=5), by_user=ops)
    removed = timezone.now() - dt.timedelta(hours=2)
    ds.device_remove(device=tag, at=removed, by_user=ops)
    ds.device_return_to_stock(device=tag, by_user=ops)
    with pytest.raises(InvalidInput, match="cannot be fitted before"):
        ds.device_fit(device=tag, order=order, at=removed - dt.timedelta(hours=1), by_user=ops)
    ds.device_fit(device=tag, order=order, at=timezone.now(), by_user=ops)
    assert Fitting.objects.filter(device=tag).count() == 2


def test_adding_a_device(ops):
    tag = ds.device_add(serial=" gps-77 ", kind="gps", provider=organisation("EMS"), by_user=ops)
    assert (tag.serial, tag.state) == ("GPS-77", "in_stock")
    event = AuditEvent.objects.get(action=AuditAction.DEVICE_ADDED)
    assert event.after["serial"] == "GPS-77"
    with pytest.raises(InvalidInput, match="already recorded"):
        ds.device_add(serial="GPS-77", kind="gps", provider=organisation("EMS"), by_user=ops)
    for serial in ("", "A", "GPS 77", "G" * 41, "GPS/1"):
        with pytest.raises(InvalidInput):
            ds.device_add(serial=serial, kind="gps", provider=organisation("EMS"), by_user=ops)
    with pytest.raises(InvalidInput):
        ds.device_add(serial="GPS-78", kind="phone", provider=organisation("EMS"), by_user=ops)


def test_only_the_providers_operators_change_devices(order, crc_practitioner):
    tag = device()
    with pytest.raises(PermissionDenied):
        ds.device_fit(device=tag, order=order, at=timezone.now(), by_user=crc_practitioner)
    with pytest.raises(PermissionDenied):
        ds.device_add(
            serial="GPS-9", kind="gps", provider=organisation("EMS"), by_user=crc_practitioner
        )
    assert not AuditEvent.objects.filter(action__startswith="em.device").exists()


def test_a_stale_device_form_is_refused(order, ops):
    tag = device()
    with pytest.raises(Conflict):
        ds.device_fit(device=tag, order=order, at=timezone.now(), by_user=ops, expected_version=3)
