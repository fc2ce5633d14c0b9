"""Recall of a person on licence (``docs/domain/enforcement.md``, "Licence and post-sentence
supervision"): the responsible officer's request, the NPS enforcement officer's review and
decision, an NPS manager's sign-off, and the recall sent.

States: ``requested → under_review → decided → sent``; every other transition is refused with a
plain message. A decision of ``no_recall`` has nothing to send to the police, so the manager's
sign-off closes it: it moves to ``sent`` at once (the decision not to recall is sent back to the
officer who asked), and ``recall_send`` refuses it. Without that a signed-off ``no_recall`` would
stay open and block every later request for the case (one open recall per case).

A person on post-sentence supervision is not recalled: the request is refused and the message
says the failure goes to a magistrates' court by a breach referral (``sentences.md``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probation.core.audit import AuditAction, audit, audited_update
from probation.core.calendar import bank_holidays_from
from probation.core.errors import Conflict, InvalidInput
from probation.core.limits import checked_text
from probation.enforcement.models import Recall, RecallDecision, RecallReason, RecallState
from probation.enforcement.recall_selectors import (
    fixed_term_option,
    is_recall_decider,
    is_recall_signatory,
    latest_custodial_sentence,
    may_request_recall,
    open_recall,
    period_of,
)
from probation.people.locking import begin_case_change, begin_responsible_change
from probation.people.models import Case, CaseStatus
from probation.people.selectors import ensure_case_visible
from probation.rules import clocks
from probation.rules.recall import LICENCE, POST_SENTENCE_SUPERVISION

#: The longest details or reasons a recall carries (a page of text).
RECALL_TEXT_MAX = 5000

PSS_REFUSAL = (
    "{name} is on post-sentence supervision, not on licence, so cannot be recalled. A failure "
    "during post-sentence supervision goes to a magistrates' court: make a breach referral "
    "instead."
)


def _text(value: str, *, field: str, label: str) -> str:
    return checked_text(value, field=field, label=label, max_length=RECALL_TEXT_MAX)


def _state(recall: Recall) -> dict[str, Any]:
    return {
        "state": recall.state,
        "reviewer": recall.reviewer_id,
        "decision": recall.decision,
        "decided_by": recall.decided_by_id,
        "signed_off_by": recall.signed_off_by_id,
        "sent_by": recall.sent_by_id,
    }


def _locked(recall: Recall, *, expected: str) -> Recall:
    locked = Recall.objects.select_for_update().get(pk=recall.pk)
    if locked.state != expected:
        raise Conflict(
            f"This recall is {locked.get_state_display().lower()}: it must be "
            f"{RecallState(expected).label.lower()} for that."
        )
    return locked


def _begin(
    recall: Recall, by_user: Any, *, expected_version: int | None, submission_token: str
) -> Case:
    ensure_case_visible(by_user, recall.case)
    return begin_case_change(
        case=recall.case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )


def _refresh(recall: Recall, locked: Recall) -> None:
    for field in (
        "state",
        "reviewer",
        "review_started_at",
        "decision",
        "decision_reasons",
        "decided_by",
        "decided_at",
        "signed_off_by",
        "signed_off_at",
        "sent_by",
        "sent_at",
    ):
        setattr(recall, field, getattr(locked, field))


def _ensure_decider(user: Any) -> None:
    if not is_recall_decider(user):
        raise PermissionDenied("Only an NPS enforcement officer reviews and decides a recall.")


@transaction.atomic
def recall_request(
    *,
    case: Case,
    by_user: Any,
    reason: str,
    details: str,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Recall:
    """The responsible officer's organisation (NPS or CRC) asks the NPS to recall a person on
    licence. Refused during post-sentence supervision (breach goes to a magistrates' court),
    outside a licence, for a closed case, and while another recall of the case is open. The NPS
    decision is due 1 working day later."""
    locked = begin_responsible_change(
        case=case,
        by_user=by_user,
        allowed=may_request_recall(by_user, case),
        refusal="Only a practitioner or manager of the organisation responsible for the case "
        "requests a recall.",
        expected_version=expected_version,
        submission_token=submission_token,
    )
    if reason not in RecallReason.values:
        raise InvalidInput("Choose why the person should be recalled", field="reason")
    text = _text(details, field="details", label="the details of the request")
    if locked.status != CaseStatus.ACTIVE:
        raise InvalidInput("This case is closed: only a person under supervision is recalled.")
    requested_at = timezone.now()
    today = timezone.localdate(requested_at)
    sentence = latest_custodial_sentence(locked)
    period = period_of(sentence, on=today) if sentence is not None else None
    name = locked.person.full_name
    if period is not None and period.period == POST_SENTENCE_SUPERVISION:
        raise InvalidInput(PSS_REFUSAL.format(name=name))
    if sentence is None or period is None or period.period != LICENCE:
        why = period.reason if period is not None else "There is no custodial sentence."
        raise InvalidInput(f"Only a person on licence is recalled. {why}")
    if open_recall(locked) is not None:
        raise Conflict("A recall of this case has already been requested and is not yet sent.")
    decision_due_on = clocks.recall_decision_due(
        requested_on=today, holidays=bank_holidays_from(today)
    )
    recall = Recall.objects.create(
        case=locked,
        sentence=sentence,
        reason=reason,
        details=text,
        from_organisation=locked.responsible_organisation,
        requested_by=by_user,
        requested_at=requested_at,
        decision_due_on=decision_due_on,
    )
    audit(
        by_user,
        AuditAction.RECALL_REQUESTED,
        recall,
        crn=locked.person.crn,
        after={
            "state": recall.state,
            "reason": reason,
            "details": text,
            "sentence": sentence.pk,
            "decision_due_on": decision_due_on,
        },
        details={"organisation": locked.responsible_organisation.code},
    )
    return recall


@transaction.atomic
def recall_review_start(
    *,
    recall: Recall,
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Recall:
    """An NPS enforcement officer takes a requested recall for review (they become its
    reviewer)."""
    _ensure_decider(by_user)
    case = _begin(
        recall, by_user, expected_version=expected_version, submission_token=submission_token
    )
    locked = _locked(recall, expected=RecallState.REQUESTED)
    audited_update(
        locked,
        by_user=by_user,
        action=AuditAction.RECALL_REVIEW_STARTED,
        crn=case.person.crn,
        snapshot=_state,
        state=RecallState.UNDER_REVIEW,
        reviewer=by_user,
        review_started_at=timezone.now(),
    )
    _refresh(recall, locked)
    return locked


@transaction.atomic
def recall_decide(
    *,
    recall: Recall,
    by_user: Any,
    decision: str,
    reasons: str,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Recall:
    """An NPS enforcement officer decides a recall under review: a standard recall, a
    fixed-term recall (refused for an extended or indeterminate sentence, or under MAPPA level
    2 or 3), or no recall, with the reasons. Any NPS enforcement officer may decide, not only
    the one who started the review (a colleague may take over an urgent recall)."""
    _ensure_decider(by_user)
    case = _begin(
        recall, by_user, expected_version=expected_version, submission_token=submission_token
    )
    locked = _locked(recall, expected=RecallState.UNDER_REVIEW)
    if decision not in RecallDecision.values:
        raise InvalidInput("Choose a standard recall, a fixed-term recall or no recall",
                           field="decision")  # fmt: skip
    text = _text(reasons, field="reasons", label="the reasons for the decision")
    option = fixed_term_option(locked)
    if decision == RecallDecision.FIXED_TERM and not option.available:
        raise InvalidInput(option.reason, field="decision")
    audited_update(
        locked,
        by_user=by_user,
        action=AuditAction.RECALL_DECIDED,
        crn=case.person.crn,
        snapshot=_state,
        details={"reasons": text, "fixed_term": option.reason},
        state=RecallState.DECIDED,
        decision=decision,
        decision_reasons=text,
        decided_by=by_user,
        decided_at=timezone.now(),
    )
    _refresh(recall, locked)
    return locked


@transaction.atomic
def recall_sign_off(
    *,
    recall: Recall,
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Recall:
    """An NPS allocating manager, not the officer who decided, signs the decision off. A
    decision of no recall is then closed (state ``sent``: the decision goes back to the officer
    who asked); a recall waits for :func:`recall_send`."""
    if not is_recall_signatory(by_user):
        raise PermissionDenied("Only an NPS allocating manager signs off a recall decision.")
    case = _begin(
        recall, by_user, expected_version=expected_version, submission_token=submission_token
    )
    locked = _locked(recall, expected=RecallState.DECIDED)
    if locked.signed_off_by_id is not None:
        raise Conflict("This recall decision has already been signed off.")
    if locked.decided_by_id == by_user.pk:
        raise PermissionDenied(
            "You decided this recall: another NPS manager must sign the decision off."
        )
    now = timezone.now()
    changes: dict[str, Any] = {"signed_off_by": by_user, "signed_off_at": now}
    closed = locked.decision == RecallDecision.NO_RECALL
    if closed:
        changes |= {"state": RecallState.SENT, "sent_by": by_user, "sent_at": now}
    audited_update(
        locked,
        by_user=by_user,
        action=AuditAction.RECALL_SIGNED_OFF,
        crn=case.person.crn,
        snapshot=_state,
        details={"closed": closed},
        **changes,
    )
    _refresh(recall, locked)
    return locked


@transaction.atomic
def recall_send(
    *,
    recall: Recall,
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Recall:
    """An NPS enforcement officer sends a signed-off recall (standard or fixed-term). Refused
    before sign-off, and for a decision of no recall (closed at sign-off)."""
    _ensure_decider(by_user)
    case = _begin(
        recall, by_user, expected_version=expected_version, submission_token=submission_token
    )
    locked = _locked(recall, expected=RecallState.DECIDED)
    if locked.signed_off_by_id is None:
        raise Conflict("A manager must sign this decision off before the recall is sent.")
    if locked.decision == RecallDecision.NO_RECALL:  # pragma: no cover - closed at sign-off
        raise Conflict("The decision is not to recall: there is nothing to send.")
    audited_update(
        locked,
        by_user=by_user,
        action=AuditAction.RECALL_SENT,
        crn=case.person.crn,
        snapshot=_state,
        state=RecallState.SENT,
        sent_by=by_user,
        sent_at=timezone.now(),
    )
    _refresh(recall, locked)
    return locked
