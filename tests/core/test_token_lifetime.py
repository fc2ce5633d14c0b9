"""API tokens expire, stop at sign-out and deactivation, and administrators list and revoke
them; every revocation is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils.html import escape
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.core.services import api_token_create
from tests.factories import UserFactory, organisation

pytestmark = pytest.mark.django_db


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_fresh_token_works_and_an_old_one_is_refused(nps_practitioner, settings):
    key = api_token_create(by_user=nps_practitioner)
    assert api(key).get("/api/v1/cases/").status_code == 200
    Token.objects.filter(key=key).update(
        created=Token.objects.get(key=key).created - dt.timedelta(days=31)
    )
    response = api(key).get("/api/v1/cases/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_signing_out_revokes_the_token(nps_practitioner, client_for):
    key = api_token_create(by_user=nps_practitioner)
    client_for(nps_practitioner).post("/sign-out/")
    assert api(key).get("/api/v1/cases/").status_code == 401
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_REVOKED)
    assert event.details == {"user": nps_practitioner.username, "reason": "signed out"}


def test_deactivating_an_account_revokes_its_token(nps_practitioner):
    key = api_token_create(by_user=nps_practitioner)
    nps_practitioner.is_active = False
    nps_practitioner.save()
    assert not Token.objects.filter(key=key).exists()
    [event] = AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED)
    assert event.details["reason"] == "deactivated"


def test_administrators_list_and_revoke_tokens_in_the_admin(nps_practitioner, client_for):
    admin = UserFactory(
        organisation=organisation("MOJ"), roles=["administrator"], is_staff=True, is_superuser=True
    )
    key = api_token_create(by_user=nps_practitioner)
    client = client_for(admin)
    listing = client.get("/admin/authtoken/tokenproxy/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert escape(str(nps_practitioner)) in body
    assert key not in body  # administrators revoke tokens; they never read them
    response = client.post(
        f"/admin/authtoken/tokenproxy/{nps_practitioner.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Token.objects.filter(key=key).exists()
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_REVOKED)
    assert event.actor == admin
    assert event.details == {"user": nps_practitioner.username, "reason": "revoked"}
