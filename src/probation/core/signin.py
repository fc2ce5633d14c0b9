"""Sign-in protection (django-axes) and its audit.

Repeated failures lock a username, and separately an address, for a cool-off period
(``SIGN_IN_FAILURE_LIMIT`` failures, default 5; ``SIGN_IN_LOCKOUT_MINUTES``, default 15), on the
service's sign-in and the admin's alike. Every failed sign-in is audited with the username tried
and the address; a lockout is audited once per cool-off for each username and address, and the
attempts refused during it are not (they would let anyone flood the append-only trail).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from probation.core.audit import AuditAction, audit
from probation.core.ratelimit import first_in_window

TEXT_LIMIT = 150


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(getattr(request, "axes_ip_address", "") or request.META.get("REMOTE_ADDR", ""))


def _path(request: HttpRequest | None) -> str:
    return request.path[:500] if request is not None else ""


def on_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """user_login_failed: audit the attempt, unless it was refused because of a lockout.

    axes marks the request as locked out both when it was locked before this attempt and when
    this attempt is the one that locks; only in the second case has it counted the failure.
    """
    if (
        request is not None
        and getattr(request, "axes_locked_out", False)
        and getattr(request, "axes_failures_since_start", None) is None
    ):
        return
    audit(
        None,
        AuditAction.SIGN_IN_FAILED,
        details={
            "username": str(credentials.get("username", ""))[:TEXT_LIMIT],
            "address": client_address(request),
        },
        path=_path(request),
    )


def on_locked_out(
    sender: Any, request: HttpRequest | None, username: Any, ip_address: Any, **kwargs: Any
) -> None:
    """axes' user_locked_out: audit a lockout once per cool-off for a username and address."""
    name = str(username or "")[:TEXT_LIMIT]
    window = int(settings.AXES_COOLOFF_TIME.total_seconds())
    if not first_in_window(f"lockout:{name}:{ip_address}", window=window):
        return
    audit(
        None,
        AuditAction.SIGN_IN_LOCKED_OUT,
        details={
            "username": name,
            "address": str(ip_address or ""),
            "minutes": window // 60,
        },
        path=_path(request),
    )


def locked_out_response(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """What a locked-out user sees: plain words, the same whether or not the username exists."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds()) // 60
    return render(request, "core/locked_out.html", {"minutes": minutes}, status=429)
