"""EM pages of a case (``docs/domain/electronic-monitoring.md``): its orders with their curfew,
zones, devices and recent alerts; making an order; and an order's page, where its curfew
windows are changed, zones added (pasted as GeoJSON, drawn on a map when JavaScript runs,
or a circle) and removed, and the order ended.

Who: the case's practitioners and managers (and enforcement officers and auditors, reading)
through the ordinary case scoping, and monitoring operators while the case has a live order
(``monitoring/selectors.py``). Every view of a case and every refusal is audited with the CRN
(:func:`em_case_page`). Only staff of the responsible organisation change orders; everyone else
reads. Thin: parse, call a selector or a service, render. Every page works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static

from probation.core.audit import AuditAction, audit
from probation.core.errors import AlreadySubmitted, Conflict, DomainError
from probation.core.identifiers import normalise_crn
from probation.core.submissions import new_submission_token
from probation.monitoring import selectors, services
from probation.monitoring.forms import (
    CircleZoneForm,
    CurfewForm,
    EndOrderForm,
    GeoJsonZoneForm,
    OrderForm,
    ProximityForm,
    ZoneRemoveForm,
)
from probation.monitoring.models import EmOrder, Zone
from probation.people.access import (
    anonymous_refusal_allowed,
    anonymous_refused,
    not_available,
    role_refused,
    too_many_requests,
)
from probation.people.change_views import refused_change
from probation.people.forms import case_change_initial
from probation.people.models import Case, CaseStatus
from probation.people.selectors import can_read_cases

CaseView = Callable[..., HttpResponse]


def em_case_page(*, page: str) -> Callable[[CaseView], CaseView]:
    """Decorate an EM view of one case: ``view(request, case, **other_url_kwargs)``.

    Like :func:`probation.people.access.case_page` (signed-in users only, the role checked
    before the case is looked up, every view and refusal audited with the CRN), but the case is
    resolved by :func:`probation.monitoring.selectors.em_case_lookup`, which also lets a
    monitoring operator in while the case has a live order.
    """

    def decorate(view: CaseView) -> CaseView:
        @wraps(view)
        def wrapped(request: HttpRequest, crn: str, **kwargs: Any) -> HttpResponse:
            user: Any = request.user
            if not user.is_authenticated:
                if not anonymous_refusal_allowed(request):
                    return too_many_requests(request)
                anonymous_refused(requested=str(crn), path=request.path, details={"page": page})
                return redirect_to_login(request.get_full_path())
            if not user.has_role(*selectors.EM_PAGE_ROLES):
                role_refused(user=user, page=page, path=request.path, crn=str(crn))
                raise PermissionDenied
            case, reason = selectors.em_case_lookup(user=user, crn=str(crn))
            if case is None:
                audit(
                    user,
                    AuditAction.CASE_ACCESS_REFUSED,
                    crn=normalise_crn(str(crn)) or "",
                    details={"reason": reason, "requested": str(crn)[:50], "page": page},
                    path=request.path,
                )
                return not_available(request)
            audit(
                user,
                AuditAction.CASE_VIEWED,
                case,
                crn=case.person.crn,
                details={"page": page},
                path=request.path,
            )
            return view(request, case, **kwargs)

        wrapped.case_page = page  # type: ignore[attr-defined]
        return wrapped

    return decorate


def _refuse_unless_making(request: HttpRequest, case: Case, page: str) -> None:
    if request.method == "POST" and not selectors.may_make_orders(request.user, case):
        role_refused(user=request.user, page=page, path=request.path, crn=case.person.crn)
        raise PermissionDenied


def _may_change(request: HttpRequest, case: Case) -> bool:
    return selectors.may_make_orders(request.user, case) and case.status == CaseStatus.ACTIVE


@em_case_page(page="electronic monitoring")
def orders(request: HttpRequest, case: Case) -> HttpResponse:
    """The case's EM orders: each with its curfew, zones, devices and recent alerts."""
    return render(
        request,
        "monitoring/orders/list.html",
        {
            "case": case,
            "person": case.person,
            "orders": selectors.orders_of_case(case),
            "may_change": _may_change(request, case),
            "recent_days": selectors.RECENT_ALERT_DAYS,
            "case_link": can_read_cases(request.user),
        },
    )


_ORDER_FIELDS = {"requirement": "enforces", "source": "enforces", "windows": "from_0"}


@em_case_page(page="make an EM order")
def order_new(request: HttpRequest, case: Case) -> HttpResponse:
    _refuse_unless_making(request, case, "make an EM order")
    form = OrderForm(
        request.POST or None,
        initial=case_change_initial(case),
        requirements=selectors.em_requirements(case),
        addresses=list(case.person.addresses.all()),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        source, requirement = form.source()
        address = case.person.addresses.filter(pk=data["curfew_address"]).first()
        try:
            order = services.em_order_create(
                case=case,
                source=source,
                requirement=requirement,
                condition=data["condition"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                curfew_address=address,
                curfew_latitude=data["curfew_latitude"],
                curfew_longitude=data["curfew_longitude"],
                curfew_buffer_m=data["curfew_buffer_m"],
                trail_monitoring=data["trail_monitoring"],
                alcohol_monitoring=data["alcohol_monitoring"],
                curfew_windows=form.windows(),
                by_user=request.user,
                **form.change_guards(),
            )
        except DomainError as error:
            error.field = _ORDER_FIELDS.get(error.field or "", error.field)
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            messages.success(request, f"Electronic monitoring order {order.pk} made.")
            return redirect("monitoring:order", crn=case.person.crn, order_id=order.pk)
    return render(
        request,
        "monitoring/orders/new.html",
        {"case": case, "person": case.person, "form": form, "allowed": _may_change(request, case)},
    )


def _order_initial(order: EmOrder) -> dict[str, Any]:
    return {"order_version": order.version, "submission_token": new_submission_token()}


def _curfew_initial(order: EmOrder) -> dict[str, Any]:
    initial = _order_initial(order)
    for window in order.curfew_windows.all():
        initial[f"from_{window.weekday}"] = f"{window.starts:%H:%M}"
        initial[f"to_{window.weekday}"] = f"{window.ends:%H:%M}"
    return initial


#: The forms of the order page, by the ``action`` each posts.
_ORDER_FORMS: dict[str, Any] = {
    "curfew": CurfewForm,
    "zone_geojson": GeoJsonZoneForm,
    "zone_circle": CircleZoneForm,
    "zone_remove": ZoneRemoveForm,
    "proximity": ProximityForm,
    "end": EndOrderForm,
}
_DONE = {
    "curfew": "Curfew windows saved.",
    "zone_geojson": "Zone added.",
    "zone_circle": "Zone added.",
    "zone_remove": "Zone removed.",
    "proximity": "Victim protection added.",
    "end": "Order ended.",
}


def _order_forms(order: EmOrder) -> dict[str, Any]:
    return {
        "curfew": CurfewForm(initial=_curfew_initial(order)),
        "zone_geojson": GeoJsonZoneForm(initial=_order_initial(order), prefix="polygon"),
        "zone_circle": CircleZoneForm(initial=_order_initial(order), prefix="circle"),
        "proximity": ProximityForm(initial=_order_initial(order), prefix="proximity"),
        "end": EndOrderForm(initial=_order_initial(order)),
        "remove_initial": _order_initial(order),
    }


def _apply(action: str, form: Any, order: EmOrder, by_user: Any) -> None:
    data = form.cleaned_data
    guards = form.change_guards()
    if action == "curfew":
        services.em_curfew_windows_set(
            order=order, windows=form.windows(), by_user=by_user, **guards
        )
    elif action in ("zone_geojson", "zone_circle"):
        services.em_zone_add(
            order=order,
            kind=data["kind"],
            name=data["name"],
            geojson=form.zone_geojson(),
            buffer_m=data["buffer_m"],
            timetable=form.windows(),
            by_user=by_user,
            **guards,
        )
    elif action == "proximity":
        serial = data["victim_device"]
        victim = selectors.victim_device(serial=serial) if serial else None
        if serial and victim is None:
            raise DomainError(
                "There is no victim's device with that serial number", field="victim_device"
            )
        services.em_proximity_add(
            order=order,
            radius_m=data["radius_m"],
            hysteresis_m=data["hysteresis_m"],
            victim_device=victim,
            latitude=data["latitude"],
            longitude=data["longitude"],
            by_user=by_user,
            **guards,
        )
    elif action == "zone_remove":
        zone = Zone.objects.filter(order=order, pk=data["zone"]).first()
        if zone is None:
            raise DomainError("This zone has already been removed")
        services.em_zone_remove(zone=zone, by_user=by_user, **guards)
    else:
        services.em_order_end(order=order, on=data["on"], by_user=by_user, **guards)


def _zone_map(order: EmOrder) -> dict[str, Any]:
    """What the zone-drawing map (``static/monitoring/zone-draw.js``) needs: the order's zones
    and curfew point, drawn for context and to centre the map on, and where the project's own
    base layer is (no tile server is reached). Sent with ``json_script``: the page's Content
    Security Policy refuses inline scripts."""
    curfew = None
    if order.curfew_latitude is not None and order.curfew_longitude is not None:
        curfew = {
            "lat": order.curfew_latitude,
            "lon": order.curfew_longitude,
            "buffer_m": order.curfew_buffer_m,
        }
    return {
        "basemap": static("monitoring/basemap.geojson"),
        "curfew": curfew,
        "zones": [
            {"name": z.name, "kind": z.kind, "geometry": z.geometry, "buffer_m": z.buffer_m}
            for z in order.zones.all()
        ],
    }


_PREFIXES = {"zone_geojson": "polygon", "zone_circle": "circle", "proximity": "proximity"}
_FIELDS = {"windows": "from_0", "on": "on"}


@em_case_page(page="EM order")
def order_detail(request: HttpRequest, case: Case, order_id: int) -> HttpResponse:
    """An order: its curfew windows, zones, victim proximities, devices and fittings, recent
    alerts; for the responsible organisation's staff, the forms that change it."""
    order = selectors.order_of_case(case=case, order_id=order_id)
    if order is None:
        return not_available(request)
    _refuse_unless_making(request, case, "change an EM order")
    forms = _order_forms(order)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in _ORDER_FORMS:
            return render(
                request,
                "core/error.html",
                {"title": "That change is not one this page makes"},
                status=400,
            )
        form = _ORDER_FORMS[action](request.POST, prefix=_PREFIXES.get(action))
        forms[action] = form
        if form.is_valid():
            try:
                _apply(action, form, order, request.user)
            except AlreadySubmitted as error:
                messages.info(request, error.message)
                return redirect("monitoring:order", crn=case.person.crn, order_id=order.pk)
            except DomainError as error:
                field = _FIELDS.get(error.field or "", error.field)
                form.add_error(field if field in form.fields else None, error.message)
                if isinstance(error, Conflict):
                    form.show_current_version(EmOrder.objects.get(pk=order.pk).version)
            else:
                messages.success(request, _DONE[action])
                return redirect("monitoring:order", crn=case.person.crn, order_id=order.pk)
        forms["failed"] = form
    may_change = _may_change(request, case) and order.status == "active"
    return render(
        request,
        "monitoring/orders/order.html",
        {
            "case": case,
            "person": case.person,
            "order": order,
            "fittings": selectors.fittings_of_order(order),
            "alerts": selectors.alerts_of_order(order),
            "may_change": may_change,
            "zone_map": _zone_map(order) if may_change else None,
            **forms,
        },
    )
