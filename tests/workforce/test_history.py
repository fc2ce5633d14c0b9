"""Every change to a staff account is audited whatever the path: the admin, a save, a bulk
update or insert, role changes from either side."""

from __future__ import annotations

import pytest

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.workforce.models import Role, User
from tests.factories import UserFactory, organisation

pytestmark = pytest.mark.django_db


def events(action: AuditAction, user: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, subject_id=str(user.pk)).order_by("seq"))


@pytest.fixture
def superuser(db):
    return UserFactory(
        organisation=organisation("MOJ"), roles=["administrator"], is_staff=True, is_superuser=True
    )


def test_moving_a_practitioner_to_the_nps_in_the_admin_is_audited(superuser, client_for):
    practitioner = UserFactory(organisation=organisation("CRC-C08"), roles=["practitioner"])
    nps = organisation("NPS")
    client = client_for(superuser)
    url = f"/admin/workforce/user/{practitioner.pk}/change/"
    data = {
        "username": practitioner.username,
        "first_name": practitioner.first_name,
        "last_name": practitioner.last_name,
        "email": "",
        "is_active": "on",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "09:00:00",
        "organisation": str(nps.pk),
        "roles": ["practitioner"],
        "grade": "PO",
        "contracted_hours": "37.0",
        "reduction_hours": "0.0",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    [event] = events(AuditAction.USER_CHANGED, practitioner)
    assert event.actor == superuser
    assert event.before["organisation_id"] == organisation("CRC-C08").pk
    assert event.after["organisation_id"] == nps.pk
    assert event.path == url


def test_a_bulk_update_is_audited_row_by_row():
    users = [UserFactory(organisation=organisation("CRC-C08")) for _ in range(3)]
    changed = User.objects.filter(pk__in=[u.pk for u in users]).update(is_active=False)
    assert changed == 3
    for user in users:
        [event] = events(AuditAction.USER_CHANGED, user)
        assert event.before == {"is_active": True} and event.after == {"is_active": False}
        assert event.actor_label == "system"


def test_a_bulk_insert_is_audited():
    made = User.objects.bulk_create(
        [User(username=f"bulk{i}", organisation=organisation("NPS")) for i in range(2)]
    )
    for user in made:
        assert events(AuditAction.USER_CREATED, user)


def test_roles_added_and_removed_from_either_side_are_audited():
    user = UserFactory(roles=[])
    user.roles.add(Role.objects.get(code="auditor"))
    user.roles.remove(Role.objects.get(code="auditor"))
    Role.objects.get(code="practitioner").users.add(user)
    user.roles.clear()
    changes = [e.after for e in events(AuditAction.USER_ROLES_CHANGED, user)]
    assert changes == [
        {"added": ["auditor"]},
        {"removed": ["auditor"]},
        {"added": ["practitioner"]},
        {"removed": ["practitioner"]},
    ]


def test_a_password_change_is_recorded_without_the_password():
    user = UserFactory()
    user.set_password("a-new-long-password-2026")
    user.save()
    [event] = events(AuditAction.USER_CHANGED, user)
    assert event.after == {"password": "changed"}
    assert "a-new-long-password" not in str(event.before) + str(event.after)


def test_signing_in_is_not_a_change_of_account():
    user = UserFactory()
    user.last_login = user.date_joined
    user.save(update_fields=["last_login"])
    assert not events(AuditAction.USER_CHANGED, user)


def test_deleting_an_account_is_audited():
    user = UserFactory()
    pk = user.pk
    User.objects.filter(pk=pk).delete()
    assert AuditEvent.objects.filter(action=AuditAction.USER_DELETED, subject_id=str(pk)).exists()


def test_reading_the_audit_log_in_the_admin_is_audited(superuser, client_for):
    client = client_for(superuser)
    assert client.get("/admin/core/auditevent/", {"action": "user.changed"}).status_code == 200
    event = AuditEvent.objects.filter(action=AuditAction.AUDIT_SEARCHED).latest("seq")
    assert event.actor == superuser
    assert event.details == {"via": "admin", "query": {"action": "user.changed"}}
