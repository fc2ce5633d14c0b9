"""Serious further offences (``docs/domain/enforcement.md``, "Serious further offences"): the
responsible organisation's notification, then the review.

States: ``notified → review_started → review_completed``; every other transition is refused.
The notification is due 5 working days after the charge. A late notification is still taken
(refusing it would hide the offence) and is counted as late by the selectors, from the day it
was recorded against the day it was due; the audit event says so too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probation.core.audit import AuditAction, audit, audited_update
from probation.core.calendar import bank_holidays_from
from probation.core.errors import Conflict, InvalidInput
from probation.core.limits import EVENT_DATES, check_date, checked_text
from probation.courts.models import Offence
from probation.enforcement.models import SeriousFurtherOffence, SfoState
from probation.enforcement.sfo_selectors import (
    SFO_DAYS_AFTER_END,
    may_notify_sfo,
    may_review_sfo,
)
from probation.people.locking import begin_case_change, begin_responsible_change
from probation.people.models import Case, CaseStatus
from probation.people.selectors import ensure_case_visible
from probation.rules import clocks
from probation.rules.dates import in_words

#: The longest offence description (the model's column) and review findings.
SFO_DESCRIPTION_MAX = 300
SFO_FINDINGS_MAX = 10_000


def _text(value: str, *, field: str, label: str, limit: int) -> str:
    return checked_text(value, field=field, label=label, max_length=limit)


def _state(sfo: SeriousFurtherOffence) -> dict[str, Any]:
    return {"state": sfo.state, "reviewer": sfo.reviewer_id}


def _check_charge_date(case: Case, charged_on: dt.date, today: dt.date) -> None:
    """The charge must fall while the person was supervised, or within 28 days of its end."""
    check_date(charged_on, EVENT_DATES, field="charged_on", label="date of the charge")
    if charged_on > today:
        raise InvalidInput(
            "The date of the charge must be today or in the past", field="charged_on"
        )
    if charged_on < case.opened_on:
        raise InvalidInput(
            f"The date of the charge must be on or after the start of supervision "
            f"({in_words(case.opened_on)})",
            field="charged_on",
        )
    if case.status != CaseStatus.ACTIVE:
        if case.closed_on is None:
            raise InvalidInput("This case is not under supervision.")
        last = case.closed_on + dt.timedelta(days=SFO_DAYS_AFTER_END)
        if charged_on > last:
            raise InvalidInput(
                f"Supervision ended on {in_words(case.closed_on)}: a serious further offence is "
                f"notified only when charged within {SFO_DAYS_AFTER_END} days of its end (by "
                f"{in_words(last)})",
                field="charged_on",
            )


@transaction.atomic
def sfo_notify(
    *,
    case: Case,
    by_user: Any,
    offence_description: str,
    charged_on: dt.date,
    offence: Offence | None = None,
    expected_version: int | None = None,
    submission_token: str = "",
) -> SeriousFurtherOffence:
    """The organisation responsible for a person under supervision (or within 28 days of its
    end) records a serious further offence charged on ``charged_on``. Due 5 working days after
    the charge; a late notification is recorded and counted as late."""
    locked = begin_responsible_change(
        case=case,
        by_user=by_user,
        allowed=may_notify_sfo(by_user, case),
        refusal="Only a practitioner or manager of the organisation responsible for the case "
        "notifies a serious further offence.",
        expected_version=expected_version,
        submission_token=submission_token,
    )
    text = _text(
        offence_description,
        field="offence_description",
        label="the offence charged",
        limit=SFO_DESCRIPTION_MAX,
    )
    notified_at = timezone.now()
    today = timezone.localdate(notified_at)
    _check_charge_date(locked, charged_on, today)
    due_on = clocks.sfo_notification_due(
        charged_on=charged_on, holidays=bank_holidays_from(charged_on)
    )
    sfo = SeriousFurtherOffence.objects.create(
        case=locked,
        offence=offence,
        offence_description=text,
        charged_on=charged_on,
        organisation=locked.responsible_organisation,
        contract_area=locked.contract_area,
        notification_due_on=due_on,
        notified_by=by_user,
        notified_at=notified_at,
    )
    audit(
        by_user,
        AuditAction.SFO_NOTIFIED,
        sfo,
        crn=locked.person.crn,
        after={
            "state": sfo.state,
            "offence": text,
            "charged_on": charged_on,
            "notification_due_on": due_on,
        },
        details={
            "organisation": locked.responsible_organisation.code,
            "contract_area": locked.contract_area.code,
            "late": today > due_on,
        },
    )
    return sfo


def _begin_review(
    sfo: SeriousFurtherOffence,
    by_user: Any,
    *,
    expected: str,
    expected_version: int | None,
    submission_token: str,
) -> tuple[Case, SeriousFurtherOffence]:
    if not may_review_sfo(by_user, sfo):
        raise PermissionDenied(
            "Only an allocating manager of the organisation that notified it, or of the NPS, "
            "reviews a serious further offence."
        )
    ensure_case_visible(by_user, sfo.case)
    case = begin_case_change(
        case=sfo.case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    locked = SeriousFurtherOffence.objects.select_for_update().get(pk=sfo.pk)
    if locked.state != expected:
        raise Conflict(
            f"This serious further offence is {locked.get_state_display().lower()}: it must be "
            f"{SfoState(expected).label.lower()} for that."
        )
    return case, locked


@transaction.atomic
def sfo_review_start(
    *,
    sfo: SeriousFurtherOffence,
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> SeriousFurtherOffence:
    """A manager starts the review of a notified SFO (they become its reviewer)."""
    case, locked = _begin_review(
        sfo,
        by_user,
        expected=SfoState.NOTIFIED,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    audited_update(
        locked,
        by_user=by_user,
        action=AuditAction.SFO_REVIEW_STARTED,
        crn=case.person.crn,
        snapshot=_state,
        state=SfoState.REVIEW_STARTED,
        reviewer=by_user,
        review_started_at=timezone.now(),
    )
    sfo.state, sfo.reviewer, sfo.review_started_at = (
        locked.state,
        locked.reviewer,
        locked.review_started_at,
    )
    return locked


@transaction.atomic
def sfo_review_complete(
    *,
    sfo: SeriousFurtherOffence,
    by_user: Any,
    findings: str,
    expected_version: int | None = None,
    submission_token: str = "",
) -> SeriousFurtherOffence:
    """A manager completes the review under way, with its findings."""
    case, locked = _begin_review(
        sfo,
        by_user,
        expected=SfoState.REVIEW_STARTED,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    text = _text(findings, field="findings", label="the findings", limit=SFO_FINDINGS_MAX)
    audited_update(
        locked,
        by_user=by_user,
        action=AuditAction.SFO_REVIEW_COMPLETED,
        crn=case.person.crn,
        snapshot=_state,
        details={"findings": text},
        state=SfoState.REVIEW_COMPLETED,
        review_completed_at=timezone.now(),
        review_findings=text,
    )
    sfo.state, sfo.review_completed_at, sfo.review_findings = (
        locked.state,
        locked.review_completed_at,
        locked.review_findings,
    )
    return locked
