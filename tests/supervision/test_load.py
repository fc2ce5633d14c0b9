"""Bulk history loads: each row checked as the services check it, a wrong row refuses the whole
batch naming the row, one audit event per case (probation/supervision/load_services.py,
probation/enforcement/load_services.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from probation.core.audit import AuditAction
from probation.core.errors import InvalidInput
from probation.core.models import AuditEvent
from probation.enforcement.load_services import (
    BreachToLoad,
    WarningToLoad,
    enforcement_history_load,
)
from probation.enforcement.models import BreachReferral, BreachState, WarningLetter
from probation.supervision.load_services import ContactToLoad, contacts_load
from probation.supervision.models import Contact

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)


def _contact(case: Any, **changes: Any) -> ContactToLoad:
    fields: dict[str, Any] = {
        "case_id": case.pk,
        "sentence_id": case.sentences.get().pk,
        "contact_type": "supervision",
        "starts_at": MONDAY,
        "ends_at": MONDAY + dt.timedelta(minutes=45),
        "outcome": "attended_complied",
    }
    return ContactToLoad(**(fields | changes))


def test_a_load_writes_every_contact_and_one_audit_event_per_case(crc_order_case: Any) -> None:
    week = dt.timedelta(days=7)
    rows = [
        _contact(
            crc_order_case,
            starts_at=MONDAY + n * week,
            ends_at=MONDAY + n * week + dt.timedelta(minutes=45),
        )
        for n in range(3)
    ]
    assert contacts_load(contacts=rows, by_user=None, source="Legacy system") == 3
    assert Contact.objects.filter(case=crc_order_case).count() == 3
    [event] = AuditEvent.objects.filter(action=AuditAction.CONTACT_RECORDED)
    assert event.crn == crc_order_case.person.crn
    assert event.details == {"source": "Legacy system", "by_outcome": {"attended_complied": 3}}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"contact_type": "seance"}, "is not a contact type"),
        ({"outcome": "vanished"}, "is not an outcome"),
        ({"ends_at": MONDAY}, "must end after it starts"),
        ({"ends_at": MONDAY + dt.timedelta(hours=9)}, "within 8 hours"),
        ({"starts_at": MONDAY.replace(tzinfo=None)}, "time zone"),
        ({"hours_credited": Decimal(2)}, "unpaid work hours"),
        ({"outcome": "awaiting_judgement"}, "due day"),
    ],
)
def test_a_wrong_row_refuses_the_whole_batch_naming_it(
    crc_order_case: Any, changes: dict[str, Any], message: str
) -> None:
    rows = [_contact(crc_order_case), _contact(crc_order_case, **changes)]
    with pytest.raises(InvalidInput) as refused:
        contacts_load(contacts=rows, by_user=None, source="Legacy system")
    assert str(refused.value).startswith("Contact 2:")
    assert message in str(refused.value)
    assert not Contact.objects.exists()


def test_only_the_system_or_an_administrator_loads(
    crc_order_case: Any, crc_practitioner: Any
) -> None:
    with pytest.raises(InvalidInput, match="Only the system"):
        contacts_load(contacts=[_contact(crc_order_case)], by_user=crc_practitioner, source="x")
    with pytest.raises(InvalidInput, match="Name the source"):
        contacts_load(contacts=[_contact(crc_order_case)], by_user=None, source=" ")


def test_enforcement_history_names_failures_of_its_own_order(crc_order_case: Any) -> None:
    contacts_load(
        contacts=[
            _contact(crc_order_case, outcome="unacceptable_absence"),
            _contact(
                crc_order_case,
                starts_at=MONDAY + dt.timedelta(days=14),
                ends_at=MONDAY + dt.timedelta(days=14, minutes=45),
                outcome="unacceptable_absence",
            ),
            _contact(
                crc_order_case,
                starts_at=MONDAY + dt.timedelta(days=21),
                ends_at=MONDAY + dt.timedelta(days=21, minutes=45),
            ),
        ],
        by_user=None,
        source="Legacy system",
    )
    first, second = Contact.objects.filter(outcome="unacceptable_absence").order_by("starts_at")
    attended = Contact.objects.get(outcome="attended_complied")
    order = crc_order_case.sentences.get().pk
    warning = WarningToLoad(
        case_id=crc_order_case.pk,
        sentence_id=order,
        failure_id=first.pk,
        issued_on=dt.date(2026, 11, 4),
    )
    breach = BreachToLoad(
        case_id=crc_order_case.pk,
        sentence_id=order,
        failure_id=second.pk,
        referred_on=dt.date(2026, 11, 20),
        reason="Second failure within 12 months.",
    )
    wrong = BreachToLoad(
        case_id=crc_order_case.pk,
        sentence_id=order,
        failure_id=attended.pk,
        referred_on=dt.date(2026, 11, 20),
        reason="Not a failure.",
    )
    with pytest.raises(InvalidInput, match=r"Breach referral 2: contact \d+ is not a failure"):
        enforcement_history_load(
            warnings=[warning], breaches=[breach, wrong], by_user=None, source="Legacy system"
        )
    assert not WarningLetter.objects.exists()
    assert enforcement_history_load(
        warnings=[warning], breaches=[breach], by_user=None, source="Legacy system"
    ) == (1, 1)
    referral = BreachReferral.objects.get()
    assert referral.state == BreachState.PROCEEDINGS_STARTED  # no court outcome yet
    assert referral.due_on == dt.date(2026, 11, 30)  # 10 working days after 16 November
    assert "4 November 2026" in WarningLetter.objects.get().letter
    assert AuditEvent.objects.filter(action=AuditAction.BREACH_REFERRED).count() == 1
