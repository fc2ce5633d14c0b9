"""Electronic monitoring in the demo world (``probation/demo/monitoring.py``): orders for the
EM requirements with curfew addresses in their towns, zones, devices in every state, a day of
telemetry, alerts in every state, people who die, are remanded or deported while an order is
live, last month's claim reconciled against the ledger, and the ledger's stored figures for last
month and this month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from django.db.models import Count
from django.utils import timezone

from probation.courts.models import Requirement
from probation.demo.builder import BuildResult, reset_world
from probation.demo.monitoring import EM_MODELS, town_centres
from probation.monitoring import billing
from probation.monitoring.models import (
    Alert,
    AlertState,
    ClaimDay,
    Device,
    DeviceState,
    EmOrder,
    Fitting,
    Fix,
    LedgerMonth,
    PersonStatus,
    ProviderClaim,
    StatusKind,
    Zone,
)
from probation.ops.stats import collect
from probation.rules import geo
from tests.demo.worlds import rolled_back_world

pytestmark = pytest.mark.django_db

PEOPLE = 1000
AS_OF = timezone.localdate()


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[BuildResult]:
    yield from rolled_back_world(django_db_blocker, people=PEOPLE, as_of=AS_OF)


def last_month() -> dt.date:
    return (AS_OF.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def test_orders_enforce_em_requirements_with_curfews_at_home_in_its_town(world: Any) -> None:
    orders = EmOrder.objects.select_related("requirement", "curfew_address")
    assert orders.count() > 20
    assert all(
        o.requirement.kind in ("curfew", "exclusion", "alcohol_abstinence_monitoring")
        for o in orders
    )
    monitored = Requirement.objects.filter(kind="curfew", pk__in=orders.values("requirement"))
    curfews = orders.filter(requirement__kind="curfew")
    assert monitored.count() == curfews.count() > 0
    for order in curfews:
        assert order.curfew_address is not None and order.curfew_windows.count() == 7
        centre = town_centres()[order.curfew_address.town]
        far = geo.distance_m(order.curfew_latitude, order.curfew_longitude, *centre)
        assert float(far) <= 3_001
    assert orders.filter(status="active").exists() and orders.filter(status="ended").exists()


def test_exclusion_zones_are_circles_and_polygons_away_from_home(world: Any) -> None:
    kinds = {z.geometry["type"] for z in Zone.objects.all()}
    assert kinds == {"Circle", "Polygon"}


def test_devices_in_every_state_and_every_fitted_one_on_a_live_order(world: Any) -> None:
    states = dict(Device.objects.values_list("state").annotate(n=Count("pk")))
    assert set(states) == set(DeviceState.values)
    for device in Device.objects.filter(state="fitted").select_related("order"):
        assert device.order is not None and device.order.status == "active"
        assert device.fittings.filter(ended_at__isnull=True).count() == 1


def test_a_day_of_telemetry_at_home_overnight(world: Any) -> None:
    now = timezone.now()
    fixes = Fix.objects.all()
    assert fixes.count() > 1_000
    oldest = fixes.order_by("recorded_at").first()
    assert oldest is not None and now - oldest.recorded_at <= dt.timedelta(hours=24, minutes=1)
    order = (
        EmOrder.objects.filter(requirement__kind="curfew", devices__kind="gps", status="active")
        .exclude(alerts__kind="curfew_absent")
        .first()
    )
    assert order is not None
    device = order.devices.get()
    night = [
        f
        for f in Fix.objects.filter(device=device)
        if f.recorded_at.astimezone(billing.LONDON).hour in (2, 3, 4)
    ]
    assert night
    far = geo.distance_m(
        np.array([f.latitude for f in night]),
        np.array([f.longitude for f in night]),
        order.curfew_latitude,
        order.curfew_longitude,
    )
    assert float(far.max()) <= order.curfew_buffer_m


def test_alerts_of_several_kinds_in_every_state(world: Any) -> None:
    kinds = set(Alert.objects.values_list("kind", flat=True))
    assert {"exclusion_entered", "curfew_absent", "tamper", "battery_low", "no_signal"} <= kinds
    states = set(Alert.objects.values_list("state", flat=True))
    assert states == set(AlertState.values)


def test_people_die_are_remanded_or_deported_while_their_order_is_live(world: Any) -> None:
    statuses = PersonStatus.objects.all()
    assert {s.kind for s in statuses} == set(StatusKind.values)
    first, last = billing.month_days(last_month())
    for status in statuses:
        assert first <= status.starts_at.astimezone(billing.LONDON).date() <= last
        live = EmOrder.objects.filter(case__person=status.person_id, status="active")
        assert Device.objects.filter(order__in=live, state="fitted").exists()


def test_last_months_claim_is_reconciled_against_the_ledger(world: Any) -> None:
    claim = ProviderClaim.objects.get()
    assert claim.month == last_month()
    assert claim.days_rejected > 0
    reasons = {r for day in ClaimDay.objects.filter(claim=claim) for r in day.reasons}
    assert any(r.startswith("The person died on") for r in reasons)
    assert any(r.startswith("In custody from 12:00") for r in reasons)
    assert any(r.startswith("The person was removed from the country") for r in reasons)
    assert any(r.startswith("The device was fitted at") for r in reasons)
    # The claim covers every day a device was on someone, so the ledger's billable days are
    # exactly the accepted ones.
    assert claim.days_accepted == billing.billable_device_days(month=last_month())
    dead = PersonStatus.objects.filter(kind="deceased").first()
    assert dead is not None
    serials = Fitting.objects.filter(order__case__person=dead.person_id).values("device__serial")
    after_death = ClaimDay.objects.filter(
        claim=claim,
        device_serial__in=serials,
        day__gt=dead.starts_at.astimezone(billing.LONDON).date(),
    )
    assert after_death.exists() and not after_death.filter(accepted=True).exists()


def test_the_ledgers_figures_are_stored_for_last_month_and_this_month(world: Any) -> None:
    stored = {row.month: row for row in LedgerMonth.objects.filter(provider__code="EMS")}
    assert set(stored) == {last_month(), AS_OF.replace(day=1)}
    for month, row in stored.items():
        counts = billing.month_counts(month=month)
        assert (row.billable_days, row.device_days) == (counts.billable, counts.fitted)
    claim = ProviderClaim.objects.get()
    assert stored[last_month()].billable_days == claim.days_accepted
    # The claim is every day a device was on someone, so it claims exactly the judged days.
    assert stored[last_month()].device_days == claim.days_claimed


def test_probation_stats_reports_orders_devices_alerts_and_device_days(world: Any) -> None:
    counts = collect(
        [
            "em_orders",
            "em_devices_by_state",
            "em_alerts_by_kind",
            "em_alerts_by_state",
            "em_person_statuses",
            "em_device_days_last_month",
        ]
    )
    orders = counts["em_orders"]
    assert isinstance(orders, dict)
    assert orders["total"] == EmOrder.objects.count() == orders["active"] + orders["ended"]
    assert orders["for_curfew"] == EmOrder.objects.filter(requirement__kind="curfew").count()
    devices = counts["em_devices_by_state"]
    assert isinstance(devices, dict)
    assert sum(devices.values()) == Device.objects.count()
    assert devices["fitted"] == Device.objects.filter(state="fitted").count()
    by_kind, by_state = counts["em_alerts_by_kind"], counts["em_alerts_by_state"]
    assert isinstance(by_kind, dict) and isinstance(by_state, dict)
    assert sum(by_kind.values()) == sum(by_state.values()) == Alert.objects.count()
    assert by_state["resolved"] == Alert.objects.filter(state="resolved").count()
    assert counts["em_person_statuses"] == {"deceased": 1, "in_custody": 1, "removed": 1} or all(
        n >= 1
        for n in dict(counts["em_person_statuses"]).values()  # type: ignore[arg-type]
    )
    claim = ProviderClaim.objects.get()
    assert counts["em_device_days_last_month"] == {
        "billable": billing.billable_device_days(month=last_month()),
        "claimed": claim.days_claimed,
        "accepted": claim.days_accepted,
        "rejected": claim.days_rejected,
    }


def test_reset_empties_the_monitoring_tables(world: Any) -> None:
    reset_world()
    for model in EM_MODELS:
        assert not model.objects.exists(), model.__name__


def test_probation_stats_reads_the_ledgers_stored_figure(world: Any) -> None:
    """At national scale judging a month takes seconds: stats reports what the ledger stored."""
    from probation.monitoring.models import LedgerMonth

    stored = LedgerMonth.objects.filter(month=last_month())
    assert stored.exists()
    was = {row.pk: row.billable_days for row in stored}
    try:
        stored.update(billable_days=7)
        counts = collect(["em_device_days_last_month"])
        assert counts["em_device_days_last_month"]["billable"] == 7 * len(was)  # type: ignore[index]
    finally:  # the world is shared by this module's tests
        for pk, days in was.items():
            LedgerMonth.objects.filter(pk=pk).update(billable_days=days)
