"""A documented way to get an API token: the signed-in user's own page, the service behind it,
and the documentation of the page and of ``drf_create_token`` for systems."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from rest_framework.authtoken.models import Token

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.core.services import api_token_create
from probation.people.selectors import can_read_cases
from probation.workforce.models import RoleCode
from tests.factories import UserFactory, organisation

pytestmark = pytest.mark.django_db

PAGE = "/account/api-token/"
KEY = re.compile(r'data-testid="api-token-key">([0-9a-f]{40})<')
README = Path(__file__).resolve().parents[2] / "README.md"


def created_key(client: Client) -> str:
    response = client.post(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    match = KEY.search(body)
    assert match is not None
    assert "It works until " in body and "(30 days), or until you sign out" in body
    return match.group(1)


class TestService:
    def test_creates_a_token_and_audits_it_without_the_key(self, crc_practitioner):
        key = api_token_create(by_user=crc_practitioner)
        assert Token.objects.get(user=crc_practitioner).key == key
        event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_CREATED)
        assert event.actor == crc_practitioner
        assert event.details == {"replaced": False}
        stored = f"{event.subject_type} {event.subject_id} {event.details} {event.path}"
        assert key not in stored

    def test_a_new_token_replaces_the_old_one(self, crc_practitioner):
        first = api_token_create(by_user=crc_practitioner)
        second = api_token_create(by_user=crc_practitioner)
        assert first != second
        assert list(Token.objects.filter(user=crc_practitioner).values_list("key", flat=True)) == [
            second
        ]
        latest = AuditEvent.objects.filter(action=AuditAction.API_TOKEN_CREATED).first()
        assert latest is not None and latest.details == {"replaced": True}

    def test_anonymous_users_get_no_token(self):
        from django.contrib.auth.models import AnonymousUser

        with pytest.raises(PermissionDenied):
            api_token_create(by_user=AnonymousUser())
        assert not Token.objects.exists()


class TestPage:
    def test_signed_out_users_are_sent_to_sign_in(self, client):
        assert client.get(PAGE)["Location"].startswith("/sign-in/")
        assert client.post(PAGE)["Location"].startswith("/sign-in/")
        assert not Token.objects.exists()

    def test_the_page_explains_the_header_and_offers_to_create_a_token(
        self, crc_practitioner, client_for
    ):
        response = client_for(crc_practitioner).get(PAGE)
        body = response.content.decode()
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "You do not have a token yet" in body
        assert "Authorization: Token &lt;your token&gt;" in body
        assert "python manage.py drf_create_token &lt;username&gt;" in body
        assert 'href="/api/v1/docs/"' in body
        assert ">Create a token</button>" in body

    def test_creating_shows_the_key_once_and_it_works_on_the_api(
        self, crc_practitioner, crc_case, client_for
    ):
        client = client_for(crc_practitioner)
        key = created_key(client)
        assert Token.objects.get(user=crc_practitioner).key == key
        api = Client().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}")
        assert api.status_code == 200
        assert api.json()["results"][0]["crn"] == crc_case.person.crn
        again = client.get(PAGE).content.decode()
        assert key not in again
        assert "You created a token on " in again
        assert "It works until " in again and ", or until you sign out" in again
        assert ">Replace your token</button>" in again

    def test_replacing_stops_the_old_key_working(self, crc_practitioner, client_for):
        client = client_for(crc_practitioner)
        old = created_key(client)
        new = created_key(client)
        assert Client().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {old}").status_code == 401
        assert Client().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {new}").status_code == 200

    def test_the_header_links_to_the_page(self, crc_practitioner, client_for):
        body = client_for(crc_practitioner).get("/cases/").content.decode()
        assert f'href="{PAGE}"' in body

    @pytest.mark.parametrize("role", list(RoleCode))
    def test_roles_that_read_no_cases_are_told_the_case_endpoints_return_nothing(
        self, role, client_for
    ):
        user = UserFactory(organisation=organisation("NPS"), roles=[role], is_staff=False)
        body = client_for(user).get(PAGE).content.decode()
        told = 'data-testid="api-token-no-cases"' in body
        assert told == (not can_read_cases(user))


class TestDocumented:
    def test_the_readme_documents_the_page_and_the_command(self):
        readme = README.read_text(encoding="utf-8")
        assert PAGE in readme
        assert "manage.py drf_create_token" in readme
        assert "Authorization: Token" in readme

    def test_the_openapi_description_documents_the_page_and_the_command(self, client):
        document = client.get("/api/v1/schema/", {"format": "json"}).json()
        description = document["info"]["description"]
        assert PAGE in description
        assert "drf_create_token" in description
        assert "Authorization: Token" in description
        assert "expires 30 days after it is made" in description
