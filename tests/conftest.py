"""Shared fixtures: users of each kind the visibility rules distinguish, and a case to look at."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from probation.courts.models import ChargedOffence
from tests.factories import (
    CaseFactory,
    CourtEventFactory,
    PersonFactory,
    PreviousSanctionFactory,
    RequirementFactory,
    SentenceFactory,
    UserFactory,
    offence,
    organisation,
)


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
    """An active Merseyside CRC case supervised by ``crc_practitioner``.

    The surname is one no generated staff name can contain, so "the surname is not on the
    refusal page" cannot fail because the signed-in user shares it.
    """
    return CaseFactory(
        person=PersonFactory(surname="Quillfeather"),
        responsible_organisation=organisation("CRC-C08"),
        responsible_officer=crc_practitioner,
    )


def signed_in(user: Any) -> Client:
    """A client signed in as ``user`` (force_login: the sign-in form and its lockout are tested
    in tests/core/test_sign_in*.py; django-axes needs a request that ``Client.login`` lacks)."""
    client = Client()
    client.force_login(user)
    if user.has_role(*settings.SECOND_FACTOR_REQUIRED_ROLES):
        # Administrators and auditors also give a code after the password: sign in fully (the
        # second factor itself is tested in tests/core/test_second_factor.py).
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="app", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
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


@pytest.fixture
def court_officer(db: Any) -> Any:
    return UserFactory(username="court", organisation=organisation("NPS"), roles=["court_officer"])


@pytest.fixture
def sentenced_case(db: Any) -> Any:
    """A man born 17 May 1990, convicted of shop theft on 6 Jan 2025 with 4 earlier sanctions,
    the first at 16, on a 12-month community order with rehabilitation activity."""
    case = CaseFactory(person=PersonFactory(date_of_birth=dt.date(1990, 5, 17), sex="male"))
    for year in (2006, 2010, 2015, 2020):
        PreviousSanctionFactory(case=case, sanction_date=dt.date(year, 6, 1))
    event = CourtEventFactory(
        case=case, hearing_date=dt.date(2025, 1, 6), conviction_date=dt.date(2025, 1, 6)
    )
    ChargedOffence.objects.create(
        court_event=event, offence=offence("T001"), offence_date=dt.date(2024, 12, 1), is_main=True
    )
    sentence = SentenceFactory(case=case, court_event=event, sentence_date=dt.date(2025, 1, 6))
    RequirementFactory(sentence=sentence, kind="rehabilitation_activity", amount=20)
    return case


@pytest.fixture
def convicted_case(db: Any) -> Any:
    """A man born 1 January 1990, convicted on 3 March 2025 of an offence of 10 January 2025,
    not yet sentenced."""
    case = CaseFactory(person=PersonFactory(date_of_birth=dt.date(1990, 1, 1)))
    event = CourtEventFactory(case=case, hearing_date=dt.date(2025, 3, 3))
    ChargedOffence.objects.create(
        court_event=event, offence=offence("B001"), offence_date=dt.date(2025, 1, 10), is_main=True
    )
    return case


@pytest.fixture
def enforcement_officer(db: Any) -> Any:
    """An NPS enforcement officer: decides breach referrals and recall requests."""
    return UserFactory(
        username="nps.enforcement",
        organisation=organisation("NPS"),
        roles=["enforcement_officer"],
    )


@pytest.fixture
def crc_order_case(crc_practitioner: Any) -> Any:
    """``crc_case`` on an active 12-month community order passed on 2 November 2026, with 100
    hours of unpaid work and 20 rehabilitation activity days (the order is ``.sentences.get()``)."""
    case = CaseFactory(
        person=PersonFactory(surname="Quillfeather"),
        responsible_organisation=organisation("CRC-C08"),
        responsible_officer=crc_practitioner,
        opened_on=dt.date(2026, 11, 2),
    )
    event = CourtEventFactory(
        case=case, hearing_date=dt.date(2026, 11, 2), conviction_date=dt.date(2026, 11, 2)
    )
    ChargedOffence.objects.create(
        court_event=event, offence=offence("T001"), offence_date=dt.date(2026, 9, 1), is_main=True
    )
    sentence = SentenceFactory(
        case=case,
        court_event=event,
        sentence_date=dt.date(2026, 11, 2),
        expected_end_date=dt.date(2027, 11, 1),
    )
    RequirementFactory(sentence=sentence, kind="unpaid_work", amount=100)
    RequirementFactory(sentence=sentence, kind="rehabilitation_activity", amount=20)
    return case
