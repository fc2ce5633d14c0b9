"""``probation allocation sift-releases``: the daily sift of custodial cases before release."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from probation.allocation.models import SiftDecision
from probation.cli import app
from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from tests.allocation.helpers import assess
from tests.factories import AddressFactory, CaseFactory, SentenceFactory, area, organisation

pytestmark = pytest.mark.django_db


def test_the_command_sifts_the_cases_due_once_and_says_which() -> None:
    case = CaseFactory(responsible_organisation=organisation("NPS"), tier="C2")
    AddressFactory(person=case.person, contract_area=area("C08"))
    assess(case)
    SentenceFactory(
        case=case,
        disposal="custody",
        sentence_date=dt.date(2026, 1, 5),
        release_date=timezone.localdate() + dt.timedelta(days=2),
    )
    runner = CliRunner()
    first = runner.invoke(app, ["allocation", "sift-releases", "--format", "json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == {
        "sifted": 1,
        "cases": [
            {
                "crn": case.person.crn,
                "organisation": "CRC-C08",
                "contract_area": "C08",
                "reasons": [SiftDecision.objects.get(case=case).reason_sentences[0]],
            }
        ],
    }
    event = AuditEvent.objects.get(action=AuditAction.CASE_SIFTED)
    assert event.actor is None and event.details["trigger"] == "release"
    again = runner.invoke(app, ["allocation", "sift-releases"])
    assert again.exit_code == 0 and "No custodial case was due for its sift." in again.output
    assert SiftDecision.objects.count() == 1
