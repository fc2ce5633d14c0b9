"""The device lifecycle: in stock → fitted (to an order) → removed / lost / faulty
(``docs/domain/electronic-monitoring.md``, "What is monitored").

Who: monitoring operators of the provider that owns the device. Every step locks the device row
(and, to fit, the order row), moves the device's ``version`` on, and is audited with the device
before and after, and with the CRN when the device is, or was until this step, fitted to a case.
A fitting is the billing ledger's fact "a device was fitted" (``rules/billing.py``), so it opens
and closes only here.

The allowed steps are the table :data:`TRANSITIONS`; anything else is refused with the device's
state in words. Decided here (for ``docs/adr/0020-electronic-monitoring.md``):

* a lost or faulty device never returns to stock (a found or repaired tag is taken into stock
  again as a device with a new record, after the provider's checks);
* a device reported lost or faulty while fitted ends its fitting at that time: the day is not
  billable from then;
* one device of a kind per order at a time, and only a kind the order needs: an RF tag needs a
  curfew location, an alcohol tag alcohol monitoring, a GPS tag a curfew location, a zone, a
  victim proximity or trail monitoring; a victim's device is never fitted to an order;
* times are when it happened, not in the future (a few minutes of clock difference allowed), and
  a fitting's end is never before its start.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probation.core.audit import AuditAction, audit, snapshot
from probation.core.errors import Conflict, InvalidInput
from probation.core.limits import date_in_words
from probation.monitoring.models import (
    Device,
    DeviceKind,
    DeviceState,
    EmOrder,
    Fitting,
    OrderStatus,
)
from probation.monitoring.selectors import TRANSITIONS, may_manage_devices
from probation.workforce.models import Organisation, OrganisationKind

#: How each step is named to people.
STEP_NAMES: Final = {
    "fit": "fitted",
    "remove": "removed",
    "report_lost": "reported lost",
    "report_faulty": "reported faulty",
    "return_to_stock": "returned to stock",
}
AUDIT_ACTIONS: Final = {
    "fit": AuditAction.DEVICE_FITTED,
    "remove": AuditAction.DEVICE_REMOVED,
    "report_lost": AuditAction.DEVICE_LOST,
    "report_faulty": AuditAction.DEVICE_FAULTY,
    # Taken into stock again: the same action as a new device, with "returned" in its details.
    "return_to_stock": AuditAction.DEVICE_ADDED,
}
SERIAL: Final = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")
#: A device's clock and the operator's may differ a little: "now" allows this much ahead.
CLOCK_SLACK: Final = dt.timedelta(minutes=5)
DEVICE_FIELDS: Final = ["serial", "kind", "state", "provider_id", "order_id", "version"]

DEVICE_CHANGED_MEANWHILE: Final = (
    "Someone else changed this device while you were working on it. Check the device, then "
    "submit again."
)


def _state_in_words(device: Device) -> str:
    if device.state == DeviceState.FITTED:
        return "fitted to an order"
    return DeviceState(device.state).label.lower()


def _lock_device(device: Device, step: str, by_user: Any, expected_version: int | None) -> Device:
    """Check the user, lock the device, refuse a stale form or a step its state does not
    allow; move the version on."""
    if not may_manage_devices(by_user, device.provider_id):
        raise PermissionDenied(
            "Only monitoring operators of the provider that owns a device change its state."
        )
    locked = Device.objects.select_for_update().get(pk=device.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(DEVICE_CHANGED_MEANWHILE)
    sources, _ = TRANSITIONS[step]
    if locked.state not in sources:
        allowed = " or ".join(DeviceState(s).label.lower() for s in sources)
        raise InvalidInput(
            f"The {locked.get_kind_display().lower()} {locked.serial} is "
            f"{_state_in_words(locked)}: it can be {STEP_NAMES[step]} only when it is {allowed}"
        )
    locked.version += 1
    return locked


def _check_time(at: Any, *, field: str = "at") -> dt.datetime:
    if not isinstance(at, dt.datetime) or timezone.is_naive(at):
        raise InvalidInput("Enter the date and time it happened", field=field)
    if at > timezone.now() + CLOCK_SLACK:
        raise InvalidInput("The time cannot be in the future", field=field)
    return at


def _when(at: dt.datetime) -> str:
    local = timezone.localtime(at)
    return f"{local:%H:%M} on {date_in_words(local.date())}"


def _crn_of(order_id: int | None) -> str:
    if order_id is None:
        return ""
    return str(
        EmOrder.objects.filter(pk=order_id).values_list("case__person__crn", flat=True).first()
        or ""
    )


def _step(
    locked: Device,
    step: str,
    *,
    by_user: Any,
    crn: str,
    before: dict[str, Any],
    details: dict[str, Any],
) -> Device:
    locked.save(update_fields=["state", "order", "version"])
    audit(
        by_user,
        AUDIT_ACTIONS[step],
        locked,
        crn=crn,
        before=before,
        after=snapshot(locked, DEVICE_FIELDS),
        details={"step": step, **details},
    )
    return locked


@transaction.atomic
def device_add(*, serial: str, kind: str, provider: Organisation, by_user: Any) -> Device:
    """Take a new device into ``provider``'s stock."""
    if not may_manage_devices(by_user, provider.pk if provider is not None else None):
        raise PermissionDenied("Only monitoring operators of the provider add its devices.")
    if provider.kind != OrganisationKind.EM_PROVIDER:
        raise InvalidInput("Devices belong to an electronic monitoring provider", field="provider")
    text = (serial or "").strip().upper() if isinstance(serial, str) else ""
    if not SERIAL.match(text):
        raise InvalidInput(
            "Enter the serial number: 3 to 40 letters, digits and hyphens, like GPS-004211",
            field="serial",
        )
    if kind not in DeviceKind.values:
        raise InvalidInput("Choose the kind of device", field="kind")
    if Device.objects.filter(serial=text).exists():
        raise InvalidInput(
            f"A device with serial number {text} is already recorded", field="serial"
        )
    device = Device.objects.create(serial=text, kind=kind, provider=provider)
    audit(
        by_user,
        AuditAction.DEVICE_ADDED,
        device,
        after=snapshot(device, DEVICE_FIELDS),
        details={"step": "add"},
    )
    return device


def _check_order_for(device: Device, order: EmOrder, at: dt.datetime) -> None:
    """The order is active on ``at``'s day, needs this kind of device, and has none fitted."""
    if order.status != OrderStatus.ACTIVE:
        raise InvalidInput(
            f"The order is {order.get_status_display().lower()}: a device is fitted only to an "
            "active order",
            field="order",
        )
    day = timezone.localdate(at)
    if not order.starts_on <= day <= order.ends_on:
        raise InvalidInput(
            f"The order runs from {date_in_words(order.starts_on)} to "
            f"{date_in_words(order.ends_on)}: a device cannot be fitted on {date_in_words(day)}",
            field="at",
        )
    needs = {
        DeviceKind.RF: order.curfew_latitude is not None,
        DeviceKind.ALCOHOL: order.alcohol_monitoring,
        DeviceKind.GPS: (
            order.curfew_latitude is not None
            or order.trail_monitoring
            or order.zones.exists()
            or order.proximities.exists()
        ),
        DeviceKind.VICTIM: False,
    }
    if not needs[DeviceKind(device.kind)]:
        raise InvalidInput(
            f"This order does not need a {device.get_kind_display().lower()}", field="order"
        )
    other = (
        Device.objects.filter(order=order, kind=device.kind, state=DeviceState.FITTED)
        .exclude(pk=device.pk)
        .first()
    )
    if other is not None:
        raise InvalidInput(
            f"The order already has a {other.get_kind_display().lower()} fitted ({other.serial}): "
            "remove it first",
            field="order",
        )


@transaction.atomic
def device_fit(
    *,
    device: Device,
    order: EmOrder,
    at: dt.datetime,
    by_user: Any,
    expected_version: int | None = None,
) -> Fitting:
    """Fit an in-stock device to an active order at ``at``: the device is fitted and a fitting
    opens."""
    locked = _lock_device(device, "fit", by_user, expected_version)
    _check_time(at)
    order_locked = (
        EmOrder.objects.select_for_update().select_related("case__person").get(pk=order.pk)
    )
    _check_order_for(locked, order_locked, at)
    last = locked.fittings.order_by("-fitted_at").first()
    if last is not None and last.ended_at is not None and at < last.ended_at:
        raise InvalidInput(
            f"The device was on another order until {_when(last.ended_at)}: it cannot be fitted "
            "before then",
            field="at",
        )
    before = snapshot(locked, DEVICE_FIELDS)
    fitting = Fitting.objects.create(
        device=locked, order=order_locked, fitted_at=at, fitted_by=by_user
    )
    locked.state = DeviceState.FITTED
    locked.order = order_locked
    _step(
        locked,
        "fit",
        by_user=by_user,
        crn=order_locked.case.person.crn,
        before=before,
        details={"order_id": order_locked.pk, "fitting_id": fitting.pk, "at": at},
    )
    return fitting


def _end_fitting(locked: Device, at: dt.datetime, because: str, by_user: Any) -> Fitting | None:
    fitting = (
        Fitting.objects.select_for_update()
        .filter(device=locked, ended_at__isnull=True)
        .order_by("-fitted_at")
        .first()
    )
    if fitting is None:
        return None
    if at < fitting.fitted_at:
        raise InvalidInput(
            f"The device was fitted at {_when(fitting.fitted_at)}: it cannot come off before then",
            field="at",
        )
    fitting.ended_at = at
    fitting.ended_because = because
    fitting.ended_by = by_user
    fitting.save(update_fields=["ended_at", "ended_because", "ended_by"])
    return fitting


def _off(
    device: Device, step: str, at: dt.datetime, by_user: Any, expected_version: int | None
) -> Device:
    """Remove, or report lost or faulty: the device leaves its order (if fitted) at ``at``."""
    locked = _lock_device(device, step, by_user, expected_version)
    _check_time(at)
    before = snapshot(locked, DEVICE_FIELDS)
    order_id = locked.order_id
    _, target = TRANSITIONS[step]
    fitting = _end_fitting(locked, at, target, by_user)
    locked.state = target
    locked.order = None
    return _step(
        locked,
        step,
        by_user=by_user,
        crn=_crn_of(order_id),
        before=before,
        details={
            "order_id": order_id,
            "fitting_id": fitting.pk if fitting is not None else None,
            "at": at,
        },
    )


@transaction.atomic
def device_remove(
    *, device: Device, at: dt.datetime, by_user: Any, expected_version: int | None = None
) -> Device:
    """Take a fitted device off at ``at``: its fitting ends."""
    return _off(device, "remove", at, by_user, expected_version)


@transaction.atomic
def device_report_lost(
    *, device: Device, at: dt.datetime, by_user: Any, expected_version: int | None = None
) -> Device:
    """A device in stock or fitted is lost (its fitting, if any, ends at ``at``)."""
    return _off(device, "report_lost", at, by_user, expected_version)


@transaction.atomic
def device_report_faulty(
    *, device: Device, at: dt.datetime, by_user: Any, expected_version: int | None = None
) -> Device:
    """A device in stock or fitted is faulty (its fitting, if any, ends at ``at``)."""
    return _off(device, "report_faulty", at, by_user, expected_version)


@transaction.atomic
def device_return_to_stock(
    *, device: Device, by_user: Any, expected_version: int | None = None
) -> Device:
    """A removed device, checked and cleaned, goes back into stock."""
    locked = _lock_device(device, "return_to_stock", by_user, expected_version)
    before = snapshot(locked, DEVICE_FIELDS)
    locked.state = DeviceState.IN_STOCK
    return _step(
        locked,
        "return_to_stock",
        by_user=by_user,
        crn="",
        before=before,
        details={"returned": True},
    )
