"""The monitoring operator's device pages: the provider's stock by state (paginated, filtered
by state), adding a device, and a device's page with its fittings and the steps its state
allows now, each a POST form (``monitoring/device_services.py``).

Only monitoring operators, and only their own organisation's devices (another provider's
device is "not found"). A page that names cases (the CRN a device is or was fitted to) audits
the read with those CRNs. Thin: parse, call a selector or a service, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from probation.core.audit import AuditAction
from probation.core.errors import DomainError
from probation.monitoring import device_services, selectors
from probation.monitoring.forms import DeviceAddForm, DeviceFilterForm, DeviceStepForm
from probation.monitoring.models import Device
from probation.people.access import reads_audited, role_refused, signed_in_case_reader
from probation.workforce.models import Organisation

PAGE_SIZE = 50
MAX_PAGE = 10_000


def _operator_only(request: HttpRequest, page: str) -> None:
    if not selectors.is_monitoring_operator(request.user):
        role_refused(user=request.user, page=page, path=request.path)
        raise PermissionDenied


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1
    return min(max(number, 1), MAX_PAGE)


def _crns_audited(request: HttpRequest, crns: set[str], what: str) -> None:
    if crns:
        reads_audited(
            user=request.user,
            action=AuditAction.CASES_LISTED,
            details={"list": what, "crns": sorted(crns)},
            path=request.path,
        )


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "core/error.html", {"title": "We cannot find that device"}, status=404)


@signed_in_case_reader
def devices(request: HttpRequest) -> HttpResponse:
    """The provider's devices by serial, with how many are in each state."""
    _operator_only(request, "devices")
    form = DeviceFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_bound and form.is_valid() else None
    page = Paginator(
        selectors.devices_of_provider(user=request.user, state=state or None), PAGE_SIZE
    ).get_page(_page_number(request))
    _crns_audited(
        request,
        {d.order.case.person.crn for d in page if d.order is not None},
        "devices",
    )
    return render(
        request,
        "monitoring/devices/list.html",
        {
            "form": form,
            "page": page,
            "stock": selectors.stock_by_state(user=request.user),
            "state": state,
        },
    )


@signed_in_case_reader
def device_new(request: HttpRequest) -> HttpResponse:
    _operator_only(request, "add a device")
    form = DeviceAddForm(request.POST or None)
    user: Any = request.user
    if request.method == "POST" and form.is_valid():
        try:
            device = device_services.device_add(
                serial=form.cleaned_data["serial"],
                kind=form.cleaned_data["kind"],
                provider=Organisation.objects.get(pk=user.organisation_id),
                by_user=user,
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Device {device.serial} taken into stock.")
            return redirect("monitoring:device", device_id=device.pk)
    return render(request, "monitoring/devices/new.html", {"form": form})


def _device_page(
    request: HttpRequest, device: Device, failed: DeviceStepForm | None = None
) -> HttpResponse:
    fittings = selectors.fittings_of_device(device)
    _crns_audited(request, {f.order.case.person.crn for f in fittings}, "device fittings")
    steps = selectors.steps_now(device)
    forms = {
        s.name: failed
        if failed is not None and failed.step == s.name
        else DeviceStepForm(step=s.name, prefix=s.name, initial={"device_version": device.version})
        for s in steps
    }
    return render(
        request,
        "monitoring/devices/device.html",
        {
            "device": device,
            "fittings": fittings,
            "steps": [{"step": s, "form": forms[s.name]} for s in steps],
            "failed": failed,
        },
    )


@signed_in_case_reader
def device_detail(request: HttpRequest, device_id: int) -> HttpResponse:
    """A device, its fittings, and the steps its state allows now."""
    _operator_only(request, "device")
    device = selectors.device_for(user=request.user, device_id=device_id)
    if device is None:
        return _not_found(request)
    return _device_page(request, device)


def _run_step(step: str, device: Device, form: DeviceStepForm, by_user: Any) -> None:
    guards = {"expected_version": form.cleaned_data.get("device_version")}
    if step == "return_to_stock":
        device_services.device_return_to_stock(device=device, by_user=by_user, **guards)
        return
    at = form.at()
    assert at is not None  # the form requires the date and time for every other step
    if step == "fit":
        order = selectors.fit_order_for(user=by_user, order_id=form.cleaned_data["order"])
        if order is None:
            raise DomainError("There is no live EM order with that number", field="order")
        device_services.device_fit(device=device, order=order, at=at, by_user=by_user, **guards)
        return
    service = {
        "remove": device_services.device_remove,
        "report_lost": device_services.device_report_lost,
        "report_faulty": device_services.device_report_faulty,
    }[step]
    service(device=device, at=at, by_user=by_user, **guards)


@require_POST
@signed_in_case_reader
def device_step(request: HttpRequest, device_id: int, step: str) -> HttpResponse:
    """One step of the lifecycle, from a button on the device page."""
    _operator_only(request, "change a device")
    device = selectors.device_for(user=request.user, device_id=device_id)
    if device is None or step not in selectors.TRANSITIONS:
        return _not_found(request)
    form = DeviceStepForm(request.POST, step=step, prefix=step)
    if form.is_valid():
        try:
            _run_step(step, device, form, request.user)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            device.refresh_from_db()
            messages.success(
                request,
                f"Device {device.serial} {device_services.STEP_NAMES[step]}.",
            )
            return redirect("monitoring:device", device_id=device.pk)
    return _device_page(request, device, failed=form)
