"""Schemathesis against the API's own OpenAPI schema: no 5xx, no response the schema does not
document, for every operation, as three kinds of caller.

The schema is loaded from ``/api/v1/schema/`` of the Django WSGI application itself, and every
request goes to that application in this process (no server, no network), inside the test's
database transaction. Callers: anonymous, an NPS practitioner and a Merseyside CRC practitioner
(token auth), with a case of each organisation in the database.

Bounded: at most 25 generated examples per operation and phase (``MAX_EXAMPLES``), derandomised
so that CI runs the same requests every time, plus schemathesis's coverage phase (boundary and
negative values from the schema). The whole file takes well under two minutes.
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Iterable
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from probation.courts.models import ChargedOffence
from tests.factories import (
    AddressFactory,
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

SCHEMA_PATH = "/api/v1/schema/?format=json"
MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20141101,  # Transforming Rehabilitation's contracts began on 1 November 2014
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "checks": {
            "enabled": False,
            **{check.__name__: {"enabled": True} for check in CHECKS},
        },
        "suppress-health-check": ["all"],
    }
)
ROLES = ["anonymous", "nps_practitioner", "crc_practitioner"]

#: (role, operation) -> status codes seen; printed with ``-s`` or ``-rA``, read by the report.
SEEN: dict[tuple[str, str], collections.Counter[int]] = collections.defaultdict(collections.Counter)


class InTransactionWSGIHandler(WSGIHandler):
    """Django's WSGI handler for requests inside a test's transaction.

    A real handler closes the database connection when a request finishes, which would end the
    test's transaction; like Django's test client, this one keeps it open.
    """

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = super().__call__(environ, start_response)
            try:
                body = b"".join(response)
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return [body]


def _full_case(*, responsible: str, officer: Any) -> Any:
    """A case with everything the representations show: aliases, addresses, sentences,
    requirements, court events with offences, previous sanctions."""
    person = PersonFactory(date_of_birth=dt.date(1988, 2, 29), pnc_number=None)
    case = CaseFactory(
        person=person,
        responsible_organisation=organisation(responsible),
        responsible_officer=officer,
    )
    AddressFactory(person=person)
    PreviousSanctionFactory(case=case, sanction_date=dt.date(2010, 6, 1))
    event = CourtEventFactory(
        case=case, hearing_date=dt.date(2025, 1, 6), conviction_date=dt.date(2025, 1, 6)
    )
    ChargedOffence.objects.create(
        court_event=event, offence=offence("T001"), offence_date=dt.date(2024, 12, 1), is_main=True
    )
    sentence = SentenceFactory(case=case, court_event=event, sentence_date=dt.date(2025, 1, 6))
    RequirementFactory(sentence=sentence, kind="unpaid_work", amount=120)
    return case


@pytest.fixture
def callers(db: Any) -> dict[str, dict[str, str]]:
    """The headers of each kind of caller, with a case for each practitioner to find."""
    nps = UserFactory(username="st.nps", organisation=organisation("NPS"), roles=["practitioner"])
    crc = UserFactory(
        username="st.crc08", organisation=organisation("CRC-C08"), roles=["practitioner"]
    )
    _full_case(responsible="NPS", officer=nps)
    _full_case(responsible="CRC-C08", officer=crc)
    _full_case(responsible="CRC-C08", officer=None)

    def token(user: Any) -> dict[str, str]:
        return {"Authorization": f"Token {Token.objects.create(user=user).key}"}

    return {"anonymous": {}, "nps_practitioner": token(nps), "crc_practitioner": token(crc)}


@pytest.fixture
def api_schema(db: Any) -> Any:
    return schemathesis.openapi.from_wsgi(SCHEMA_PATH, InTransactionWSGIHandler(), config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


def conforms(case: Any, role: str, callers: dict[str, dict[str, str]]) -> None:
    # Each example on its own: no Idempotency-Key stored by an earlier one (a reused key is a
    # 422, tested in test_idempotency), no throttle count (429, tested in test_authentication).
    cache.clear()
    response = case.call(headers=callers[role])
    SEEN[(role, case.operation.label)][response.status_code] += 1
    case.validate_response(response, checks=CHECKS)


# One test per caller (schemathesis resolves fixtures itself, so a parametrised one cannot
# stand in): each runs every operation of the schema as a subtest.
@schema.parametrize()
def test_anonymous_callers_get_documented_answers_and_no_5xx(case: Any, callers: Any) -> None:
    conforms(case, "anonymous", callers)


@schema.parametrize()
def test_an_nps_practitioner_gets_documented_answers_and_no_5xx(case: Any, callers: Any) -> None:
    conforms(case, "nps_practitioner", callers)


@schema.parametrize()
def test_a_crc_practitioner_gets_documented_answers_and_no_5xx(case: Any, callers: Any) -> None:
    conforms(case, "crc_practitioner", callers)


@pytest.mark.parametrize("role", ROLES)
def test_the_cases_each_caller_can_see_conform_too(
    role: str, callers: dict[str, dict[str, str]], api_schema: Any
) -> None:
    """Random CRNs find nothing; so read every real case by its CRN (200s and 404s)."""
    from probation.people.models import Person

    for crn in Person.objects.values_list("crn", flat=True):
        for path in ("/api/v1/persons/{crn}/", "/api/v1/cases/{crn}/"):
            operation = api_schema[path]["GET"]
            case = operation.Case(path_parameters={"crn": crn})
            cache.clear()
            response = case.call(headers=callers[role])
            SEEN[(role, operation.label)][response.status_code] += 1
            case.validate_response(response, checks=CHECKS)


@pytest.fixture(scope="module", autouse=True)
def _report(request: Any) -> Any:
    """With ``-v`` (and without xdist), print how many requests got which status."""
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if request.config.option.verbose <= 0 or capture is None or not SEEN:
        return
    with capture.global_and_fixture_disabled():
        print("\nschemathesis: requests by caller, operation and status")
        for (role, label), statuses in sorted(SEEN.items()):
            print(f"  {role:17} {label:39} {dict(sorted(statuses.items()))}")
        print(f"  total: {sum(sum(c.values()) for c in SEEN.values())} requests")
