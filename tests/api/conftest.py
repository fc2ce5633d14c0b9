"""Fixtures for the API tests: clients authenticated the ways real callers are."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import CaseFactory, UserFactory, organisation


def token_client(user: Any) -> APIClient:
    """A client that authenticates as a system does: ``Authorization: Token <key>``."""
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api_for() -> Any:
    return token_client


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def merseyside_colleague(db: Any) -> Any:
    """Another Merseyside CRC practitioner: same organisation as the default case."""
    return UserFactory(
        username="crc08.colleague", organisation=organisation("CRC-C08"), roles=["practitioner"]
    )


@pytest.fixture
def london_case(db: Any) -> Any:
    """An active London CRC (C12) case."""
    return CaseFactory(responsible_organisation=organisation("CRC-C12"))
