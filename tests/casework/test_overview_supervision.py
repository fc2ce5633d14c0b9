"""The case overview's supervision and enforcement sections: the next appointment, progress on
the requirements, the plan, the licence period, and every warning, breach, recall and SFO with
where it stands, seen alike by the CRC that supervises and the NPS that decides
(probation/casework/supervision_panel.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from probation.enforcement.models import BreachReferral, WarningLetter
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _section(body: str, testid: str) -> str:
    return body.split(f'data-testid="{testid}"')[1].split("</div>")[0]


def test_the_next_appointment_and_the_links_to_supervise(
    crc_order_case: Any, crc_practitioner: Any, client_for: Any
) -> None:
    soon = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() + dt.timedelta(days=3), dt.time(14, 30))
    )
    ContactFactory(case=crc_order_case, starts_at=soon, location="Bootle office")
    crn = crc_order_case.person.crn
    body = client_for(crc_practitioner).get(f"/cases/{crn}/").content.decode()
    assert f"{soon:%-d} " in _section(body, "next-appointment")
    assert "14:30" in _section(body, "next-appointment")
    assert "Bootle office" in _section(body, "next-appointment")
    for link in ("contacts/", "appointments/new/", "reminders/", "plan/"):
        assert f"/cases/{crn}/{link}" in body
    assert 'data-testid="unpaid-work-progress"' in body
    assert "0 of 100 hours done" in body


def test_no_appointment_says_none_booked(
    crc_order_case: Any, crc_practitioner: Any, client_for: Any
) -> None:
    body = client_for(crc_practitioner).get(f"/cases/{crc_order_case.person.crn}/")
    assert "None booked" in _section(body.content.decode(), "next-appointment")


def test_both_sides_see_the_warning_and_the_breach_and_where_it_stands(
    crc_order_case: Any, crc_practitioner: Any, enforcement_officer: Any, client_for: Any
) -> None:
    order = crc_order_case.sentences.get()
    first = ContactFactory(case=crc_order_case, outcome="unacceptable_absence")
    second = ContactFactory(
        case=crc_order_case,
        outcome="unacceptable_absence",
        starts_at=first.starts_at + dt.timedelta(days=14),
    )
    warning = WarningLetter.objects.create(
        case=crc_order_case,
        sentence=order,
        failure=first,
        issued_on=dt.date(2026, 12, 2),
        letter="Warning.",
    )
    breach = BreachReferral.objects.create(
        case=crc_order_case,
        sentence=order,
        failure=second,
        warning=warning,
        reason="Second failure within 12 months of a warning.",
        from_organisation=crc_order_case.responsible_organisation,
        due_on=dt.date(2026, 12, 29),
        state="court_outcome_recorded",
        court_outcome="continues_fine",
    )
    crn = crc_order_case.person.crn
    for user in (crc_practitioner, enforcement_officer):
        body = client_for(user).get(f"/cases/{crn}/").content.decode()
        history = body.split('data-testid="enforcement-history"')[1]
        assert f"/cases/{crn}/warnings/{warning.pk}/" in history
        assert f"/cases/{crn}/breaches/{breach.pk}/" in history
        assert "Court outcome recorded: order continues with a fine" in history


def test_the_responsible_officer_may_request_a_recall_others_see_no_link(
    crc_order_case: Any, crc_practitioner: Any, enforcement_officer: Any, client_for: Any
) -> None:
    crn = crc_order_case.person.crn
    own = client_for(crc_practitioner).get(f"/cases/{crn}/").content.decode()
    assert f"/cases/{crn}/sfos/new/" in own
    theirs = client_for(enforcement_officer).get(f"/cases/{crn}/").content.decode()
    assert f"/cases/{crn}/recalls/new/" not in theirs
    assert f"/cases/{crn}/sfos/new/" not in theirs
