"""Writes to case access lists: who may change them, what a removal does, and the audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from probation.core.audit import AuditAction
from probation.core.errors import InvalidInput
from probation.core.models import AuditEvent
from probation.people.models import AccessKind, CaseAccess
from probation.people.services import case_access_remove, case_access_set
from tests.factories import UserFactory, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return [UserFactory(organisation=organisation("NPS")) for _ in range(2)]


def test_removing_the_last_restriction_lifts_the_restriction(crc_case, administrator, staff):
    case_access_set(case=crc_case, user=staff[0], kind="restriction", by_user=administrator)
    crc_case.refresh_from_db()
    assert crc_case.restricted
    case_access_remove(case=crc_case, user=staff[0], kind="restriction", by_user=administrator)
    crc_case.refresh_from_db()
    assert not crc_case.restricted
    assert not CaseAccess.objects.filter(case=crc_case).exists()


def test_removing_one_of_two_restrictions_keeps_the_case_restricted(crc_case, administrator, staff):
    for user in staff:
        case_access_set(case=crc_case, user=user, kind="restriction", by_user=administrator)
    case_access_remove(case=crc_case, user=staff[0], kind="restriction", by_user=administrator)
    crc_case.refresh_from_db()
    assert crc_case.restricted
    assert list(CaseAccess.objects.filter(case=crc_case).values_list("user", flat=True)) == [
        staff[1].pk
    ]


def test_removing_an_exclusion_leaves_the_restriction_flag_alone(crc_case, administrator, staff):
    case_access_set(case=crc_case, user=staff[0], kind="exclusion", by_user=administrator)
    case_access_remove(case=crc_case, user=staff[0], kind="exclusion", by_user=administrator)
    crc_case.refresh_from_db()
    assert not crc_case.restricted
    assert not CaseAccess.objects.filter(case=crc_case, kind=AccessKind.EXCLUSION).exists()


def test_a_removal_is_audited_with_whether_anything_was_removed(crc_case, administrator, staff):
    case_access_set(case=crc_case, user=staff[0], kind="exclusion", by_user=administrator)
    case_access_remove(case=crc_case, user=staff[0], kind="exclusion", by_user=administrator)
    case_access_remove(case=crc_case, user=staff[0], kind="exclusion", by_user=administrator)
    events = AuditEvent.objects.filter(action=AuditAction.CASE_EXCLUSION_REMOVED).order_by("id")
    assert [e.details["removed"] for e in events] == [True, False]
    assert {e.crn for e in events} == {crc_case.person.crn}
    assert events[0].before == {"user": staff[0].username}
    assert events[0].actor == administrator


def test_only_administrators_and_allocating_managers_change_access(
    crc_case, crc_practitioner, staff
):
    with pytest.raises(PermissionDenied):
        case_access_remove(case=crc_case, user=staff[0], kind="exclusion", by_user=crc_practitioner)
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_EXCLUSION_REMOVED).exists()


def test_an_unknown_kind_is_refused(crc_case, administrator, staff):
    with pytest.raises(InvalidInput):
        case_access_remove(case=crc_case, user=staff[0], kind="banished", by_user=administrator)


def test_a_change_to_an_access_list_outside_the_services_is_audited_too(crc_case, staff):
    """A script or bulk load that writes the lists directly still leaves a record."""
    entries = CaseAccess.objects.bulk_create(
        [CaseAccess(case=crc_case, user=staff[0], kind="exclusion", reason="bulk load")]
    )
    CaseAccess.objects.create(case=crc_case, user=staff[1], kind="restriction")
    CaseAccess.objects.filter(pk=entries[0].pk).delete()
    actions = list(
        AuditEvent.objects.filter(crn=crc_case.person.crn)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.CASE_EXCLUSION_ADDED,
        AuditAction.CASE_RESTRICTION_ADDED,
        AuditAction.CASE_EXCLUSION_REMOVED,
    ]


def test_a_change_through_the_service_is_recorded_once(crc_case, administrator, staff):
    case_access_set(case=crc_case, user=staff[0], kind="exclusion", by_user=administrator)
    assert AuditEvent.objects.filter(action=AuditAction.CASE_EXCLUSION_ADDED).count() == 1
