"""Breach referrals (docs/domain/enforcement.md, "Breach across the boundary"): made by the
responsible organisation with the evidence pack, decided only by an NPS enforcement officer,
moving only referred → under_review → proceedings_started → court_outcome_recorded | returned;
and the court's outcome changing the sentence through the courts services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from probation.casework import services as casework
from probation.core.audit import AuditAction
from probation.core.calendar import bank_holidays_from
from probation.core.errors import Conflict, InvalidInput
from probation.core.models import AuditEvent
from probation.courts.models import Sentence, SentenceStatus
from probation.enforcement.models import BreachReferral, BreachState, WarningLetter
from probation.enforcement.selectors import breach_queue, breach_queue_counts
from probation.enforcement.services import (
    breach_outcome_record,
    breach_proceedings_start,
    breach_refer,
    breach_return,
    breach_review_start,
    warning_issue,
)
from probation.rules.clocks import breach_referral_due, breach_review_due
from tests.factories import ContactFactory, SentenceFactory, UserFactory, organisation
from tests.people.test_concurrency import postgresql, run_together

pytestmark = pytest.mark.django_db

FAILURE_DAY = dt.date(2026, 11, 23)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC)


def failure(case: Any, day: dt.date = FAILURE_DAY, **kwargs: Any) -> Any:
    kwargs.setdefault("outcome", "unacceptable_absence")
    return ContactFactory(case=case, starts_at=at(day), **kwargs)


@pytest.fixture
def order(crc_order_case: Any) -> Sentence:
    return crc_order_case.sentences.get()


@pytest.fixture
def warned(crc_order_case: Any, order: Sentence) -> WarningLetter:
    """A warning on the order on 12 November 2026 for a failure of 9 November."""
    first = failure(crc_order_case, dt.date(2026, 11, 9))
    return WarningLetter.objects.create(
        case=crc_order_case,
        sentence=order,
        failure=first,
        issued_on=dt.date(2026, 11, 12),
        letter="Warning.",
    )


@pytest.fixture
def referral(crc_order_case: Any, warned: WarningLetter, crc_practitioner: Any) -> BreachReferral:
    return breach_refer(
        failure=failure(crc_order_case), by_user=crc_practitioner, reason="Second failure."
    )


def under_review(referral: BreachReferral, officer: Any) -> BreachReferral:
    return breach_review_start(breach=referral, by_user=officer)


def in_court(referral: BreachReferral, officer: Any) -> BreachReferral:
    return breach_proceedings_start(
        breach=under_review(referral, officer), by_user=officer, hearing_on=timezone.localdate()
    )


# Referral ------------------------------------------------------------------------------------


def test_a_failure_within_12_months_of_a_warning_is_referred_as_mandatory(
    crc_order_case, order, warned, referral, crc_practitioner
):
    assert referral.state == BreachState.REFERRED
    assert referral.mandatory is True
    assert referral.kind == "order"
    assert referral.warning == warned
    assert referral.from_organisation == crc_order_case.responsible_organisation
    assert referral.due_on == breach_referral_due(
        failure_on=FAILURE_DAY, holidays=bank_holidays_from(FAILURE_DAY)
    )
    today = timezone.localdate()
    assert referral.review_due_on == breach_review_due(
        referred_on=today, holidays=bank_holidays_from(today)
    )
    event = AuditEvent.objects.get(action=AuditAction.BREACH_REFERRED)
    assert event.after["mandatory"] is True and event.crn == crc_order_case.person.crn


def test_the_evidence_pack_holds_the_failures_warnings_and_compliance_record(
    crc_order_case, warned, crc_practitioner
):
    failure(crc_order_case, dt.date(2026, 11, 16), outcome="attended_complied")
    failure(crc_order_case, dt.date(2026, 11, 17), outcome="acceptable_absence")
    ContactFactory(case=crc_order_case, starts_at=at(dt.date(2026, 12, 20)))  # booked only
    breach = breach_refer(
        failure=failure(crc_order_case), by_user=crc_practitioner, reason="Second failure."
    )
    evidence = breach.evidence
    assert [f["date"] for f in evidence["failures"]] == ["2026-11-09", "2026-11-23"]
    assert [w["issued_on"] for w in evidence["warnings"]] == ["2026-11-12"]
    counts = evidence["compliance"]["counts"]
    assert counts["unacceptable_absence"] == 2
    assert counts["attended_complied"] == 1 and counts["acceptable_absence"] == 1
    assert evidence["compliance"]["recorded"] == 4
    assert "12 November 2026" in evidence["rule"]


def test_a_first_failure_may_be_referred_as_the_officers_choice(crc_order_case, crc_practitioner):
    breach = breach_refer(
        failure=failure(crc_order_case), by_user=crc_practitioner, reason="Violent behaviour."
    )
    assert breach.mandatory is False and breach.warning is None
    assert AuditEvent.objects.get(action=AuditAction.BREACH_REFERRED).after["mandatory"] is False


def test_one_open_referral_per_order(crc_order_case, referral, crc_practitioner):
    with pytest.raises(Conflict, match="already has an open breach referral"):
        breach_refer(
            failure=failure(crc_order_case, dt.date(2026, 11, 24)),
            by_user=crc_practitioner,
            reason="Third failure.",
        )
    assert BreachReferral.objects.count() == 1


def test_a_returned_referral_leaves_the_order_open_to_another(
    crc_order_case, referral, crc_practitioner, enforcement_officer
):
    breach_return(
        breach=under_review(referral, enforcement_officer),
        by_user=enforcement_officer,
        directions="Hold a compliance meeting first.",
    )
    again = breach_refer(
        failure=failure(crc_order_case, dt.date(2026, 11, 25)),
        by_user=crc_practitioner,
        reason="Third failure.",
    )
    assert again.state == BreachState.REFERRED


def test_a_warned_failure_is_not_referred(crc_order_case, crc_practitioner):
    missed = failure(crc_order_case)
    warning_issue(failure=missed, by_user=crc_practitioner)
    with pytest.raises(Conflict, match="already has a warning"):
        breach_refer(failure=missed, by_user=crc_practitioner, reason="Changed my mind.")


def test_a_referral_needs_a_reason(crc_order_case, crc_practitioner):
    with pytest.raises(InvalidInput, match="Enter the reason") as refused:
        breach_refer(failure=failure(crc_order_case), by_user=crc_practitioner, reason="  ")
    assert refused.value.field == "reason"


def test_a_failure_during_post_sentence_supervision_is_a_pss_breach(
    crc_order_case, crc_practitioner
):
    custody = SentenceFactory(
        case=crc_order_case,
        disposal="custody",
        sentence_date=dt.date(2025, 6, 2),
        length_days=180,
        licence_end=dt.date(2026, 5, 31),
        supervision_end=dt.date(2027, 5, 31),
    )
    breach = breach_refer(
        failure=failure(crc_order_case, sentence=custody),
        by_user=crc_practitioner,
        reason="Missed two appointments.",
    )
    assert breach.kind == "pss"


@pytest.mark.parametrize(
    ("org", "roles"),
    [
        ("NPS", ["practitioner"]),
        ("NPS", ["enforcement_officer"]),
        ("CRC-C08", ["court_officer"]),
    ],
)
def test_only_the_responsible_organisation_refers(crc_order_case, org, roles):
    user = UserFactory(organisation=organisation(org), roles=roles)
    with pytest.raises(PermissionDenied):
        breach_refer(failure=failure(crc_order_case), by_user=user, reason="Reason.")
    assert not BreachReferral.objects.exists()


# The enforcement officer's steps -------------------------------------------------------------


def test_review_proceedings_and_outcome_in_order(referral, enforcement_officer):
    reviewing = under_review(referral, enforcement_officer)
    assert reviewing.state == BreachState.UNDER_REVIEW
    assert reviewing.reviewer == enforcement_officer and reviewing.review_started_at
    started = breach_proceedings_start(
        breach=reviewing, by_user=enforcement_officer, hearing_on=dt.date(2026, 12, 10)
    )
    assert started.state == BreachState.PROCEEDINGS_STARTED
    assert started.hearing_on == dt.date(2026, 12, 10)
    done = breach_outcome_record(
        breach=started,
        by_user=enforcement_officer,
        outcome="continues",
        outcome_on=timezone.localdate(),
        detail="Order continues; warned by the bench.",
    )
    assert done.state == BreachState.COURT_OUTCOME_RECORDED
    assert done.court_outcome == "continues" and done.outcome_recorded_by == enforcement_officer
    actions = list(
        AuditEvent.objects.filter(action__startswith="breach.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.BREACH_REFERRED,
        AuditAction.BREACH_REVIEW_STARTED,
        AuditAction.BREACH_PROCEEDINGS_STARTED,
        AuditAction.BREACH_OUTCOME_RECORDED,
    ]


def test_return_with_directions(referral, enforcement_officer):
    returned = breach_return(
        breach=under_review(referral, enforcement_officer),
        by_user=enforcement_officer,
        directions="Evidence of the second absence is missing.",
    )
    assert returned.state == BreachState.RETURNED
    assert returned.directions == "Evidence of the second absence is missing."
    assert AuditEvent.objects.filter(action=AuditAction.BREACH_RETURNED).exists()


def test_return_needs_directions(referral, enforcement_officer):
    with pytest.raises(InvalidInput, match="Enter the directions"):
        breach_return(
            breach=under_review(referral, enforcement_officer),
            by_user=enforcement_officer,
            directions="",
        )


def _start(breach, user):
    return breach_review_start(breach=breach, by_user=user)


def _proceed(breach, user):
    return breach_proceedings_start(breach=breach, by_user=user, hearing_on=dt.date(2026, 12, 1))


def _return(breach, user):
    return breach_return(breach=breach, by_user=user, directions="Directions.")


def _outcome(breach, user):
    return breach_outcome_record(
        breach=breach, by_user=user, outcome="continues", outcome_on=timezone.localdate()
    )


def _to_state(referral, officer, state):
    if state == "referred":
        return referral
    if state == "under_review":
        return under_review(referral, officer)
    if state == "proceedings_started":
        return in_court(referral, officer)
    if state == "returned":
        return _return(under_review(referral, officer), officer)
    return _outcome(in_court(referral, officer), officer)


ALLOWED = {
    ("referred", "start"),
    ("under_review", "proceed"),
    ("under_review", "return"),
    ("proceedings_started", "outcome"),
}
STEPS = {"start": _start, "proceed": _proceed, "return": _return, "outcome": _outcome}


@pytest.mark.parametrize(
    ("state", "step"),
    [
        (state, step)
        for state in (
            "referred",
            "under_review",
            "proceedings_started",
            "returned",
            "court_outcome_recorded",
        )
        for step in STEPS
        if (state, step) not in ALLOWED
    ],
)
def test_every_other_transition_is_refused(referral, enforcement_officer, state, step):
    breach = _to_state(referral, enforcement_officer, state)
    with pytest.raises(Conflict, match="This breach referral is"):
        STEPS[step](breach, enforcement_officer)
    breach.refresh_from_db()
    assert breach.state == state


@pytest.mark.parametrize(
    ("org", "roles"),
    [
        ("CRC-C08", ["practitioner"]),
        ("NPS", ["allocating_manager"]),
        ("NPS", ["practitioner"]),
        ("NPS", ["court_officer"]),
        ("CRC-C08", ["enforcement_officer"]),  # the role, outside the NPS
    ],
)
@pytest.mark.parametrize("step", list(STEPS))
def test_only_an_nps_enforcement_officer_decides(referral, enforcement_officer, org, roles, step):
    state = {
        "start": "referred",
        "proceed": "under_review",
        "return": "under_review",
        "outcome": "proceedings_started",
    }[step]
    breach = _to_state(referral, enforcement_officer, state)
    with pytest.raises(PermissionDenied):
        STEPS[step](breach, UserFactory(organisation=organisation(org), roles=roles))
    breach.refresh_from_db()
    assert breach.state == state


def test_the_hearing_cannot_be_before_the_referral(referral, enforcement_officer):
    with pytest.raises(InvalidInput, match="on or after the day of the referral"):
        breach_proceedings_start(
            breach=under_review(referral, enforcement_officer),
            by_user=enforcement_officer,
            hearing_on=dt.date(2026, 1, 1),
        )


def test_an_outcome_of_the_other_kind_of_breach_is_refused(referral, enforcement_officer):
    breach = in_court(referral, enforcement_officer)
    with pytest.raises(InvalidInput, match="Choose an outcome"):
        casework.breach_court_outcome_record(
            breach=breach,
            by_user=enforcement_officer,
            outcome="pss_custody",
            outcome_on=timezone.localdate(),
            custody_days=7,
        )
    breach.refresh_from_db()
    assert breach.state == BreachState.PROCEEDINGS_STARTED


def test_a_future_outcome_date_is_refused(referral, enforcement_officer):
    with pytest.raises(InvalidInput, match="future"):
        breach_outcome_record(
            breach=in_court(referral, enforcement_officer),
            by_user=enforcement_officer,
            outcome="continues",
            outcome_on=timezone.localdate() + dt.timedelta(days=1),
        )


# Queue ---------------------------------------------------------------------------------------


def test_the_queue_shows_open_referrals_overdue_first(
    crc_order_case, referral, enforcement_officer, crc_practitioner
):
    BreachReferral.objects.filter(pk=referral.pk).update(review_due_on=dt.date(2026, 12, 31))
    other_case_order = SentenceFactory(sentence_date=dt.date(2026, 10, 1))
    other = other_case_order.case
    old = BreachReferral.objects.create(
        case=other,
        sentence=other_case_order,
        failure=failure(other, sentence=other_case_order),
        reason="Old.",
        from_organisation=organisation("NPS"),
        due_on=dt.date(2026, 11, 1),
        review_due_on=dt.date(2026, 11, 2),
    )
    queue = breach_queue(for_user=enforcement_officer, today=dt.date(2026, 11, 30))
    assert [b.pk for b in queue] == [old.pk, referral.pk]
    assert [b.is_overdue for b in queue] == [True, False]
    assert breach_queue_counts(queue) == {
        "total": 2,
        "overdue": 1,
        "under_review": 0,
        "in_court": 0,
    }
    assert list(breach_queue(for_user=crc_practitioner)) == []


# Court outcomes change the sentence ----------------------------------------------------------


def test_order_continues_with_amended_requirements(
    crc_order_case, order, referral, enforcement_officer
):
    today = timezone.localdate()
    casework.breach_court_outcome_record(
        breach=in_court(referral, enforcement_officer),
        by_user=enforcement_officer,
        outcome="continues_amended",
        outcome_on=today,
        requirements=[("unpaid_work", 150), ("curfew", 8)],
    )
    running = {
        r.kind: r for r in order.requirements.all() if r.ends_on is None or r.ends_on > today
    }
    assert running["unpaid_work"].amount == 150
    assert running["curfew"].starts_on == today
    assert "rehabilitation_activity" not in running  # ended by the court
    assert order.requirements.get(kind="rehabilitation_activity").ends_on == today
    event = AuditEvent.objects.get(action=AuditAction.SENTENCE_AMENDED)
    assert {r["kind"] for r in event.before["requirements"]} == {
        "unpaid_work",
        "rehabilitation_activity",
    }
    referral.refresh_from_db()
    assert referral.court_outcome == "continues_amended"


def test_amended_requirements_within_the_sentencing_limits(referral, enforcement_officer):
    breach = in_court(referral, enforcement_officer)
    with pytest.raises(InvalidInput, match="Unpaid work must be between 40 and 300 hours"):
        casework.breach_court_outcome_record(
            breach=breach,
            by_user=enforcement_officer,
            outcome="continues_amended",
            outcome_on=timezone.localdate(),
            requirements=[("unpaid_work", 500)],
        )


def test_order_continues_with_a_fine_leaves_the_sentence(order, referral, enforcement_officer):
    casework.breach_court_outcome_record(
        breach=in_court(referral, enforcement_officer),
        by_user=enforcement_officer,
        outcome="continues_fine",
        outcome_on=timezone.localdate(),
        fine_pounds=250,
    )
    order.refresh_from_db()
    assert order.status == SentenceStatus.ACTIVE
    event = AuditEvent.objects.get(action=AuditAction.BREACH_OUTCOME_RECORDED)
    assert event.after["figures"] == {"fine_pounds": 250}


def test_order_revoked_and_custody_supersedes_it(
    crc_order_case, order, referral, enforcement_officer
):
    today = timezone.localdate()
    breach = casework.breach_court_outcome_record(
        breach=in_court(referral, enforcement_officer),
        by_user=enforcement_officer,
        outcome="revoked_custody",
        outcome_on=today,
        custody_days=90,
    )
    order.refresh_from_db()
    assert order.status == SentenceStatus.TERMINATED
    assert order.superseded_by == breach.new_sentence
    assert breach.new_sentence.disposal == "custody"
    assert breach.new_sentence.length_days == 90
    assert breach.new_sentence.release_date is not None
    assert AuditEvent.objects.filter(action=AuditAction.SENTENCE_RECORDED).exists()
    assert AuditEvent.objects.filter(action=AuditAction.SENTENCE_ENDED).exists()


def test_order_revoked_and_a_new_order_made(order, referral, enforcement_officer):
    breach = casework.breach_court_outcome_record(
        breach=in_court(referral, enforcement_officer),
        by_user=enforcement_officer,
        outcome="revoked_new_order",
        outcome_on=timezone.localdate(),
        new_order=casework.NewOrder(
            disposal="community_order", length_days=540, requirements=(("unpaid_work", 200),)
        ),
    )
    new = breach.new_sentence
    assert new.disposal == "community_order"
    assert list(new.requirements.values_list("kind", "amount")) == [("unpaid_work", 200)]
    order.refresh_from_db()
    assert order.superseded_by == new


def test_a_revoke_without_the_new_order_writes_nothing(order, referral, enforcement_officer):
    breach = in_court(referral, enforcement_officer)
    with pytest.raises(InvalidInput, match="Choose the new order"):
        casework.breach_court_outcome_record(
            breach=breach,
            by_user=enforcement_officer,
            outcome="revoked_new_order",
            outcome_on=timezone.localdate(),
        )
    order.refresh_from_db()
    assert order.status == SentenceStatus.ACTIVE and Sentence.objects.count() == 1


@pytest.fixture
def pss_referral(crc_order_case: Any, crc_practitioner: Any) -> BreachReferral:
    custody = SentenceFactory(
        case=crc_order_case,
        disposal="custody",
        sentence_date=dt.date(2025, 6, 2),
        length_days=180,
        licence_end=dt.date(2026, 5, 31),
        supervision_end=dt.date(2027, 5, 31),
    )
    return breach_refer(
        failure=failure(crc_order_case, sentence=custody),
        by_user=crc_practitioner,
        reason="Missed appointments.",
    )


def test_pss_supervision_default_order_adds_unpaid_work(pss_referral, enforcement_officer):
    casework.breach_court_outcome_record(
        breach=in_court(pss_referral, enforcement_officer),
        by_user=enforcement_officer,
        outcome="pss_sdo_unpaid_work",
        outcome_on=timezone.localdate(),
        unpaid_work_hours=40,
    )
    added = pss_referral.sentence.requirements.get()
    assert (added.kind, added.amount) == ("unpaid_work", 40)
    assert "Supervision default order" in added.detail


def test_pss_curfew_runs_for_its_days(pss_referral, enforcement_officer):
    today = timezone.localdate()
    casework.breach_court_outcome_record(
        breach=in_court(pss_referral, enforcement_officer),
        by_user=enforcement_officer,
        outcome="pss_sdo_curfew",
        outcome_on=today,
        curfew_hours_a_day=10,
        curfew_days=30,
    )
    curfew = pss_referral.sentence.requirements.get()
    assert (curfew.kind, curfew.amount) == ("curfew", 10)
    assert curfew.ends_on == today + dt.timedelta(days=29)


@pytest.mark.parametrize(
    ("outcome", "figures", "message"),
    [
        ("pss_custody", {"custody_days": 15}, "between 1 and 14 days"),
        ("pss_fine", {"fine_pounds": 1500}, "level 3"),
        ("pss_sdo_unpaid_work", {"unpaid_work_hours": 61}, "between 20 and 60 hours"),
        ("revoked_custody", {"custody_days": 30}, "Choose an outcome"),
    ],
)
def test_pss_outcomes_within_the_limits(
    pss_referral, enforcement_officer, outcome, figures, message
):
    breach = in_court(pss_referral, enforcement_officer)
    with pytest.raises(InvalidInput, match=message):
        casework.breach_court_outcome_record(
            breach=breach,
            by_user=enforcement_officer,
            outcome=outcome,
            outcome_on=timezone.localdate(),
            **figures,
        )
    assert not pss_referral.sentence.requirements.exists()


def test_pss_custody_is_recorded_without_changing_the_supervision(
    pss_referral, enforcement_officer
):
    breach = casework.breach_court_outcome_record(
        breach=in_court(pss_referral, enforcement_officer),
        by_user=enforcement_officer,
        outcome="pss_custody",
        outcome_on=timezone.localdate(),
        custody_days=14,
    )
    assert breach.court_outcome == "pss_custody" and breach.new_sentence is None
    pss_referral.sentence.refresh_from_db()
    assert pss_referral.sentence.status == SentenceStatus.ACTIVE


def test_a_court_officer_does_not_record_a_breach_outcome(referral, enforcement_officer):
    breach = in_court(referral, enforcement_officer)
    court_officer = UserFactory(organisation=organisation("NPS"), roles=["court_officer"])
    with pytest.raises(PermissionDenied):
        casework.breach_court_outcome_record(
            breach=breach,
            by_user=court_officer,
            outcome="revoked_custody",
            outcome_on=timezone.localdate(),
            custody_days=30,
        )
    assert Sentence.objects.count() == 1


@postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_referrals_on_one_order_at_once_open_one(crc_order_case, crc_practitioner):
    manager = UserFactory(organisation=organisation("CRC-C08"), roles=["allocating_manager"])
    failures = [failure(crc_order_case), failure(crc_order_case, dt.date(2026, 11, 24))]
    results = run_together(
        *[
            lambda user=user, missed=missed: breach_refer(
                failure=missed, by_user=user, reason="Refer."
            )
            for user, missed in zip([crc_practitioner, manager], failures, strict=True)
        ]
    )
    assert len([r for r in results if isinstance(r, BreachReferral)]) == 1
    [refusal] = [r for r in results if not isinstance(r, BreachReferral)]
    assert isinstance(refusal, Conflict), refusal
    assert BreachReferral.objects.count() == 1
