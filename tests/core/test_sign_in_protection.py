"""Repeated failed sign-ins lock the username and the address, on the service and the admin;
failures and lockouts are audited, without letting anyone flood the trail."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from tests.factories import PASSWORD, UserFactory, organisation

pytestmark = pytest.mark.django_db


def attempt(client: Client, url: str, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("url", ["/sign-in/", "/admin/login/"])
def test_thirty_wrong_passwords_then_the_right_one_is_still_refused(url):
    user = UserFactory(organisation=organisation("MOJ"), roles=["administrator"], is_staff=True)
    client = Client()
    statuses = [attempt(client, url, user.username, "wrong").status_code for _ in range(30)]
    assert statuses[:4] == [200] * 4  # the form again, with its error
    assert set(statuses[5:]) == {429}
    right = attempt(client, url, user.username, PASSWORD)
    assert right.status_code == 429
    assert "Too many attempts to sign in" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_every_failure_before_the_lockout_is_audited_and_the_lockout_once():
    user = UserFactory()
    client = Client()
    for _ in range(12):
        attempt(client, "/sign-in/", user.username, "wrong")
    failures = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED)
    assert failures.count() == 5
    assert {e.details["username"] for e in failures} == {user.username}
    assert {e.details["address"] for e in failures} == {"10.0.0.1"}
    lockouts = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_LOCKED_OUT)
    assert lockouts.count() == 1
    assert lockouts.get().details["minutes"] == 15
    assert "wrong" not in str([e.details for e in failures])  # never the password tried


def test_one_address_trying_many_usernames_is_locked_out():
    client = Client()
    users = [UserFactory() for _ in range(6)]
    for user in users[:5]:
        attempt(client, "/sign-in/", user.username, "wrong", address="10.9.9.9")
    response = attempt(client, "/sign-in/", users[5].username, PASSWORD, address="10.9.9.9")
    assert response.status_code == 429


def test_a_locked_username_is_locked_from_another_address_too():
    user = UserFactory()
    for _ in range(5):
        attempt(Client(), "/sign-in/", user.username, "wrong", address="10.0.0.1")
    response = attempt(Client(), "/sign-in/", user.username, PASSWORD, address="10.0.0.2")
    assert response.status_code == 429


def test_a_success_before_the_limit_resets_the_count():
    user = UserFactory()
    client = Client()
    for _ in range(4):
        attempt(client, "/sign-in/", user.username, "wrong")
    assert attempt(client, "/sign-in/", user.username, PASSWORD).status_code == 302
    client.post("/sign-out/")
    for _ in range(4):
        attempt(client, "/sign-in/", user.username, "wrong")
    assert attempt(client, "/sign-in/", user.username, PASSWORD).status_code == 302


def test_the_lockout_page_is_the_same_for_a_username_that_does_not_exist():
    real = UserFactory()
    pages = []
    for username, address in ((real.username, "10.1.1.1"), ("nobody-at-all", "10.2.2.2")):
        client = Client()
        for _ in range(6):
            response = attempt(client, "/sign-in/", username, "wrong", address=address)
        pages.append(re.sub(r'nonce="[^"]+"', "", response.content.decode().split("<main", 1)[1]))
    assert pages[0] == pages[1]
