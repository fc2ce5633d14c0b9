"""Setting up an authenticator app, and giving its code after the password (thin views over
the services in probation/core/services.py)."""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp import login as otp_login

from probation.core.forms_two_factor import CodeForm
from probation.core.second_factor import has_second_factor
from probation.core.services import (
    second_factor_check,
    second_factor_confirm,
    second_factor_start,
)

WRONG_CODE = (
    "The code is not right. Codes change every 30 seconds: enter the one your app shows now"
)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return target if safe and target.startswith("/") else "/"


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if has_second_factor(user) and not user.is_verified():
        return redirect("core:two-factor-verify")
    device = second_factor_start(by_user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = second_factor_confirm(by_user=user, token=form.cleaned_data["code"])
        if confirmed is not None:
            otp_login(request, confirmed)
            messages.success(request, "Your authenticator app is set up.")
            return redirect(_next(request))
        form.add_error("code", WRONG_CODE)
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "core/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(qr.svg_inline(scale=5, title="QR code for your authenticator app")),  # noqa: S308 - segno's own SVG
            "secret": _grouped(b32encode(device.bin_key).decode()),
            "next": _next(request),
            "has_app": has_second_factor(user),
        },
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not has_second_factor(user):
        return redirect("core:two-factor-setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor_check(by_user=user, token=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("code", WRONG_CODE)
    return render(request, "core/two_factor_verify.html", {"form": form, "next": _next(request)})
