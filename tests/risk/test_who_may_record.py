"""Only the organisation responsible for a case records its assessments, reviews and
registrations, and NPS court officers before a practitioner is assigned
(probation/risk/permissions.py, docs/adr/0012-risk-escalation.md decision 6). Other readers are
offered no write action, and what they send is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.risk.models import Assessment, Registration
from probation.risk.permissions import may_record_risk
from probation.risk.services import assessment_record, registration_add, registration_end
from tests.factories import CaseFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db

BASE = {
    "assessed_on": dt.date(2025, 1, 6),
    "report_type": "fast",
    "rosh_public": "medium",
    "rosh_known_adult": "low",
    "rosh_children": "low",
    "rosh_staff": "low",
}


@pytest.fixture
def nps_case(nps_practitioner: Any) -> Any:
    return CaseFactory(
        responsible_organisation=organisation("NPS"), responsible_officer=nps_practitioner
    )


@pytest.fixture
def nps_unallocated(db: Any) -> Any:
    return CaseFactory(responsible_organisation=organisation("NPS"), responsible_officer=None)


def _user(org: str, role: str) -> Any:
    return UserFactory(organisation=organisation(org), roles=[role])


@pytest.mark.parametrize(
    ("case_name", "org", "role", "allowed"),
    [
        ("crc_case", "CRC-C08", "practitioner", True),  # the responsible CRC
        ("crc_case", "CRC-C08", "allocating_manager", True),
        ("crc_case", "NPS", "practitioner", False),  # reads every case, holds this one not
        ("crc_case", "NPS", "court_officer", False),  # a practitioner is assigned
        ("crc_case", "NPS", "allocating_manager", False),
        ("nps_case", "NPS", "practitioner", True),
        ("nps_case", "NPS", "court_officer", True),  # staff of the responsible organisation
        ("nps_case", "CRC-C08", "practitioner", False),
        ("nps_unallocated", "NPS", "court_officer", True),
        ("sentenced_case", "NPS", "court_officer", True),  # no officer yet (before allocation)
        ("sentenced_case", "NPS", "practitioner", False),
        ("sentenced_case", "CRC-C12", "court_officer", False),
    ],
)
def test_who_may_record_risk(case_name, org, role, allowed, request):
    case = request.getfixturevalue(case_name)
    assert may_record_risk(_user(org, role), case) is allowed


def test_anonymous_may_not_record(crc_case):
    from django.contrib.auth.models import AnonymousUser

    assert may_record_risk(AnonymousUser(), crc_case) is False
    assert may_record_risk(None, crc_case) is False


def test_an_nps_practitioner_may_not_assess_a_crc_case_and_nothing_is_written(
    crc_case, nps_practitioner
):
    version = crc_case.version
    with pytest.raises(PermissionDenied, match="Only the organisation responsible"):
        assessment_record(case=crc_case, by_user=nps_practitioner, **BASE)
    crc_case.refresh_from_db()
    assert crc_case.version == version
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_RECORDED).exists()


def test_a_court_officer_may_not_assess_once_a_practitioner_holds_the_case(crc_case, court_officer):
    with pytest.raises(PermissionDenied):
        assessment_record(case=crc_case, by_user=court_officer, **BASE)
    assert not Assessment.objects.exists()


def test_the_responsible_practitioner_assesses(crc_case, crc_practitioner):
    assessment = assessment_record(case=crc_case, by_user=crc_practitioner, **BASE)
    assert assessment.assessed_by == crc_practitioner


def test_registrations_of_another_organisations_case_are_refused(crc_case, nps_practitioner):
    with pytest.raises(PermissionDenied):
        registration_add(case=crc_case, kind="self_harm", by_user=nps_practitioner)
    registration = Registration.objects.create(
        case=crc_case, kind="self_harm", registered_on=dt.date(2025, 1, 6)
    )
    with pytest.raises(PermissionDenied):
        registration_end(registration=registration, by_user=nps_practitioner)
    registration.refresh_from_db()
    assert registration.ended_on is None
    assert Registration.objects.count() == 1


# Pages --------------------------------------------------------------------------------------


def test_the_overview_offers_the_assessment_only_to_the_responsible_organisation(
    crc_case, crc_practitioner, nps_practitioner, client_for
):
    url = f"/cases/{crc_case.person.crn}/"
    link = f'href="/cases/{crc_case.person.crn}/assessment/new/"'
    assert link in client_for(crc_practitioner).get(url).content.decode()
    assert link not in client_for(nps_practitioner).get(url).content.decode()


def test_the_assessment_page_tells_a_reader_who_holds_the_case_and_refuses_a_post(
    crc_case, nps_practitioner, client_for
):
    client = client_for(nps_practitioner)
    url = f"/cases/{crc_case.person.crn}/assessment/new/"
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "You cannot record an assessment on this case" in body
    assert "Merseyside" in body and "Save assessment" not in body
    response = client.post(url, {"report_type": "fast"})
    assert response.status_code == 403
    assert not Assessment.objects.exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.ROLE_REFUSED, actor=nps_practitioner, crn=crc_case.person.crn
    ).exists()


def test_the_registrations_page_offers_no_change_to_a_reader(
    crc_case, nps_practitioner, crc_practitioner, client_for
):
    registration = Registration.objects.create(
        case=crc_case, kind="self_harm", registered_on=dt.date(2025, 1, 6)
    )
    url = f"/cases/{crc_case.person.crn}/registrations/"
    reader = client_for(nps_practitioner)
    body = reader.get(url).content.decode()
    assert registration.get_kind_display() in body
    assert "/end/" not in body and 'name="kind"' not in body
    assert "/end/" in client_for(crc_practitioner).get(url).content.decode()
    response = reader.post(f"{url}{registration.pk}/end/")
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.ended_on is None
    assert reader.post(url, {"kind": "vulnerability"}).status_code == 403
    assert Registration.objects.count() == 1
