"""Who is acting in this request, for the audit records of changes made outside services.

Services are given the acting user (``by_user``). The admin and bulk paths that change staff
accounts are not, so a middleware notes the signed-in user of each request here, and the model
level audit of those paths (probation/workforce/history.py) reads it: "system" when there is no
request (a management command, a migration).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

_current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)
_service_audits: ContextVar[bool] = ContextVar("service_audits", default=False)


@contextmanager
def audited_by_service() -> Iterator[None]:
    """Inside a service that writes its own audit events: the model-level safety net (for the
    admin and bulk paths) stays quiet, so a change is recorded once, by the service."""
    token = _service_audits.set(True)
    try:
        yield
    finally:
        _service_audits.reset(token)


def in_audited_service() -> bool:
    return _service_audits.get()


def current_actor() -> Any:
    """The signed-in user of the request being served, or None."""
    request = _current_request.get()
    user = getattr(request, "user", None) if request is not None else None
    return user if user is not None and user.is_authenticated else None


def current_path() -> str:
    request = _current_request.get()
    return request.path[:500] if request is not None else ""


class CurrentActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)
