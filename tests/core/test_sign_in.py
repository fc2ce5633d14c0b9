"""Signing in and out, with GOV.UK error messages."""

from __future__ import annotations

import pytest
from django.test import Client

from probation.core.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_signing_in_goes_to_the_to_do_list_and_is_audited(crc_practitioner):
    client = Client()
    response = client.post(
        "/sign-in/", {"username": crc_practitioner.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).request["PATH_INFO"] == "/todo/"
    assert AuditEvent.objects.filter(action="user.signed_in", actor=crc_practitioner).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "", "password": ""}, "Enter your username"),
        ({"username": "someone", "password": ""}, "Enter your password"),
        ({"username": "nobody", "password": "wrong"}, "Enter a correct username and password"),
        ({"username": "x" * 10_000, "password": "y"}, "There is a problem"),
        ({"username": "<script>alert(1)</script>", "password": "y"}, "Enter a correct username"),
    ],
)
def test_bad_sign_in_shows_the_error_summary(db, data, message):
    response = Client().post("/sign-in/", data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert message in body
    assert "<script>alert(1)</script>" not in body


def test_signing_out_needs_a_post(crc_practitioner, client_for):
    client = client_for(crc_practitioner)
    assert client.get("/sign-out/").status_code == 405
    assert client.post("/sign-out/").status_code == 302
    assert client.get("/cases/").status_code == 302


def test_home_sends_anonymous_users_to_sign_in(client):
    assert client.get("/")["Location"] == "/sign-in/"


def test_health_check(client):
    assert client.get("/healthz").json() == {"status": "ok"}
