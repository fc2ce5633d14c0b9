"""Transfers between contract areas when a person moves (issue: allocation, 7;
docs/adr/0013-transfers.md): request, accept, reject and withdraw, each refused transition, who
may see what, and that the case is never without a responsible organisation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from probation.allocation.models import SiftDecision, Transfer, TransferState
from probation.allocation.selectors import (
    incoming_transfers,
    outgoing_transfers,
    transfer_for,
    unallocated_cases,
)
from probation.allocation.services import (
    transfer_accept,
    transfer_reject,
    transfer_request,
    transfer_withdraw,
)
from probation.core.audit import AuditAction
from probation.core.errors import CaseNotAvailable, Conflict, InvalidInput
from probation.core.models import AuditEvent
from probation.people.models import Case
from probation.people.selectors import cases_visible_to
from probation.people.services import case_access_set
from tests.allocation.helpers import assess, manager_of, practitioner_of
from tests.factories import CaseFactory, PersonFactory, UserFactory, area, organisation
from tests.people.test_concurrency import postgresql, run_together

pytestmark = pytest.mark.django_db

MOVED = "Moved to Southwark to live with her sister."


@pytest.fixture
def officer(db: Any) -> Any:
    return practitioner_of("CRC-C08", first_name="Sam", last_name="Okoro")


@pytest.fixture
def case(officer: Any) -> Any:
    """A Merseyside CRC case (C08) held by ``officer``, assessed medium RoSH, tier C2."""
    case = CaseFactory(
        person=PersonFactory(surname="Quillfeather"),
        responsible_organisation=organisation("CRC-C08"),
        responsible_officer=officer,
        tier="C2",
    )
    assess(case, rosh="medium")
    return case


@pytest.fixture
def receiver(db: Any) -> Any:
    """An allocating manager of London CRC (C12), the receiving organisation."""
    return manager_of("CRC-C12", first_name="Jo", last_name="Bloggs")


@pytest.fixture
def requested(case: Any, officer: Any) -> Transfer:
    return transfer_request(case=case, by_user=officer, to_contract_area=area("C12"), reason=MOVED)


def _responsible(case: Any) -> tuple[str, str, int | None]:
    case.refresh_from_db()
    return (
        case.responsible_organisation.code,
        case.contract_area.code,
        case.responsible_officer_id,
    )


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# Request ------------------------------------------------------------------------------------


def test_a_practitioner_asks_for_a_crc_case_to_move_to_the_crc_of_the_new_area(
    requested, case, officer
):
    assert requested.state == TransferState.REQUESTED
    assert (requested.from_organisation.code, requested.from_contract_area.code) == (
        "CRC-C08",
        "C08",
    )
    assert (requested.to_organisation.code, requested.to_contract_area.code) == (
        "CRC-C12",
        "C12",
    )
    assert requested.requested_by == officer and requested.reason == MOVED
    today = timezone.localdate()
    assert today < requested.decision_due_on <= today + dt.timedelta(days=14)
    # Until a decision, the sender stays responsible, officer and all.
    assert _responsible(case) == ("CRC-C08", "C08", officer.pk)
    (event,) = _events(AuditAction.TRANSFER_REQUESTED)
    assert event.crn == case.person.crn and event.actor == officer
    assert event.before["state"] is None
    assert event.after["state"] == "requested" and event.after["to_organisation"] == "CRC-C12"
    assert event.details == {"reason": MOVED}


def test_an_nps_case_moves_within_the_nps_to_the_new_area(db):
    nps_officer = practitioner_of("NPS")
    nps_case = CaseFactory(
        responsible_organisation=organisation("NPS"),
        contract_area=area("C08"),
        responsible_officer=nps_officer,
    )
    transfer = transfer_request(
        case=nps_case, by_user=nps_officer, to_contract_area=area("C12"), reason=MOVED
    )
    assert transfer.to_organisation.code == "NPS" and transfer.to_contract_area.code == "C12"
    nps_manager = manager_of("NPS")
    transfer_accept(transfer=transfer, by_user=nps_manager)
    assert _responsible(nps_case) == ("NPS", "C12", None)


def test_the_decision_is_due_five_working_days_after_the_request(requested):
    from probation.core.calendar import bank_holidays_from
    from probation.rules.dates import add_working_days

    on = timezone.localdate(requested.requested_at)
    assert requested.decision_due_on == add_working_days(on, 5, holidays=bank_holidays_from(on))


@pytest.mark.parametrize(
    ("area_code", "reason", "field", "message"),
    [
        ("C08", MOVED, "to_contract_area", "already in"),
        ("C12", "   ", "reason", "Enter why the case is moving"),
        ("C12", "x" * 1001, "reason", "1000 characters or fewer"),
    ],
    ids=["same-area", "no-reason", "reason-too-long"],
)
def test_a_request_is_refused_with_a_message_on_the_field(
    case, officer, area_code, reason, field, message
):
    with pytest.raises(InvalidInput, match=message) as refused:
        transfer_request(
            case=case, by_user=officer, to_contract_area=area(area_code), reason=reason
        )
    assert refused.value.field == field
    assert not Transfer.objects.exists()
    assert not _events(AuditAction.TRANSFER_REQUESTED)


def test_a_second_request_while_one_is_open_is_refused(requested, case, officer):
    with pytest.raises(Conflict, match="already waiting for a decision"):
        transfer_request(case=case, by_user=officer, to_contract_area=area("C05"), reason=MOVED)
    assert Transfer.objects.count() == 1


def test_the_database_holds_one_open_transfer_per_case(requested, case, officer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            case=case,
            from_organisation=requested.from_organisation,
            from_contract_area=requested.from_contract_area,
            to_organisation=organisation("CRC-C05"),
            to_contract_area=area("C05"),
            reason=MOVED,
            requested_by=officer,
            decision_due_on=requested.decision_due_on,
        )


def test_a_closed_case_is_not_transferred(case, officer):
    Case.objects.filter(pk=case.pk).update(status="closed")
    case.refresh_from_db()
    with pytest.raises(InvalidInput, match="closed"):
        transfer_request(case=case, by_user=officer, to_contract_area=area("C12"), reason=MOVED)


def test_only_the_responsible_organisations_staff_may_ask(case):
    nps_manager = manager_of("NPS")  # sees the case, is not responsible for it
    with pytest.raises(PermissionDenied, match="responsible for the case"):
        transfer_request(case=case, by_user=nps_manager, to_contract_area=area("C12"), reason=MOVED)
    other_crc = practitioner_of("CRC-C12")
    with pytest.raises(CaseNotAvailable):
        transfer_request(case=case, by_user=other_crc, to_contract_area=area("C12"), reason=MOVED)
    court_officer = UserFactory(organisation=organisation("CRC-C08"), roles=["court_officer"])
    with pytest.raises(PermissionDenied, match="role"):
        transfer_request(
            case=case, by_user=court_officer, to_contract_area=area("C12"), reason=MOVED
        )
    assert not Transfer.objects.exists()


def test_a_stale_form_is_refused(case, officer):
    stale = case.version
    Case.objects.filter(pk=case.pk).update(version=stale + 1)
    with pytest.raises(Conflict, match="Someone else changed this case"):
        transfer_request(
            case=case,
            by_user=officer,
            to_contract_area=area("C12"),
            reason=MOVED,
            expected_version=stale,
        )


# Accept ------------------------------------------------------------------------------------


def test_accepting_moves_the_case_to_the_receivers_unallocated_list_with_a_due_day(
    requested, case, receiver, officer
):
    accepted = transfer_accept(transfer=requested, by_user=receiver)
    assert accepted.state == TransferState.ACCEPTED and requested.state == TransferState.ACCEPTED
    assert accepted.decided_by == receiver and accepted.decided_at is not None
    assert _responsible(case) == ("CRC-C12", "C12", None)
    (waiting,) = unallocated_cases(for_user=receiver)
    assert waiting.pk == case.pk
    accepted_on = timezone.localdate(accepted.decided_at)
    assert accepted_on < waiting.assignment_due_on <= accepted_on + dt.timedelta(days=7)
    sift = SiftDecision.objects.filter(case=case).latest("decided_at")
    assert sift.trigger == "transfer" and sift.organisation.code == "CRC-C12"
    assert "Transferred from Merseyside" in sift.reasons[0][1] and MOVED in sift.reasons[0][1]
    (event,) = _events(AuditAction.TRANSFER_ACCEPTED)
    assert event.actor == receiver and event.crn == case.person.crn
    assert event.before["state"] == "requested" and event.before["officer"] == officer.pk
    assert event.after["state"] == "accepted" and event.after["officer"] is None
    assert event.after["assignment_due_on"] == waiting.assignment_due_on.isoformat()


def test_after_accepting_the_sending_crc_loses_the_case_and_the_receiver_gains_it(
    requested, case, receiver, officer
):
    assert not cases_visible_to(receiver).filter(pk=case.pk).exists()
    transfer_accept(transfer=requested, by_user=receiver)
    assert not cases_visible_to(officer).filter(pk=case.pk).exists()
    assert cases_visible_to(receiver).filter(pk=case.pk).exists()
    # The sender's list still says the transfer went through, without opening the case.
    (row,) = outgoing_transfers(for_user=officer)
    assert row.transfer.state == TransferState.ACCEPTED and not row.case_visible


def test_a_tier_a_case_gets_a_practitioner_due_sooner(case, officer, receiver):
    Case.objects.filter(pk=case.pk).update(tier="A2")
    case.refresh_from_db()
    transfer = transfer_request(
        case=case, by_user=officer, to_contract_area=area("C12"), reason=MOVED
    )
    transfer_accept(transfer=transfer, by_user=receiver)
    sift = SiftDecision.objects.get(case=case, trigger="transfer")
    from probation.core.calendar import bank_holidays_from
    from probation.rules.clocks import assignment_due

    on = timezone.localdate(sift.decided_at)
    assert sift.assignment_due_on == assignment_due(
        sifted_on=on, tier="A2", holidays=bank_holidays_from(on)
    )


@pytest.mark.parametrize(
    "who",
    ["sending_manager", "nps_manager", "receiving_practitioner", "third_crc_manager"],
)
def test_only_a_manager_of_the_receiving_organisation_decides(requested, case, who):
    user = {
        "sending_manager": lambda: manager_of("CRC-C08"),
        "nps_manager": lambda: manager_of("NPS"),
        "receiving_practitioner": lambda: practitioner_of("CRC-C12"),
        "third_crc_manager": lambda: manager_of("CRC-C05"),
    }[who]()
    with pytest.raises(PermissionDenied):
        transfer_accept(transfer=requested, by_user=user)
    with pytest.raises(PermissionDenied):
        transfer_reject(transfer=requested, by_user=user, reason="No")
    requested.refresh_from_db()
    assert requested.state == TransferState.REQUESTED
    assert _responsible(case)[0] == "CRC-C08"


def test_the_manager_who_asked_may_not_decide_their_own_request(db):
    nps_manager = manager_of("NPS")
    nps_case = CaseFactory(responsible_organisation=organisation("NPS"), contract_area=area("C08"))
    transfer = transfer_request(
        case=nps_case, by_user=nps_manager, to_contract_area=area("C12"), reason=MOVED
    )
    with pytest.raises(PermissionDenied, match="another manager"):
        transfer_accept(transfer=transfer, by_user=nps_manager)


def test_a_receiving_manager_excluded_from_the_case_may_not_decide_or_see_it(
    requested, case, receiver, administrator
):
    case_access_set(case=case, user=receiver, kind="exclusion", by_user=administrator)
    assert incoming_transfers(for_user=receiver) == []
    assert transfer_for(transfer_id=requested.pk, for_user=receiver) is None
    with pytest.raises(PermissionDenied):
        transfer_accept(transfer=requested, by_user=receiver)


@pytest.mark.parametrize("first", ["accept", "reject", "withdraw"])
def test_a_decided_transfer_cannot_be_decided_again(requested, case, receiver, officer, first):
    {
        "accept": lambda: transfer_accept(transfer=requested, by_user=receiver),
        "reject": lambda: transfer_reject(transfer=requested, by_user=receiver, reason="Full"),
        "withdraw": lambda: transfer_withdraw(transfer=requested, by_user=officer),
    }[first]()
    second_manager = manager_of("CRC-C12")
    stale = Transfer.objects.get(pk=requested.pk)
    stale.state = TransferState.REQUESTED  # a page shown before the first decision
    with pytest.raises(Conflict, match="already been"):
        transfer_accept(transfer=stale, by_user=second_manager)
    with pytest.raises(Conflict, match="already been"):
        transfer_reject(transfer=stale, by_user=second_manager, reason="No")
    if first != "accept":  # after an accept the sender no longer sees the case
        with pytest.raises(Conflict, match="already been"):
            transfer_withdraw(transfer=stale, by_user=officer)
    assert (
        Transfer.objects.get(pk=requested.pk).state
        == {
            "accept": "accepted",
            "reject": "rejected",
            "withdraw": "withdrawn",
        }[first]
    )


def test_a_case_closed_while_the_request_waited_is_not_accepted(requested, case, receiver):
    Case.objects.filter(pk=case.pk).update(status="closed")
    with pytest.raises(InvalidInput, match="closed"):
        transfer_accept(transfer=requested, by_user=receiver)
    assert _responsible(case)[0] == "CRC-C08"


def test_a_case_that_moved_meanwhile_is_not_accepted(requested, case, receiver):
    Case.objects.filter(pk=case.pk).update(responsible_organisation=organisation("NPS"))
    with pytest.raises(Conflict, match="moved to another organisation"):
        transfer_accept(transfer=requested, by_user=receiver)
    assert _responsible(case)[0] == "NPS"


# Reject and withdraw ------------------------------------------------------------------------


def test_rejecting_needs_a_reason_and_leaves_the_case_with_the_sender(
    requested, case, receiver, officer
):
    with pytest.raises(InvalidInput, match="Enter why you are rejecting") as refused:
        transfer_reject(transfer=requested, by_user=receiver, reason=" ")
    assert refused.value.field == "reason"
    rejected = transfer_reject(
        transfer=requested, by_user=receiver, reason="No address confirmed in Southwark."
    )
    assert rejected.state == TransferState.REJECTED and rejected.decided_by == receiver
    assert rejected.decision_reason == "No address confirmed in Southwark."
    assert _responsible(case) == ("CRC-C08", "C08", officer.pk)
    (event,) = _events(AuditAction.TRANSFER_REJECTED)
    assert (event.before["state"], event.after["state"]) == ("requested", "rejected")
    assert event.details == {"reason": "No address confirmed in Southwark."}
    # A new request may follow a rejection.
    again = transfer_request(case=case, by_user=officer, to_contract_area=area("C12"), reason=MOVED)
    assert again.state == TransferState.REQUESTED


def test_the_sender_withdraws_and_the_case_stays(requested, case, officer):
    sending_manager = manager_of("CRC-C08")
    withdrawn = transfer_withdraw(transfer=requested, by_user=sending_manager)
    assert withdrawn.state == TransferState.WITHDRAWN and withdrawn.decided_by == sending_manager
    assert _responsible(case) == ("CRC-C08", "C08", officer.pk)
    (event,) = _events(AuditAction.TRANSFER_WITHDRAWN)
    assert (event.before["state"], event.after["state"]) == ("requested", "withdrawn")


def test_only_the_sender_may_withdraw(requested, receiver):
    nps_practitioner = practitioner_of("NPS")  # sees the case, did not send it
    with pytest.raises(PermissionDenied, match="sending organisation"):
        transfer_withdraw(transfer=requested, by_user=nps_practitioner)
    with pytest.raises(CaseNotAvailable):
        transfer_withdraw(transfer=requested, by_user=receiver)
    requested.refresh_from_db()
    assert requested.state == TransferState.REQUESTED


# Never unowned ------------------------------------------------------------------------------


def test_the_case_has_a_responsible_organisation_in_every_state(case, officer, receiver):
    seen = [_responsible(case)[0]]
    first = transfer_request(case=case, by_user=officer, to_contract_area=area("C12"), reason=MOVED)
    seen.append(_responsible(case)[0])
    transfer_withdraw(transfer=first, by_user=officer)
    seen.append(_responsible(case)[0])
    second = transfer_request(
        case=case, by_user=officer, to_contract_area=area("C12"), reason=MOVED
    )
    transfer_reject(transfer=second, by_user=receiver, reason="Not yet")
    seen.append(_responsible(case)[0])
    third = transfer_request(case=case, by_user=officer, to_contract_area=area("C12"), reason=MOVED)
    seen.append(_responsible(case)[0])
    transfer_accept(transfer=third, by_user=receiver)
    seen.append(_responsible(case)[0])
    assert seen == ["CRC-C08"] * 5 + ["CRC-C12"]
    assert list(
        Transfer.objects.filter(case=case).order_by("id").values_list("state", flat=True)
    ) == [
        "withdrawn",
        "rejected",
        "accepted",
    ]


# Reads --------------------------------------------------------------------------------------


def test_the_receiving_manager_sees_the_request_summary_and_no_other_case(
    requested, case, receiver, django_assert_max_num_queries
):
    CaseFactory(responsible_organisation=organisation("CRC-C08"))  # not theirs
    with django_assert_max_num_queries(3):  # the user's roles, the transfers, the assessments
        (row,) = incoming_transfers(for_user=receiver)
        assert row.transfer.case.person.crn == case.person.crn
    assert row.transfer.case.tier == "C2" and row.rosh == "Medium"
    assert row.transfer.reason == MOVED and not row.is_overdue and not row.case_visible
    assert not cases_visible_to(receiver).exists()  # the summary, not the case record
    assert transfer_for(transfer_id=requested.pk, for_user=receiver) == requested


def test_an_overdue_request_is_marked_and_listed_first(requested, case, receiver):
    later = CaseFactory(responsible_organisation=organisation("CRC-C08"))
    newer = transfer_request(
        case=later,
        by_user=practitioner_of("CRC-C08"),
        to_contract_area=area("C12"),
        reason=MOVED,
    )
    Transfer.objects.filter(pk=requested.pk).update(decision_due_on=dt.date(2026, 1, 5))
    rows = incoming_transfers(for_user=receiver, today=dt.date(2026, 1, 6))
    assert [r.transfer.pk for r in rows] == [requested.pk, newer.pk]
    assert [r.is_overdue for r in rows] == [True, False]


@pytest.mark.parametrize(
    ("code", "roles", "sees"),
    [
        ("CRC-C12", ["allocating_manager"], True),
        ("CRC-C12", ["practitioner"], False),  # managers decide
        ("CRC-C05", ["allocating_manager"], False),  # another CRC
        ("CRC-C08", ["allocating_manager"], False),  # the sender: outgoing, not incoming
    ],
)
def test_incoming_transfers_are_for_the_receiving_managers_only(requested, code, roles, sees):
    user = UserFactory(organisation=organisation(code), roles=roles)
    assert bool(incoming_transfers(for_user=user)) is sees


def test_a_transfer_is_hidden_from_whoever_may_not_see_it(requested):
    outsider = practitioner_of("CRC-C05")
    assert transfer_for(transfer_id=requested.pk, for_user=outsider) is None
    assert transfer_for(transfer_id=requested.pk + 1000, for_user=outsider) is None
    assert outgoing_transfers(for_user=outsider) == []


# Two managers at once -------------------------------------------------------------------------


@postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_of_two_managers_deciding_at_once_one_wins_and_the_other_is_told():
    officer = practitioner_of("CRC-C08")
    case = CaseFactory(
        responsible_organisation=organisation("CRC-C08"), responsible_officer=officer
    )
    transfer = transfer_request(
        case=case, by_user=officer, to_contract_area=area("C12"), reason=MOVED
    )
    first, second = manager_of("CRC-C12"), manager_of("CRC-C12")
    results = run_together(
        lambda: transfer_accept(transfer=Transfer.objects.get(pk=transfer.pk), by_user=first),
        lambda: transfer_reject(
            transfer=Transfer.objects.get(pk=transfer.pk), by_user=second, reason="Full"
        ),
    )
    [won] = [r for r in results if isinstance(r, Transfer)]
    [refusal] = [r for r in results if not isinstance(r, Transfer)]
    assert isinstance(refusal, Conflict), refusal
    assert refusal.message.startswith(f"This transfer has already been {won.state}")
    transfer.refresh_from_db()
    assert transfer.state == won.state
    expected = "CRC-C12" if won.state == TransferState.ACCEPTED else "CRC-C08"
    assert _responsible(case)[0] == expected
    assert AuditEvent.objects.filter(action__startswith="transfer.").count() == 2
