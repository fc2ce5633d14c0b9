"""Every page that reads a case refuses each kind of outsider the same way, and audits it.

Table-driven over the case pages, so a new page added to CASE_PAGES is checked the same way.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from probation.core.models import AuditEvent
from probation.people.services import case_access_set
from tests.factories import UserFactory, organisation

pytestmark = pytest.mark.django_db

CASE_PAGES = [
    "/cases/{crn}/",
    "/cases/{crn}/assessment/new/",
    "/cases/{crn}/registrations/",
    "/cases/{crn}/tier/",
    "/cases/{crn}/sentences/new/",
]

ALL_ROLES = ["practitioner", "court_officer", "allocating_manager"]


def outsider(kind: str, case: Any, administrator: Any) -> Any:
    """A user who must not see ``case``, for each way of being outside it."""
    if kind == "other_crc":
        return UserFactory(organisation=organisation("CRC-C12"), roles=ALL_ROLES)
    if kind == "excluded":
        user = UserFactory(organisation=organisation("NPS"), roles=ALL_ROLES)
        case_access_set(case=case, user=user, kind="exclusion", by_user=administrator)
        return user
    if kind == "outside_restriction":
        insider = UserFactory(organisation=organisation("NPS"), roles=ALL_ROLES)
        case_access_set(case=case, user=insider, kind="restriction", by_user=administrator)
        return UserFactory(organisation=organisation("NPS"), roles=ALL_ROLES)
    raise AssertionError(kind)


@pytest.mark.parametrize("page", CASE_PAGES)
@pytest.mark.parametrize("kind", ["other_crc", "excluded", "outside_restriction"])
def test_outsiders_are_refused_and_audited(page, kind, crc_case, administrator, client_for):
    user = outsider(kind, crc_case, administrator)
    crn = crc_case.person.crn
    response = client_for(user).get(page.format(crn=crn))
    assert response.status_code == 404
    body = response.content.decode()
    assert crc_case.person.surname not in body
    assert "We cannot show this case" in body
    event = AuditEvent.objects.get(action="case.access_refused", crn=crn, actor=user)
    assert event.path == page.format(crn=crn)


@pytest.mark.parametrize("page", CASE_PAGES)
def test_anonymous_users_are_sent_to_sign_in_and_audited(page, crc_case, client):
    crn = crc_case.person.crn
    response = client.get(page.format(crn=crn))
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert AuditEvent.objects.filter(action="case.access_refused", crn=crn, actor=None).exists()


@pytest.mark.parametrize("page", CASE_PAGES)
def test_an_nps_user_with_the_role_sees_the_page_and_the_view_is_audited(
    page, crc_case, client_for
):
    user = UserFactory(organisation=organisation("NPS"), roles=ALL_ROLES)
    crn = crc_case.person.crn
    response = client_for(user).get(page.format(crn=crn))
    assert response.status_code == 200
    assert re.search(crc_case.person.surname, response.content.decode())
    assert AuditEvent.objects.filter(action="case.viewed", crn=crn, actor=user).exists()
