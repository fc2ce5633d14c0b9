"""The search page says how many cases match and pages through all of them."""

from __future__ import annotations

import re

import pytest

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db


def crns(body: str) -> list[str]:
    return re.findall(r'href="/cases/([A-Z][0-9]{6})/"', body)


def test_ninety_matches_say_ninety_and_page_through_all(nps_practitioner, client_for):
    made = {CaseFactory(person=PersonFactory(surname="Smith")).person.crn for _ in range(90)}
    client = client_for(nps_practitioner)
    first = client.get("/search/", {"q": "Smith"}).content.decode()
    assert "90 results" in first
    assert "Showing 1 to 50 of 90 results" in first
    assert "Page 1 of 2" in first
    second = client.get("/search/", {"q": "Smith", "page": "2"}).content.decode()
    assert "Showing 51 to 90 of 90 results" in second
    assert len(crns(first)) == 50 and len(crns(second)) == 40
    assert set(crns(first)) | set(crns(second)) == made
    pages = AuditEvent.objects.filter(action=AuditAction.CASES_SEARCHED).order_by("id")
    assert [(e.details["results"], e.details["page"]) for e in pages] == [(90, 1), (90, 2)]
    assert set(pages[1].details["crns"]) == set(crns(second))


@pytest.mark.parametrize("page", ["0", "-1", "abc", "9" * 50, "٣", "2.5"])
def test_odd_page_numbers_show_a_page_not_an_error(page, nps_practitioner, client_for):
    CaseFactory(person=PersonFactory(surname="Smith"))
    response = client_for(nps_practitioner).get("/search/", {"q": "Smith", "page": page})
    assert response.status_code == 200
    assert "1 result" in response.content.decode()


def test_a_single_page_does_not_offer_paging(nps_practitioner, client_for):
    CaseFactory(person=PersonFactory(surname="Smith"))
    body = client_for(nps_practitioner).get("/search/", {"q": "Smith"}).content.decode()
    assert "Showing" not in body and "govuk-pagination" not in body
