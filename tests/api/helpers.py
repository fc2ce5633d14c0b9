"""Assertions shared by the API tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from probation.core.models import AuditEvent

API = "/api/v1"
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance"}

# A valid OGRS3 calculator request (shop theft, fifth sanction), for tests to vary.
OGRS3_REQUEST = {
    "sex": "male",
    "date_of_birth": "1990-05-17",
    "conviction_date": "2025-01-06",
    "follow_up_start": "2025-01-06",
    "total_sanctions": 5,
    "first_sanction_age": 16,
    "offence_category": "theft",
}


def detail_url(kind: str, crn: str) -> str:
    """The detail URL of ``kind`` ("persons" or "cases") for any text, safely quoted."""
    return f"{API}/{kind}/{quote(crn, safe='')}/"


def list_url(kind: str) -> str:
    return f"{API}/{kind}/"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 7807 problem with this status; returns its body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) >= PROBLEM_MEMBERS, body
    assert body["status"] == status
    assert body["type"].startswith(("https://", "about:blank"))
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    return dict(body)


def without_instance(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "instance"}


def listed_crns(response: Any) -> set[str]:
    assert response.status_code == 200, response.content[:500]
    return {item["crn"] for item in response.json()["results"]}


def refusals(crn: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="case.access_refused", crn=crn).order_by("id"))


def views(crn: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="case.viewed", crn=crn).order_by("id"))
