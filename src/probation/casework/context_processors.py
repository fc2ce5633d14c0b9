"""Template context shared by every page: the service navigation for the signed-in user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"service_navigation": []}
    items = [
        ("My cases", reverse("people:my-cases")),
        ("Find a case", reverse("people:search")),
    ]
    if user.has_role("auditor", "administrator"):
        items.append(("Audit", reverse("core:audit")))
    if user.is_staff:
        items.append(("Admin", reverse("admin:index")))
    path = request.path
    return {
        "service_navigation": [
            {"text": text, "href": href, "active": path.startswith(href)} for text, href in items
        ]
    }
