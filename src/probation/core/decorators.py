"""View decorators shared by every app that shows case data."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from probation.core.audit import audit

View = Callable[..., HttpResponse]


def case_data_view(view: View) -> View:
    """Signed-in users only; an anonymous attempt is audited as a refusal, then sent to sign in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            requested = str(kwargs.get("crn", ""))
            audit(
                None,
                "case.access_refused",
                crn=requested[:16],
                details={"reason": "anonymous", "requested": requested[:50]},
                path=request.path,
            )
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
