"""What a new user tripped on: a form refused by the CSRF check (e.g. signing in from a second tab
after the first) gets a page in plain words, audited; signing out says so."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def form_token(client: Client, path: str) -> str:
    match = CSRF_TOKEN.search(client.get(path).content.decode())
    assert match is not None
    return match.group(1)


class TestRefusedForm:
    def test_a_form_without_a_token_gets_a_plain_page_and_is_audited(self, db):
        client = Client(enforce_csrf_checks=True)
        response = client.post("/sign-in/", {"username": "someone", "password": "x"})
        body = response.content.decode()
        assert response.status_code == 403
        assert "Sorry, we could not accept that form" in body
        assert "Nothing you entered in it has been saved" in body
        assert 'href="/sign-in/"' in body
        assert 'class="govuk-header' in body or 'class="moj-header' in body  # the GOV.UK layout
        event = AuditEvent.objects.get(action=AuditAction.CSRF_REFUSED)
        assert event.actor is None and event.actor_label == "anonymous"
        assert event.details == {"reason": "CSRF cookie not set.", "path": "/sign-in/"}
        assert event.path == "/sign-in/"

    def test_signing_in_from_a_second_tab_after_the_first_says_you_are_signed_in(
        self, crc_practitioner
    ):
        client = Client(enforce_csrf_checks=True)
        first_tab = form_token(client, "/sign-in/")
        second_tab = form_token(client, "/sign-in/")
        credentials = {"username": crc_practitioner.username, "password": PASSWORD}
        assert (
            client.post("/sign-in/", {**credentials, "csrfmiddlewaretoken": first_tab}).status_code
            == 302
        )
        response = client.post("/sign-in/", {**credentials, "csrfmiddlewaretoken": second_tab})
        body = response.content.decode()
        assert response.status_code == 403
        assert "signed in or out in another tab" in body
        assert f"You are signed in as {crc_practitioner.get_full_name()}" in body
        assert 'href="/">Go to your home page</a>' in body
        event = AuditEvent.objects.get(action=AuditAction.CSRF_REFUSED)
        assert event.actor == crc_practitioner
        assert event.details["reason"] == "CSRF token from POST incorrect."


def test_signing_out_says_you_have_signed_out_on_the_sign_in_page(crc_practitioner, client_for):
    response = client_for(crc_practitioner).post("/sign-out/", follow=True)
    body = response.content.decode()
    assert response.request["PATH_INFO"] == "/sign-in/"
    assert 'class="govuk-notification-banner govuk-notification-banner--success"' in body
    assert "You have signed out" in body
    # Only once: the next page does not repeat it.
    assert "You have signed out" not in response.client.get("/sign-in/").content.decode()
