"""A second factor after the password: required for administrators and auditors (set up at
their first sign-in), open to every member of staff, enforced on every page, the admin too."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from tests.factories import PASSWORD, UserFactory, organisation

pytestmark = pytest.mark.django_db


def sign_in(user) -> Client:
    client = Client()
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=offset):06d}"


@pytest.fixture
def auditor_user(db):
    return UserFactory(organisation=organisation("MOJ"), roles=["auditor"])


@pytest.fixture
def admin_user(db):
    return UserFactory(
        organisation=organisation("MOJ"), roles=["administrator"], is_staff=True, is_superuser=True
    )


@pytest.mark.parametrize("page", ["/audit/", "/admin/", "/cases/", "/api/v1/cases/"])
def test_an_auditor_without_an_app_must_set_one_up_before_anything_else(page, auditor_user):
    client = sign_in(auditor_user)
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/?next=")


def test_setting_up_the_app_confirms_it_and_opens_the_service(auditor_user):
    client = sign_in(auditor_user)
    page = client.get("/account/two-factor/?next=/audit/").content.decode()
    assert "<svg" in page and 'data-testid="totp-secret"' in page
    device = TOTPDevice.objects.get(user=auditor_user, confirmed=False)
    wrong = client.post("/account/two-factor/", {"code": "000000", "next": "/audit/"})
    assert "The code is not right" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows retries after a failure
    right = client.post("/account/two-factor/", {"code": code_for(device), "next": "/audit/"})
    assert right["Location"] == "/audit/"
    assert client.get("/audit/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    actions = list(AuditEvent.objects.filter(actor=auditor_user).values_list("action", flat=True))
    assert AuditAction.SECOND_FACTOR_FAILED in actions
    assert AuditAction.SECOND_FACTOR_ENABLED in actions


def test_at_the_next_sign_in_the_code_is_asked_for_and_checked(admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    client = sign_in(admin_user)
    assert client.get("/admin/")["Location"].startswith("/account/two-factor/verify/?next=/admin/")
    wrong = client.post("/account/two-factor/verify/", {"code": "123456", "next": "/admin/"})
    assert wrong.status_code == 200
    assert "The code is not right" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows retries after a failure
    right = client.post(
        "/account/two-factor/verify/", {"code": code_for(device), "next": "/admin/"}
    )
    assert right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_VERIFIED).exists()


def test_a_practitioner_is_not_required_to_but_may_and_is_then_asked(crc_practitioner):
    client = sign_in(crc_practitioner)
    assert client.get("/cases/").status_code == 200
    client.get("/account/two-factor/")
    device = TOTPDevice.objects.get(user=crc_practitioner)
    client.post("/account/two-factor/", {"code": code_for(device)})
    client.post("/sign-out/")
    again = sign_in(crc_practitioner)
    assert again.get("/cases/")["Location"].startswith("/account/two-factor/verify/")


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "١٢٣٤٥٦", ""])
def test_a_malformed_code_is_a_field_error(code, admin_user):
    TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    client = sign_in(admin_user)
    body = client.post("/account/two-factor/verify/", {"code": code}).content.decode()
    assert "There is a problem" in body
    assert re.search(r"Enter the (6 digits|6-digit code)", body)


def test_an_open_redirect_is_not_followed(admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    client = sign_in(admin_user)
    response = client.post(
        "/account/two-factor/verify/", {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_guessing_codes_is_slowed_down(admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    client = sign_in(admin_user)
    client.post("/account/two-factor/verify/", {"code": "000000"})
    # Straight after a wrong code even the right one is refused: each failure doubles the wait.
    refused = client.post("/account/two-factor/verify/", {"code": code_for(device)})
    assert refused.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_the_code_page_offers_no_menu_until_the_code_is_given(admin_user):
    TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    client = sign_in(admin_user)
    page = client.get("/account/two-factor/verify/").content.decode()
    assert 'href="/audit/"' not in page and 'href="/search/"' not in page


def test_every_signed_in_page_links_to_the_sign_in_code_page(crc_practitioner, client_for):
    page = client_for(crc_practitioner).get("/cases/").content.decode()
    assert 'href="/account/two-factor/"' in page


def test_someone_with_an_app_is_told_they_are_adding_another(crc_practitioner, client_for):
    client = sign_in(crc_practitioner)
    client.get("/account/two-factor/")
    device = TOTPDevice.objects.get(user=crc_practitioner)
    client.post("/account/two-factor/", {"code": code_for(device)})
    page = client.get("/account/two-factor/").content.decode()
    assert "Add another authenticator app" in page
