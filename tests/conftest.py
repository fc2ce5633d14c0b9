"""Shared fixtures: users of each kind the visibility rules distinguish, and a case to look at."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import PASSWORD, CaseFactory, UserFactory, organisation


@pytest.fixture
def nps_practitioner(db: Any) -> Any:
    return UserFactory(username="nps.po", organisation=organisation("NPS"), roles=["practitioner"])


@pytest.fixture
def crc_practitioner(db: Any) -> Any:
    """A practitioner of Merseyside CRC (C08): the CRC of the default case."""
    return UserFactory(
        username="crc08.po", organisation=organisation("CRC-C08"), roles=["practitioner"]
    )


@pytest.fixture
def other_crc_practitioner(db: Any) -> Any:
    """A practitioner of London CRC (C12): must not see Merseyside's cases."""
    return UserFactory(
        username="crc12.po", organisation=organisation("CRC-C12"), roles=["practitioner"]
    )


@pytest.fixture
def auditor(db: Any) -> Any:
    return UserFactory(username="auditor", organisation=organisation("MOJ"), roles=["auditor"])


@pytest.fixture
def administrator(db: Any) -> Any:
    return UserFactory(
        username="admin", organisation=organisation("NPS"), roles=["administrator"], is_staff=True
    )


@pytest.fixture
def crc_case(crc_practitioner: Any) -> Any:
    """An active Merseyside CRC case supervised by ``crc_practitioner``."""
    return CaseFactory(
        responsible_organisation=organisation("CRC-C08"), responsible_officer=crc_practitioner
    )


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def client_for() -> Any:
    return signed_in


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """PBKDF2 is slow by design; tests do not need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """The API's anonymous throttle counts in the cache; each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
