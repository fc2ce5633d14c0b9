"""Reads of EM orders and devices, already scoped to what the user may see.

Who sees the EM part of a case (``docs/domain/electronic-monitoring.md``; decided for
``docs/adr/0020-electronic-monitoring.md``):

* practitioners, managers, enforcement officers and auditors who can see the case at all
  (:func:`probation.people.selectors.case_lookup`, the single source of case scoping);
* monitoring operators, who read no other part of any case, see the EM part of a case only while
  it has a *live* order (active, not yet past its end date): :func:`cases_monitored_by`. The
  case's exclusion and restriction lists apply to them as to everyone.

Every read that shows a case is audited by the page (``people.access``); these functions only
read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from probation.core.identifiers import normalise_crn
from probation.courts.models import Requirement, RequirementKind, SentenceStatus
from probation.monitoring.models import (
    Alert,
    AlertState,
    Device,
    DeviceKind,
    DeviceState,
    EmOrder,
    Fitting,
    OrderStatus,
    Zone,
)
from probation.people.models import AccessKind, Case, CaseAccess
from probation.people.selectors import can_read_cases, case_lookup
from probation.rules import geo
from probation.workforce.models import RoleCode

#: Roles that read the EM part of a case through the ordinary case scoping.
EM_CASE_READING_ROLES: Final = (
    RoleCode.PRACTITIONER,
    RoleCode.ALLOCATING_MANAGER,
    RoleCode.ENFORCEMENT_OFFICER,
    RoleCode.AUDITOR,
)
#: Everyone who may open an EM page of a case at all (before the case is looked up).
EM_PAGE_ROLES: Final = (*EM_CASE_READING_ROLES, RoleCode.MONITORING_OPERATOR)
#: "Recent" alerts on the orders page: raised within this many days.
RECENT_ALERT_DAYS: Final = 7


#: Who makes and changes EM orders: staff of the organisation responsible for the case
#: (``services.py``).
ORDER_MAKING_ROLES: Final = (RoleCode.PRACTITIONER, RoleCode.ALLOCATING_MANAGER)
#: The requirements an EM order may enforce (``rules/reference.py``, ``sentences.md``).
EM_REQUIREMENT_KINDS: Final = (
    RequirementKind.CURFEW,
    RequirementKind.EXCLUSION,
    RequirementKind.ALCOHOL_ABSTINENCE_MONITORING,
)
#: Who looks after devices: operators of the EM provider that owns them
#: (``device_services.py``).
DEVICE_ROLES: Final = (RoleCode.MONITORING_OPERATOR,)
#: The device lifecycle (``device_services.py``): each step, the states it starts from, and
#: the state it leads to. Anything else is refused.
TRANSITIONS: Final[dict[str, tuple[tuple[str, ...], str]]] = {
    "fit": ((DeviceState.IN_STOCK,), DeviceState.FITTED),
    "remove": ((DeviceState.FITTED,), DeviceState.REMOVED),
    "report_lost": ((DeviceState.IN_STOCK, DeviceState.FITTED), DeviceState.LOST),
    "report_faulty": ((DeviceState.IN_STOCK, DeviceState.FITTED), DeviceState.FAULTY),
    "return_to_stock": ((DeviceState.REMOVED,), DeviceState.IN_STOCK),
}


def may_make_orders(user: Any, case: Case) -> bool:
    """Whether ``user``'s role and organisation allow changing ``case``'s orders (the services
    also check the case is visible to them)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.has_role(*ORDER_MAKING_ROLES)
        and user.organisation_id == case.responsible_organisation_id
    )


def may_manage_devices(user: Any, provider_id: int | None = None) -> bool:
    """Whether ``user`` is a monitoring operator (of ``provider_id``'s organisation, if given)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.has_role(*DEVICE_ROLES)
        and user.organisation_id is not None
        and (provider_id is None or user.organisation_id == provider_id)
    )


def allowed_steps(state: str) -> list[str]:
    """The steps a device in ``state`` may take now, in the table's order."""
    return [step for step, (sources, _) in TRANSITIONS.items() if state in sources]


def is_monitoring_operator(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.organisation_id is not None
        and user.has_role(RoleCode.MONITORING_OPERATOR)
    )


def live_orders(*, today: dt.date | None = None) -> QuerySet[EmOrder]:
    """Orders being monitored now or about to be: active and not past their end date."""
    return EmOrder.objects.filter(
        status=OrderStatus.ACTIVE, ends_on__gte=today or timezone.localdate()
    )


def cases_monitored_by(user: Any) -> QuerySet[Case]:
    """The cases whose EM part a monitoring operator may read: those with a live order, less
    the cases whose exclusion list names them or whose restriction list does not."""
    if not is_monitoring_operator(user):
        return Case.objects.none()
    live = live_orders().filter(case=OuterRef("pk"))
    excluded = CaseAccess.objects.filter(case=OuterRef("pk"), user=user, kind=AccessKind.EXCLUSION)
    permitted = CaseAccess.objects.filter(
        case=OuterRef("pk"), user=user, kind=AccessKind.RESTRICTION
    )
    return (
        Case.objects.filter(Exists(live))
        .filter(~Exists(excluded))
        .filter(Q(restricted=False) | Exists(permitted))
    )


def em_case_lookup(*, user: Any, crn: str) -> tuple[Case | None, str]:
    """The case with ``crn`` if ``user`` may read its EM part, else None and why not (for the
    audit trail only): through the case scoping for case-reading roles, through
    :func:`cases_monitored_by` for monitoring operators."""
    if can_read_cases(user):
        case, reason = case_lookup(user=user, crn=crn)
        if case is not None or not is_monitoring_operator(user):
            return case, reason
    if not is_monitoring_operator(user):
        return None, "no_case_reading_role"
    canonical = normalise_crn(crn)
    if canonical is None:
        return None, "malformed_crn"
    case = (
        cases_monitored_by(user)
        .filter(person__crn=canonical)
        .select_related("person", "responsible_organisation", "responsible_officer")
        .first()
    )
    if case is not None:
        return case, ""
    exists = Case.objects.filter(person__crn=canonical).exists()
    return None, "no_live_order" if exists else "not_found"


# -- orders -----------------------------------------------------------------------------------


def _with_parts(orders: QuerySet[EmOrder]) -> QuerySet[EmOrder]:
    since = timezone.now() - dt.timedelta(days=RECENT_ALERT_DAYS)
    return (
        orders.select_related("requirement", "curfew_address", "case__person")
        .prefetch_related(
            "curfew_windows",
            "zones",
            "proximities__victim_device",
            Prefetch(
                "devices",
                queryset=Device.objects.filter(state=DeviceState.FITTED).order_by("serial"),
                to_attr="fitted_devices",
            ),
        )
        .annotate(
            recent_alerts=Count("alerts", filter=Q(alerts__raised_at__gte=since), distinct=True),
            open_alerts=Count(
                "alerts", filter=~Q(alerts__state=AlertState.RESOLVED), distinct=True
            ),
        )
    )


def orders_of_case(case: Case) -> list[EmOrder]:
    """The case's EM orders, newest first, each with its curfew windows, zones, proximities,
    fitted devices (``fitted_devices``) and alert counts (``recent_alerts``, ``open_alerts``)."""
    return list(_with_parts(EmOrder.objects.filter(case=case)).order_by("-starts_on", "-id"))


def order_of_case(*, case: Case, order_id: int) -> EmOrder | None:
    """One order of ``case`` (None if it has no such order), with its parts."""
    return _with_parts(EmOrder.objects.filter(case=case, pk=order_id)).first()


def fittings_of_order(order: EmOrder) -> list[Fitting]:
    return list(order.fittings.select_related("device").order_by("-fitted_at"))


def alerts_of_order(order: EmOrder, *, limit: int = 10) -> list[Alert]:
    return list(order.alerts.order_by("-raised_at")[:limit])


def em_requirements(case: Case) -> list[Requirement]:
    """The requirements of the case's active sentences that an EM order may enforce."""
    return list(
        Requirement.objects.select_related("sentence")
        .filter(
            sentence__case_id=case.pk,
            sentence__status=SentenceStatus.ACTIVE,
            kind__in=EM_REQUIREMENT_KINDS,
        )
        .order_by("sentence__sentence_date", "id")
    )


def zone_shape(zone: Zone) -> geo.Zone:
    """A stored zone as the rules' :class:`probation.rules.geo.Zone` (a stored circle is
    ``{"type": "Circle", "coordinates": [lon, lat], "radius_m": r}``)."""
    geometry = zone.geometry
    if geometry.get("type") == "Circle":
        lon, lat = geometry["coordinates"]
        return geo.circle_zone(lat, lon, geometry["radius_m"], buffer_m=zone.buffer_m)
    return geo.zone_from_geojson(geometry, buffer_m=zone.buffer_m)


# -- devices ----------------------------------------------------------------------------------


def devices_of_provider(*, user: Any, state: str | None = None) -> QuerySet[Device]:
    """The devices of the operator's organisation (none for anyone else), by serial, with the
    CRN of the case each fitted device is on."""
    if not is_monitoring_operator(user):
        return Device.objects.none()
    devices = Device.objects.filter(provider_id=user.organisation_id)
    if state:
        devices = devices.filter(state=state)
    return devices.select_related("order__case__person").order_by("serial")


def stock_by_state(*, user: Any) -> dict[str, int]:
    """How many of the operator's organisation's devices are in each state (every state)."""
    counts = dict(
        devices_of_provider(user=user)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {state: counts.get(state, 0) for state in DeviceState.values}


def device_for(*, user: Any, device_id: int) -> Device | None:
    return devices_of_provider(user=user).filter(pk=device_id).first()


def fittings_of_device(device: Device) -> list[Fitting]:
    return list(
        device.fittings.select_related("order__case__person", "fitted_by", "ended_by").order_by(
            "-fitted_at"
        )
    )


def in_stock_devices(*, provider_id: int, kind: str | None = None) -> QuerySet[Device]:
    devices = Device.objects.filter(provider_id=provider_id, state=DeviceState.IN_STOCK)
    if kind:
        devices = devices.filter(kind=kind)
    return devices.order_by("serial")


def victim_device(*, serial: str) -> Device | None:
    """A victim's device by serial number (for protecting a victim on an order)."""
    return Device.objects.filter(serial=serial, kind=DeviceKind.VICTIM).first()


def fit_order_for(*, user: Any, order_id: int) -> EmOrder | None:
    """An order the operator may fit a device to: a live order of a case they may read."""
    return (
        live_orders()
        .filter(pk=order_id, case__in=cases_monitored_by(user))
        .select_related("case__person")
        .first()
    )


@dataclass(frozen=True)
class Step:
    """A step a device may take now, for the device page's buttons."""

    name: str
    label: str
    needs_time: bool
    needs_order: bool


STEP_LABELS: Final = {
    "fit": "Fit to an order",
    "remove": "Record removal",
    "report_lost": "Report lost",
    "report_faulty": "Report faulty",
    "return_to_stock": "Return to stock",
}


def steps_now(device: Device) -> list[Step]:
    """The steps the device's state allows now (``device_services.TRANSITIONS``)."""
    if device.kind == DeviceKind.VICTIM:
        steps = [s for s in allowed_steps(device.state) if s != "fit"]
    else:
        steps = allowed_steps(device.state)
    return [
        Step(s, STEP_LABELS[s], needs_time=s != "return_to_stock", needs_order=s == "fit")
        for s in steps
        if s in TRANSITIONS
    ]
