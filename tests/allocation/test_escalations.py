"""Risk escalation CRC → NPS (docs/domain/allocation.md §4, docs/adr/0012-risk-escalation.md):
every transition, every refusal (which writes nothing), the automatic opening after an
assessment, the CRC losing the case on confirmation and the transfer on NPS assignment."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from probation.allocation.models import (
    Escalation,
    EscalationState,
    EscalationTrigger,
    SiftDecision,
)
from probation.allocation.selectors import escalation_queue, unallocated_cases
from probation.allocation.services import (
    case_assign,
    escalation_confirm,
    escalation_decline,
    escalation_refer,
    escalation_review_start,
)
from probation.casework import services as casework
from probation.core.audit import AuditAction
from probation.core.calendar import bank_holidays_from
from probation.core.errors import CaseNotAvailable, Conflict, InvalidInput
from probation.core.models import AuditEvent
from probation.people.selectors import cases_visible_to
from probation.rules.clocks import escalation_review_due, transfer_in_due
from tests.allocation.helpers import assess, manager_of, practitioner_of
from tests.factories import CaseFactory, PersonFactory, organisation
from tests.people.test_concurrency import postgresql, run_together

pytestmark = pytest.mark.django_db

ESCALATION_ACTIONS = [
    AuditAction.ESCALATION_REFERRED,
    AuditAction.ESCALATION_REVIEW_STARTED,
    AuditAction.ESCALATION_CONFIRMED,
    AuditAction.ESCALATION_DECLINED,
]


@pytest.fixture
def nps_manager(db: Any) -> Any:
    return manager_of("NPS", first_name="Nia", last_name="Evans")


@pytest.fixture
def case(crc_case: Any) -> Any:
    """The Merseyside CRC case, assessed at low RoSH."""
    assess(crc_case)
    return crc_case


def _refer(case: Any, user: Any, **kwargs: Any) -> Escalation:
    return escalation_refer(case=case, by_user=user, reason="Threats to a new partner.", **kwargs)


@pytest.fixture
def referred(case: Any, crc_practitioner: Any) -> Escalation:
    return _refer(case, crc_practitioner, evidence={"text": "Police report of 1 March."})


@pytest.fixture
def under_review(referred: Escalation, nps_manager: Any) -> Escalation:
    return escalation_review_start(escalation=referred, by_user=nps_manager)


def _audits(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def _nothing_written(case: Any, version: int, states: dict[int, str]) -> None:
    """A refused transition leaves the case, the escalations and the escalation audit alone."""
    case.refresh_from_db()
    assert case.version == version
    assert dict(Escalation.objects.values_list("pk", "state")) == states


def _snapshot(case: Any) -> tuple[int, dict[int, str], int]:
    case.refresh_from_db()
    events = AuditEvent.objects.filter(action__in=ESCALATION_ACTIONS).count()
    return case.version, dict(Escalation.objects.values_list("pk", "state")), events


def _assert_refused(case: Any, call: Any, error: type[Exception], match: str | None = None) -> None:
    version, states, events = _snapshot(case)
    with pytest.raises(error, match=match):
        call()
    _nothing_written(case, version, states)
    assert AuditEvent.objects.filter(action__in=ESCALATION_ACTIONS).count() == events


# Referral -----------------------------------------------------------------------------------


def test_a_crc_practitioner_refers_the_case_and_the_review_is_due_a_working_day_later(
    case, crc_practitioner
):
    escalation = _refer(case, crc_practitioner, evidence={"text": "Police report."})
    today = timezone.localdate()
    assert escalation.state == EscalationState.REFERRED
    assert escalation.trigger == EscalationTrigger.MANUAL
    assert escalation.referred_by == crc_practitioner
    assert escalation.from_organisation == organisation("CRC-C08")
    assert escalation.review_due_on == escalation_review_due(
        referred_on=today, holidays=bank_holidays_from(today)
    )
    case.refresh_from_db()
    assert case.responsible_organisation == organisation("CRC-C08")  # the CRC stays responsible
    assert case.responsible_officer == crc_practitioner
    (event,) = _audits(AuditAction.ESCALATION_REFERRED)
    assert event.actor == crc_practitioner and event.crn == case.person.crn
    assert event.after["reason"] == "Threats to a new partner."
    assert event.after["evidence"] == {"text": "Police report."}
    assert event.after["state"] == "referred"


def test_a_crc_manager_may_refer_the_case(case, crc_manager):
    assert _refer(case, crc_manager).referred_by == crc_manager


def test_a_declined_escalation_may_be_referred_again(case, referred, nps_manager, crc_practitioner):
    escalation_review_start(escalation=referred, by_user=nps_manager)
    escalation_decline(escalation=referred, by_user=nps_manager, reasons="Risk is managed.")
    again = _refer(case, crc_practitioner)
    assert again.state == EscalationState.REFERRED
    assert Escalation.objects.filter(case=case).count() == 2


def test_a_second_referral_while_one_is_open_is_refused(case, referred, crc_manager):
    _assert_refused(case, lambda: _refer(case, crc_manager), Conflict, "already been referred")


def test_an_nps_case_is_not_escalated(nps_practitioner):
    nps_case = CaseFactory(
        responsible_organisation=organisation("NPS"), responsible_officer=nps_practitioner
    )
    _assert_refused(
        nps_case, lambda: _refer(nps_case, nps_practitioner), InvalidInput, "Only a CRC case"
    )


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("nps_practitioner", PermissionDenied),  # sees the case, does not hold it
        ("other_crc_practitioner", CaseNotAvailable),  # does not even see it
        ("auditor", PermissionDenied),
        ("court_officer", PermissionDenied),
    ],
)
def test_only_the_crc_holding_the_case_refers_it(case, who, error, request):
    user = request.getfixturevalue(who)
    _assert_refused(case, lambda: _refer(case, user), error)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 5001}, "reason"),
        ({"reason": "Rising risk.", "trigger": "hunch"}, "trigger"),
    ],
)
def test_a_referral_without_a_proper_reason_or_trigger_is_refused(
    case, crc_practitioner, kwargs, field
):
    version, states, _ = _snapshot(case)
    with pytest.raises(InvalidInput) as refused:
        escalation_refer(case=case, by_user=crc_practitioner, **kwargs)
    assert refused.value.field == field
    _nothing_written(case, version, states)


def test_a_closed_case_is_not_escalated(case, crc_practitioner):
    case.status = "closed"
    case.save()
    _assert_refused(case, lambda: _refer(case, crc_practitioner), InvalidInput, "closed")


def test_the_system_refers_only_automatically(case):
    _assert_refused(case, lambda: _refer(case, None), InvalidInput, "by hand")
    escalation = _refer(case, None, trigger=EscalationTrigger.ROSH_HIGH)
    assert escalation.referred_by is None
    assert _audits(AuditAction.ESCALATION_REFERRED)[0].actor is None


def test_a_stale_form_is_refused(case, crc_practitioner):
    stale = case.version
    assess(case)
    case.refresh_from_db()
    _refer(case, crc_practitioner, expected_version=case.version)  # current: fine
    Escalation.objects.all().delete()
    _assert_refused(case, lambda: _refer(case, crc_practitioner, expected_version=stale), Conflict)


# Review -------------------------------------------------------------------------------------


def test_an_nps_manager_starts_the_review_and_becomes_the_reviewer(case, referred, nps_manager):
    escalation = escalation_review_start(escalation=referred, by_user=nps_manager)
    assert escalation.state == EscalationState.UNDER_REVIEW
    assert escalation.reviewer == nps_manager and escalation.review_started_at is not None
    (event,) = _audits(AuditAction.ESCALATION_REVIEW_STARTED)
    assert event.before["state"] == "referred" and event.after["state"] == "under_review"
    assert event.after["reviewer"] == nps_manager.pk


@pytest.mark.parametrize("who", ["crc_manager", "crc_practitioner", "nps_practitioner", "auditor"])
def test_only_an_nps_allocating_manager_reviews(case, referred, who, request):
    user = request.getfixturevalue(who)
    _assert_refused(
        case,
        lambda: escalation_review_start(escalation=referred, by_user=user),
        PermissionDenied,
        "NPS allocating manager",
    )


def test_a_review_is_started_once(case, under_review, nps_manager):
    other = manager_of("NPS")
    _assert_refused(
        case,
        lambda: escalation_review_start(escalation=under_review, by_user=other),
        Conflict,
        "under review",
    )


# Confirmation -------------------------------------------------------------------------------


def test_confirming_moves_the_case_to_the_nps_unallocated_and_the_crc_loses_it(
    case, under_review, nps_manager, crc_practitioner, crc_manager, client_for
):
    area = case.contract_area
    assert case in cases_visible_to(crc_practitioner)
    escalation = escalation_confirm(
        escalation=under_review, by_user=nps_manager, reasons="RoSH to a known adult is high."
    )
    today = timezone.localdate()
    assert escalation.state == EscalationState.CONFIRMED
    assert escalation.decision_reasons == "RoSH to a known adult is high."
    assert escalation.transfer_due_on == transfer_in_due(
        confirmed_on=today, holidays=bank_holidays_from(today)
    )
    case.refresh_from_db()
    assert case.responsible_organisation == organisation("NPS")
    assert case.responsible_officer is None
    assert case.contract_area == area
    assert list(unallocated_cases(for_user=nps_manager)) == [case]
    assert case not in cases_visible_to(crc_practitioner)
    assert case not in cases_visible_to(crc_manager)
    response = client_for(crc_practitioner).get(f"/cases/{case.person.crn}/")
    assert response.status_code == 404
    assert "We cannot show this case" in response.content.decode()
    (event,) = _audits(AuditAction.ESCALATION_CONFIRMED)
    assert event.before["organisation"] == "CRC-C08" and event.after["organisation"] == "NPS"
    assert event.before["officer"] == crc_practitioner.pk and event.after["officer"] is None
    assert event.details["reasons"] == "RoSH to a known adult is high."


def test_a_confirmed_case_is_due_on_the_nps_list_by_the_transfer_in_day(
    case, under_review, nps_manager
):
    # The CRC had the case from a sift long ago, whose assignment day is long past.
    SiftDecision.objects.create(
        case=case,
        organisation=organisation("CRC-C08"),
        contract_area=case.contract_area,
        reasons=[["crc-default", "No NPS rule applies."]],
        facts={},
        policy_id="tr-2014",
        policy_version=1,
        trigger="sentence",
        assignment_due_on=dt.date(2025, 1, 9),
    )
    escalation = escalation_confirm(escalation=under_review, by_user=nps_manager, reasons="High.")
    [listed] = unallocated_cases(for_user=nps_manager, today=timezone.localdate())
    assert listed.assignment_due_on == escalation.transfer_due_on
    assert listed.is_overdue is False
    [late] = unallocated_cases(
        for_user=nps_manager, today=escalation.transfer_due_on + dt.timedelta(days=1)
    )
    assert late.is_overdue is True


def test_a_referral_not_yet_under_review_is_not_confirmed(case, referred, nps_manager):
    _assert_refused(
        case,
        lambda: escalation_confirm(escalation=referred, by_user=nps_manager, reasons="High."),
        Conflict,
        "must be under review",
    )


def test_a_declined_escalation_is_not_confirmed(case, under_review, nps_manager):
    escalation_decline(escalation=under_review, by_user=nps_manager, reasons="Managed.")
    _assert_refused(
        case,
        lambda: escalation_confirm(escalation=under_review, by_user=nps_manager, reasons="X"),
        Conflict,
        "declined",
    )
    case.refresh_from_db()
    assert case.responsible_organisation == organisation("CRC-C08")


@pytest.mark.parametrize("service", [escalation_confirm, escalation_decline])
def test_a_decision_without_reasons_is_refused(case, under_review, nps_manager, service):
    version, states, _ = _snapshot(case)
    with pytest.raises(InvalidInput) as refused:
        service(escalation=under_review, by_user=nps_manager, reasons=" \n ")
    assert refused.value.field == "reasons"
    _nothing_written(case, version, states)


@pytest.mark.parametrize("service", [escalation_confirm, escalation_decline])
def test_a_crc_manager_does_not_decide(case, under_review, crc_manager, service):
    _assert_refused(
        case,
        lambda: service(escalation=under_review, by_user=crc_manager, reasons="Fine."),
        PermissionDenied,
    )


# Decline ------------------------------------------------------------------------------------


def test_declining_leaves_the_case_with_the_crc(case, under_review, nps_manager, crc_practitioner):
    escalation = escalation_decline(
        escalation=under_review, by_user=nps_manager, reasons="The CRC's plan manages the risk."
    )
    assert escalation.state == EscalationState.DECLINED
    assert escalation.decided_at is not None and escalation.transfer_due_on is None
    case.refresh_from_db()
    assert case.responsible_organisation == organisation("CRC-C08")
    assert case.responsible_officer == crc_practitioner
    (event,) = _audits(AuditAction.ESCALATION_DECLINED)
    assert event.details["reasons"] == "The CRC's plan manages the risk."
    assert event.before["state"] == "under_review" and event.after["state"] == "declined"


def test_a_confirmed_escalation_is_not_declined(case, under_review, nps_manager):
    escalation_confirm(escalation=under_review, by_user=nps_manager, reasons="High.")
    _assert_refused(
        case,
        lambda: escalation_decline(escalation=under_review, by_user=nps_manager, reasons="No."),
        Conflict,
        "confirmed",
    )


# Transferred --------------------------------------------------------------------------------


def test_assigning_an_nps_practitioner_marks_the_escalation_transferred(
    case, under_review, nps_manager
):
    escalation_confirm(escalation=under_review, by_user=nps_manager, reasons="High.")
    officer = practitioner_of("NPS", first_name="Sam", last_name="Okoro")
    case.refresh_from_db()
    case_assign(case=case, officer=officer, by_user=nps_manager)
    under_review.refresh_from_db()
    assert under_review.state == EscalationState.TRANSFERRED
    assert under_review.transferred_at is not None
    event = AuditEvent.objects.get(action=AuditAction.CASE_ASSIGNED)
    assert event.details["escalations_transferred"] == [under_review.pk]


def test_an_ordinary_assignment_transfers_nothing(unallocated_case, crc_manager):
    officer = practitioner_of("CRC-C08")
    case_assign(case=unallocated_case, officer=officer, by_user=crc_manager)
    event = AuditEvent.objects.get(action=AuditAction.CASE_ASSIGNED)
    assert event.details["escalations_transferred"] == []


# The queue ----------------------------------------------------------------------------------


def test_the_queue_holds_open_escalations_the_review_due_soonest_first(
    case, nps_manager, crc_manager, crc_practitioner
):
    later = _refer(case, crc_practitioner)
    other = CaseFactory(
        person=PersonFactory(surname="Ashdown"),
        responsible_organisation=organisation("CRC-C08"),
    )
    overdue = _refer(other, crc_manager)
    Escalation.objects.filter(pk=overdue.pk).update(review_due_on=dt.date(2026, 1, 5))
    closed_case = CaseFactory(responsible_organisation=organisation("CRC-C08"))
    done = _refer(closed_case, crc_manager)
    escalation_review_start(escalation=done, by_user=nps_manager)
    escalation_decline(escalation=done, by_user=nps_manager, reasons="Managed.")
    queue = list(escalation_queue(for_user=nps_manager, today=dt.date(2026, 1, 6)))
    assert [e.pk for e in queue] == [overdue.pk, later.pk]
    assert [e.is_overdue for e in queue] == [True, later.review_due_on < dt.date(2026, 1, 6)]
    assert list(escalation_queue(for_user=crc_manager)) == []  # the CRC reviews nothing
    assert list(escalation_queue(for_user=practitioner_of("NPS"))) == []


# Automatic escalation -----------------------------------------------------------------------

ASSESSMENT = {
    "assessed_on": dt.date(2025, 6, 2),
    "report_type": "fast",
    "rosh_public": "low",
    "rosh_known_adult": "low",
    "rosh_children": "low",
    "rosh_staff": "low",
}


def _record(case: Any, user: Any, **changes: Any) -> casework.RecordedAssessment:
    case.refresh_from_db()
    return casework.assessment_record(case=case, by_user=user, **{**ASSESSMENT, **changes})


@pytest.mark.parametrize("level", ["high", "very_high"])
def test_an_assessment_raising_rosh_to_high_opens_an_escalation(case, crc_practitioner, level):
    recorded = _record(case, crc_practitioner, rosh_children=level)
    escalation = recorded.escalation
    assert escalation is not None
    assert escalation.trigger == EscalationTrigger.ROSH_HIGH
    assert escalation.state == EscalationState.REFERRED and escalation.referred_by is None
    assert escalation.evidence["assessment"] == recorded.assessment.pk
    assert escalation.evidence["rosh"] == level
    assert escalation.evidence["mappa_category"] is None
    assert any("RoSH to children: low →" in change for change in escalation.evidence["changes"])
    assert "RoSH is now" in escalation.reason
    event = AuditEvent.objects.get(action=AuditAction.ESCALATION_REFERRED)
    assert event.actor is None and event.after["trigger"] == "rosh_high"
    case.refresh_from_db()
    assert case.responsible_organisation == organisation("CRC-C08")  # still the CRC's


def test_an_assessment_adding_a_mappa_category_opens_an_escalation(case, crc_practitioner):
    recorded = _record(
        case, crc_practitioner, rosh_public="medium", mappa_category=2, mappa_level=1
    )
    assert recorded.escalation is not None
    assert recorded.escalation.trigger == EscalationTrigger.MAPPA
    assert recorded.escalation.evidence["mappa_category"] == 2
    assert "MAPPA category 2 was added" in recorded.escalation.reason


def test_an_assessment_of_an_nps_case_opens_nothing(nps_practitioner):
    nps_case = CaseFactory(
        responsible_organisation=organisation("NPS"), responsible_officer=nps_practitioner
    )
    recorded = _record(
        nps_case, nps_practitioner, rosh_public="very_high", mappa_category=1, mappa_level=2
    )
    assert recorded.escalation is None
    assert not Escalation.objects.exists()


def test_no_second_escalation_opens_while_one_is_open(case, referred, crc_practitioner):
    recorded = _record(case, crc_practitioner, rosh_staff="high")
    assert recorded.escalation is None
    assert list(Escalation.objects.values_list("pk", flat=True)) == [referred.pk]


def test_an_unchanged_mappa_category_opens_nothing(crc_case, crc_practitioner):
    assess(crc_case, rosh="medium", mappa=2)
    recorded = _record(
        crc_case, crc_practitioner, rosh_public="medium", mappa_category=2, mappa_level=1
    )
    assert recorded.escalation is None
    assert not Escalation.objects.exists()


def test_a_rosh_that_was_already_high_opens_nothing(crc_case, crc_practitioner):
    assess(crc_case, rosh="high")
    recorded = _record(crc_case, crc_practitioner, rosh_public="high")
    assert recorded.escalation is None


def test_a_low_assessment_opens_nothing(case, crc_practitioner):
    assert _record(case, crc_practitioner, rosh_public="medium").escalation is None
    assert not Escalation.objects.exists()


def test_a_refused_assessment_opens_nothing_and_records_nothing(case, nps_practitioner):
    with pytest.raises(PermissionDenied, match="Only the organisation responsible"):
        _record(case, nps_practitioner, rosh_public="very_high")
    assert not Escalation.objects.exists()
    assert case.assessments.count() == 1  # the fixture's


def test_an_escalation_after_a_declined_one_opens_on_a_new_rise(
    case, referred, nps_manager, crc_practitioner
):
    escalation_review_start(escalation=referred, by_user=nps_manager)
    escalation_decline(escalation=referred, by_user=nps_manager, reasons="Managed.")
    recorded = _record(case, crc_practitioner, rosh_known_adult="very_high")
    assert recorded.escalation is not None and recorded.escalation.pk != referred.pk


def test_the_crc_officer_of_an_escalated_case_opens_nothing_when_not_responsible(
    case, under_review, nps_manager, crc_practitioner
):
    escalation_confirm(escalation=under_review, by_user=nps_manager, reasons="High.")
    with pytest.raises(CaseNotAvailable):
        _record(case, crc_practitioner, rosh_public="very_high")


# At the same moment (real threads on PostgreSQL) ---------------------------------------------


@postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_referrals_at_once_open_one_escalation():
    case = CaseFactory(responsible_organisation=organisation("CRC-C08"))
    referrers = [practitioner_of("CRC-C08"), manager_of("CRC-C08")]
    results = run_together(
        *[
            lambda user=user: escalation_refer(case=case, by_user=user, reason="Risk rose.")
            for user in referrers
        ]
    )
    assert len([r for r in results if isinstance(r, Escalation)]) == 1
    [refusal] = [r for r in results if not isinstance(r, Escalation)]
    assert isinstance(refusal, Conflict), refusal
    assert Escalation.objects.filter(case=case).count() == 1


@postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_confirmation_and_a_decline_at_once_decide_once():
    case = CaseFactory(responsible_organisation=organisation("CRC-C08"))
    nps = [manager_of("NPS"), manager_of("NPS")]
    escalation = escalation_refer(case=case, by_user=practitioner_of("CRC-C08"), reason="Rose.")
    escalation_review_start(escalation=escalation, by_user=nps[0])
    results = run_together(
        lambda: escalation_confirm(escalation=escalation, by_user=nps[0], reasons="High."),
        lambda: escalation_decline(escalation=escalation, by_user=nps[1], reasons="Managed."),
    )
    [decided] = [r for r in results if isinstance(r, Escalation)]
    [refusal] = [r for r in results if not isinstance(r, Escalation)]
    assert isinstance(refusal, Conflict), refusal
    escalation.refresh_from_db()
    assert escalation.state == decided.state
    case.refresh_from_db()
    moved = case.responsible_organisation == organisation("NPS")
    assert moved == (decided.state == EscalationState.CONFIRMED)
