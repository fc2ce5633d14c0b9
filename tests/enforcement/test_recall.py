"""Recall of a person on licence (docs/domain/enforcement.md): request, review, decision,
sign-off and sending; every transition, the refused ones, and who may take each step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from probation.core.audit import AuditAction
from probation.core.errors import CaseNotAvailable, Conflict, InvalidInput
from probation.core.models import AuditEvent
from probation.enforcement.models import Recall, RecallState
from probation.enforcement.recall_selectors import (
    case_recalls,
    recall_queue,
    recalls_awaiting_sign_off,
    supervision_period_panel,
)
from probation.enforcement.recall_services import (
    recall_decide,
    recall_request,
    recall_review_start,
    recall_send,
    recall_sign_off,
)
from probation.risk.models import Assessment
from tests.factories import CaseFactory, SentenceFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db


def custody(case: Any, *, period: str = "licence", disposal: str = "custody") -> Any:
    """A custodial sentence of ``case`` whose person is, today, on ``period``: "licence",
    "pss" (post-sentence supervision), "custody" (not yet released) or "ended"."""
    today = timezone.localdate()
    release = {
        "licence": today - dt.timedelta(days=30),
        "pss": today - dt.timedelta(days=120),
        "custody": today + dt.timedelta(days=30),
        "ended": today - dt.timedelta(days=400),
    }[period]
    licence_end = release + dt.timedelta(days=90)
    supervision_end = release + dt.timedelta(days=365)
    return SentenceFactory(
        case=case,
        disposal=disposal,
        sentence_date=release - dt.timedelta(days=90),
        length_days=180,
        expected_end_date=None,
        release_date=release,
        sentence_expiry_date=licence_end,
        licence_end=licence_end,
        supervision_end=None if disposal != "custody" else supervision_end,
    )


def mappa(case: Any, level: int) -> Assessment:
    return Assessment.objects.create(
        case=case,
        assessed_on=timezone.localdate(),
        report_type="fast",
        rosh_public="high",
        rosh_known_adult="low",
        rosh_children="low",
        rosh_staff="low",
        mappa_category=2,
        mappa_level=level,
    )


def nps_manager(**kwargs: Any) -> Any:
    return UserFactory(
        organisation=organisation("NPS"), roles=["allocating_manager"], grade="SPO", **kwargs
    )


def request_for(case: Any, user: Any, **kwargs: Any) -> Recall:
    return recall_request(
        case=case,
        by_user=user,
        reason=kwargs.pop("reason", "contact_lost"),
        details=kwargs.pop("details", "Not at the approved address since Monday."),
        **kwargs,
    )


@pytest.fixture
def licence_case(crc_case: Any) -> Any:
    custody(crc_case)
    return crc_case


@pytest.fixture
def manager(db: Any) -> Any:
    return nps_manager(username="nps.spo")


@pytest.fixture
def requested(licence_case: Any, crc_practitioner: Any) -> Recall:
    return request_for(licence_case, crc_practitioner)


@pytest.fixture
def under_review(requested: Recall, enforcement_officer: Any) -> Recall:
    return recall_review_start(recall=requested, by_user=enforcement_officer)


def _decided(recall: Recall, officer: Any, decision: str = "standard") -> Recall:
    return recall_decide(
        recall=recall, by_user=officer, decision=decision, reasons="Whereabouts unknown."
    )


def _events(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# Request ---------------------------------------------------------------------------------


def test_the_crc_officer_requests_a_recall_with_a_clock_and_an_audit_event(
    licence_case: Any, crc_practitioner: Any
) -> None:
    recall = request_for(licence_case, crc_practitioner, reason="risk_increased")
    assert recall.state == RecallState.REQUESTED
    assert recall.from_organisation.code == "CRC-C08"
    assert recall.sentence.disposal == "custody"
    assert recall.decision_due_on > timezone.localdate()
    assert (recall.decision_due_on - timezone.localdate()).days <= 5  # 1 working day
    (event,) = _events(AuditAction.RECALL_REQUESTED)
    assert event.actor_id == crc_practitioner.pk
    assert event.after["reason"] == "risk_increased"


def test_an_nps_practitioner_requests_a_recall_of_an_nps_case(nps_practitioner: Any) -> None:
    case = CaseFactory(
        responsible_organisation=organisation("NPS"), responsible_officer=nps_practitioner
    )
    custody(case)
    assert request_for(case, nps_practitioner).from_organisation.code == "NPS"


def test_a_person_on_post_sentence_supervision_is_not_recalled(
    crc_case: Any, crc_practitioner: Any
) -> None:
    custody(crc_case, period="pss")
    with pytest.raises(InvalidInput) as refused:
        request_for(crc_case, crc_practitioner)
    assert "post-sentence supervision" in refused.value.message
    assert "magistrates' court" in refused.value.message
    assert "breach referral" in refused.value.message
    assert not Recall.objects.exists()


@pytest.mark.parametrize("period", ["custody", "ended"])
def test_a_person_not_on_licence_is_not_recalled(
    crc_case: Any, crc_practitioner: Any, period: str
) -> None:
    custody(crc_case, period=period)
    with pytest.raises(InvalidInput, match="Only a person on licence is recalled"):
        request_for(crc_case, crc_practitioner)


def test_a_person_on_a_community_order_is_not_recalled(
    crc_order_case: Any, crc_practitioner: Any
) -> None:
    with pytest.raises(InvalidInput, match="no custodial sentence"):
        request_for(crc_order_case, crc_practitioner)


def test_one_open_recall_per_case(requested: Recall, crc_practitioner: Any) -> None:
    with pytest.raises(Conflict, match="already been requested"):
        request_for(requested.case, crc_practitioner)
    assert Recall.objects.count() == 1


def test_another_organisation_may_not_request(
    licence_case: Any, other_crc_practitioner: Any, nps_practitioner: Any
) -> None:
    for user in (other_crc_practitioner, nps_practitioner):
        with pytest.raises(PermissionDenied):
            request_for(licence_case, user)


def test_an_enforcement_officer_does_not_request(
    licence_case: Any, enforcement_officer: Any
) -> None:
    with pytest.raises(PermissionDenied):
        request_for(licence_case, enforcement_officer)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": "bored"}, "reason"),
        ({"details": "   "}, "details"),
        ({"details": "x" * 5001}, "details"),
    ],
)
def test_a_request_needs_a_reason_and_details(
    licence_case: Any, crc_practitioner: Any, kwargs: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        request_for(licence_case, crc_practitioner, **kwargs)
    assert refused.value.field == field


def test_a_closed_case_is_not_recalled(licence_case: Any, crc_practitioner: Any) -> None:
    licence_case.status = "closed"
    licence_case.closed_on = timezone.localdate()
    licence_case.save()
    with pytest.raises(InvalidInput, match="closed"):
        request_for(licence_case, crc_practitioner)


def test_a_stale_form_is_refused(licence_case: Any, crc_practitioner: Any) -> None:
    with pytest.raises(Conflict):
        request_for(licence_case, crc_practitioner, expected_version=licence_case.version + 5)


# Review and decision -----------------------------------------------------------------------


def test_an_enforcement_officer_starts_the_review(
    requested: Recall, enforcement_officer: Any
) -> None:
    recall = recall_review_start(recall=requested, by_user=enforcement_officer)
    assert recall.state == RecallState.UNDER_REVIEW
    assert recall.reviewer == enforcement_officer
    (event,) = _events(AuditAction.RECALL_REVIEW_STARTED)
    assert (event.before["state"], event.after["state"]) == ("requested", "under_review")


@pytest.mark.parametrize("who", ["crc_practitioner", "nps_practitioner", "manager"])
def test_only_an_nps_enforcement_officer_reviews(
    requested: Recall, who: str, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(PermissionDenied):
        recall_review_start(recall=requested, by_user=request.getfixturevalue(who))


def test_a_crc_enforcement_officer_may_not_review(requested: Recall) -> None:
    crc_officer = UserFactory(organisation=organisation("CRC-C08"), roles=["enforcement_officer"])
    with pytest.raises(PermissionDenied):
        recall_review_start(recall=requested, by_user=crc_officer)


def test_the_review_is_not_started_twice(under_review: Recall, enforcement_officer: Any) -> None:
    with pytest.raises(Conflict, match="under review"):
        recall_review_start(recall=under_review, by_user=enforcement_officer)


def test_a_requested_recall_is_not_decided_before_review(
    requested: Recall, enforcement_officer: Any
) -> None:
    with pytest.raises(Conflict, match="must be under review"):
        _decided(requested, enforcement_officer)


@pytest.mark.parametrize("decision", ["standard", "fixed_term", "no_recall"])
def test_the_officer_decides(under_review: Recall, enforcement_officer: Any, decision: str) -> None:
    recall = _decided(under_review, enforcement_officer, decision)
    assert (recall.state, recall.decision) == (RecallState.DECIDED, decision)
    assert recall.decided_by == enforcement_officer
    assert recall.decision_reasons == "Whereabouts unknown."
    (event,) = _events(AuditAction.RECALL_DECIDED)
    assert event.after["decision"] == decision


def test_a_decision_needs_reasons_and_a_known_decision(
    under_review: Recall, enforcement_officer: Any
) -> None:
    with pytest.raises(InvalidInput) as refused:
        recall_decide(recall=under_review, by_user=enforcement_officer, decision="x", reasons="r")
    assert refused.value.field == "decision"
    with pytest.raises(InvalidInput) as refused:
        recall_decide(
            recall=under_review, by_user=enforcement_officer, decision="standard", reasons=" "
        )
    assert refused.value.field == "reasons"
    under_review.refresh_from_db()
    assert under_review.state == RecallState.UNDER_REVIEW


@pytest.mark.parametrize(
    ("disposal", "level", "words"),
    [
        ("custody_extended", None, "extended sentence"),
        ("custody_indeterminate", None, "life or IPP"),
        ("custody", 2, "MAPPA level 2"),
        ("custody", 3, "MAPPA level 3"),
    ],
)
def test_fixed_term_recall_is_refused_where_the_rule_excludes_it(
    crc_case: Any,
    crc_practitioner: Any,
    enforcement_officer: Any,
    disposal: str,
    level: int | None,
    words: str,
) -> None:
    custody(crc_case, disposal=disposal)
    if level is not None:
        mappa(crc_case, level)
    recall = recall_review_start(
        recall=request_for(crc_case, crc_practitioner), by_user=enforcement_officer
    )
    with pytest.raises(InvalidInput, match=words) as refused:
        _decided(recall, enforcement_officer, "fixed_term")
    assert refused.value.field == "decision"
    recall.refresh_from_db()
    assert recall.state == RecallState.UNDER_REVIEW
    assert _decided(recall, enforcement_officer, "standard").decision == "standard"


def test_fixed_term_recall_is_allowed_at_mappa_level_1(
    licence_case: Any, crc_practitioner: Any, enforcement_officer: Any
) -> None:
    mappa(licence_case, 1)
    recall = recall_review_start(
        recall=request_for(licence_case, crc_practitioner), by_user=enforcement_officer
    )
    assert _decided(recall, enforcement_officer, "fixed_term").decision == "fixed_term"


def test_a_colleague_may_decide_a_review_another_started(under_review: Recall) -> None:
    colleague = UserFactory(organisation=organisation("NPS"), roles=["enforcement_officer"])
    assert _decided(under_review, colleague).decided_by == colleague


# Sign-off and sending ------------------------------------------------------------------------


def test_a_manager_signs_off_then_the_officer_sends(
    under_review: Recall, enforcement_officer: Any, manager: Any
) -> None:
    decided = _decided(under_review, enforcement_officer, "fixed_term")
    with pytest.raises(Conflict, match="sign this decision off"):
        recall_send(recall=decided, by_user=enforcement_officer)
    signed = recall_sign_off(recall=decided, by_user=manager)
    assert (signed.state, signed.signed_off_by) == (RecallState.DECIDED, manager)
    sent = recall_send(recall=signed, by_user=enforcement_officer)
    assert (sent.state, sent.sent_by) == (RecallState.SENT, enforcement_officer)
    assert [e.after["state"] for e in _events(AuditAction.RECALL_SENT)] == ["sent"]
    assert _events(AuditAction.RECALL_SIGNED_OFF)[0].details == {"closed": False}


def test_no_recall_is_closed_at_sign_off(
    under_review: Recall, enforcement_officer: Any, manager: Any, crc_practitioner: Any
) -> None:
    decided = _decided(under_review, enforcement_officer, "no_recall")
    signed = recall_sign_off(recall=decided, by_user=manager)
    assert (signed.state, signed.sent_by) == (RecallState.SENT, manager)
    assert _events(AuditAction.RECALL_SIGNED_OFF)[0].details == {"closed": True}
    with pytest.raises(Conflict, match="sent"):
        recall_send(recall=signed, by_user=enforcement_officer)
    # Closed, so a new request for the case may be made.
    assert request_for(decided.case, crc_practitioner).state == RecallState.REQUESTED


def test_the_decider_may_not_sign_off_their_own_decision(under_review: Recall) -> None:
    both = UserFactory(
        organisation=organisation("NPS"), roles=["enforcement_officer", "allocating_manager"]
    )
    decided = _decided(under_review, both)
    with pytest.raises(PermissionDenied, match="another NPS manager"):
        recall_sign_off(recall=decided, by_user=both)
    assert recalls_awaiting_sign_off(for_user=both).count() == 0
    assert recall_sign_off(recall=decided, by_user=nps_manager()).signed_off_by is not None


@pytest.mark.parametrize("who", ["enforcement_officer", "crc_practitioner"])
def test_only_an_nps_manager_signs_off(
    under_review: Recall, enforcement_officer: Any, who: str, request: pytest.FixtureRequest
) -> None:
    decided = _decided(under_review, enforcement_officer)
    with pytest.raises(PermissionDenied):
        recall_sign_off(recall=decided, by_user=request.getfixturevalue(who))


def test_a_crc_manager_may_not_sign_off(under_review: Recall, enforcement_officer: Any) -> None:
    decided = _decided(under_review, enforcement_officer)
    crc_manager = UserFactory(organisation=organisation("CRC-C08"), roles=["allocating_manager"])
    with pytest.raises(PermissionDenied):
        recall_sign_off(recall=decided, by_user=crc_manager)


def test_sign_off_is_refused_before_a_decision_and_twice(
    under_review: Recall, enforcement_officer: Any, manager: Any
) -> None:
    with pytest.raises(Conflict, match="must be decided"):
        recall_sign_off(recall=under_review, by_user=manager)
    decided = _decided(under_review, enforcement_officer)
    recall_sign_off(recall=decided, by_user=manager)
    with pytest.raises(Conflict, match="already been signed off"):
        recall_sign_off(recall=decided, by_user=nps_manager())


def test_a_sent_recall_takes_no_further_step(
    under_review: Recall, enforcement_officer: Any, manager: Any
) -> None:
    decided = _decided(under_review, enforcement_officer)
    recall_sign_off(recall=decided, by_user=manager)
    sent = recall_send(recall=decided, by_user=enforcement_officer)
    for step in (recall_review_start, recall_send):
        with pytest.raises(Conflict, match="is sent"):
            step(recall=sent, by_user=enforcement_officer)
    with pytest.raises(Conflict, match="is sent"):
        _decided(sent, enforcement_officer)
    with pytest.raises(Conflict, match="is sent"):
        recall_sign_off(recall=sent, by_user=nps_manager())


def test_only_an_enforcement_officer_sends(
    under_review: Recall, enforcement_officer: Any, manager: Any
) -> None:
    decided = _decided(under_review, enforcement_officer)
    recall_sign_off(recall=decided, by_user=manager)
    with pytest.raises(PermissionDenied):
        recall_send(recall=decided, by_user=manager)


def test_an_officer_who_may_not_see_the_case_is_refused(requested: Recall) -> None:
    from probation.people.models import AccessKind, CaseAccess

    officer = UserFactory(organisation=organisation("NPS"), roles=["enforcement_officer"])
    CaseAccess.objects.create(case=requested.case, user=officer, kind=AccessKind.EXCLUSION)
    with pytest.raises(CaseNotAvailable):
        recall_review_start(recall=requested, by_user=officer)


# Selectors -------------------------------------------------------------------------------


def test_the_queue_holds_open_recalls_with_overdue_first(
    requested: Recall, enforcement_officer: Any, crc_practitioner: Any, manager: Any
) -> None:
    Recall.objects.filter(pk=requested.pk).update(
        decision_due_on=timezone.localdate() - dt.timedelta(days=2)
    )
    other = CaseFactory(
        responsible_organisation=organisation("CRC-C08"), responsible_officer=crc_practitioner
    )
    custody(other)
    later = request_for(other, crc_practitioner)
    queue = list(recall_queue(for_user=enforcement_officer))
    assert [r.pk for r in queue] == [requested.pk, later.pk]
    assert [r.is_overdue for r in queue] == [True, False]
    assert recall_queue(for_user=manager).count() == 0
    assert recall_queue(for_user=crc_practitioner).count() == 0


def test_awaiting_sign_off_lists_decided_recalls_for_nps_managers(
    under_review: Recall, enforcement_officer: Any, manager: Any
) -> None:
    assert recalls_awaiting_sign_off(for_user=manager).count() == 0
    decided = _decided(under_review, enforcement_officer)
    assert [r.pk for r in recalls_awaiting_sign_off(for_user=manager)] == [decided.pk]
    assert recalls_awaiting_sign_off(for_user=enforcement_officer).count() == 0
    recall_sign_off(recall=decided, by_user=manager)
    assert recalls_awaiting_sign_off(for_user=manager).count() == 0


def test_a_case_lists_its_recalls(requested: Recall) -> None:
    assert case_recalls(requested.case) == [requested]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("licence", "licence"),
        ("pss", "post_sentence_supervision"),
        ("custody", "none"),
        ("ended", "none"),
    ],
)
def test_the_supervision_period_panel(crc_case: Any, period: str, expected: str) -> None:
    sentence = custody(crc_case, period=period)
    panel = supervision_period_panel(crc_case)
    assert panel["sentence"] == sentence
    assert panel["period"].period == expected


def test_the_panel_is_empty_without_a_custodial_sentence(crc_order_case: Any) -> None:
    assert supervision_period_panel(crc_order_case)["sentence"] is None


def test_a_recall_on_a_non_custodial_sentence_offers_no_fixed_term(
    crc_order_case: Any,
) -> None:
    """Recalls are made only on licence, but a page must not fail on a row made otherwise."""
    from probation.enforcement.recall_selectors import fixed_term_option

    recall = Recall.objects.create(
        case=crc_order_case,
        sentence=crc_order_case.sentences.get(),
        reason="other",
        details="Imported",
        from_organisation=crc_order_case.responsible_organisation,
        decision_due_on=timezone.localdate(),
    )
    option = fixed_term_option(recall)
    assert not option.available
    assert "custodial" in option.reason
