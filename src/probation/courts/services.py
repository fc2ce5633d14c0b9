"""Recording court outcomes. Custody dates come from ``probation.rules.custody``
(``docs/domain/sentences.md``) and are stored with the reasons that explain them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from probation.core.audit import AuditAction, audit, snapshot
from probation.core.errors import InvalidInput
from probation.core.limits import EVENT_DATES, check_date
from probation.courts.custody import custody_dates_for, is_custodial
from probation.courts.models import (
    CourtEvent,
    Disposal,
    Requirement,
    RequirementKind,
    Sentence,
)
from probation.courts.selectors import latest_court_event, offence_dates_of
from probation.people.locking import begin_case_change
from probation.people.models import Case
from probation.people.selectors import ensure_case_visible
from probation.rules.dates import add_months
from probation.workforce.models import RoleCode

SENTENCING_ROLES = (RoleCode.COURT_OFFICER,)


MAX_LENGTH_DAYS = 365 * 50


def _check_sentence(
    *,
    disposal: str,
    length_days: int,
    remand_days: int,
    requirements: Sequence[tuple[str, int | None]],
) -> None:
    """Refuse a sentence whose type, length, remand or requirements make no sense."""
    if disposal not in Disposal.values:
        raise InvalidInput("Choose a sentence type", field="disposal")
    if not 1 <= length_days <= MAX_LENGTH_DAYS:
        raise InvalidInput("Enter a length between 1 and 18250 days", field="length_days")
    if remand_days < 0 or remand_days > length_days:
        raise InvalidInput(
            "Days on remand must be between 0 and the sentence length", field="remand_days"
        )
    if is_custodial(disposal) and requirements:
        raise InvalidInput(
            "A custodial sentence has no community requirements", field="requirements"
        )
    for kind, _amount in requirements:
        if kind not in RequirementKind.values:
            raise InvalidInput(f"Unknown requirement: {kind}", field="requirements")


def _latest_offence_date(event: CourtEvent | None) -> dt.date:
    if event is None:
        raise InvalidInput("Record the court event before the sentence", field="disposal")
    offence_dates = offence_dates_of(event)
    if not offence_dates:
        raise InvalidInput("The court event has no offences", field="disposal")
    return max(offence_dates)


@transaction.atomic
def sentence_record(
    *,
    case: Case,
    by_user: Any,
    disposal: str,
    sentence_date: dt.date,
    length_days: int,
    remand_days: int = 0,
    requirements: Sequence[tuple[str, int | None]] = (),
    court_event: CourtEvent | None = None,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Sentence:
    """Record a sentence on the case's latest court event.

    The tier depends on the sentence: pages record sentences through
    :func:`probation.casework.services.sentence_record`, which recomputes it in the same
    transaction (courts knows nothing of risk).
    """
    if not (by_user.is_authenticated and by_user.has_role(*SENTENCING_ROLES)):
        raise PermissionDenied("Only a court officer may record a sentence.")
    ensure_case_visible(by_user, case)
    begin_case_change(
        case=case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    check_date(sentence_date, EVENT_DATES, field="sentence_date", label="date of sentence")
    _check_sentence(
        disposal=disposal,
        length_days=length_days,
        remand_days=remand_days,
        requirements=requirements,
    )
    event = court_event or latest_court_event(case)
    offence_date = _latest_offence_date(event)
    if sentence_date < offence_date:
        raise InvalidInput(
            "The sentence date must be on or after the offence date", field="sentence_date"
        )
    fields: dict[str, Any] = {}
    if is_custodial(disposal):
        fields = custody_dates_for(
            disposal=disposal,
            sentence_date=sentence_date,
            length_days=length_days,
            remand_days=remand_days,
            offence_date=offence_date,
            date_of_birth=case.person.date_of_birth,
        )
    else:
        fields["expected_end_date"] = sentence_date + dt.timedelta(days=length_days - 1)
    sentence = Sentence.objects.create(
        case=case,
        court_event=event,
        disposal=disposal,
        sentence_date=sentence_date,
        length_days=length_days,
        remand_days=remand_days,
        **fields,
    )
    made = [
        Requirement.objects.create(
            sentence=sentence,
            kind=kind,
            amount=amount,
            starts_on=sentence_date,
            ends_on=add_months(sentence_date, 12) if kind == "unpaid_work" else None,
        )
        for kind, amount in requirements
    ]
    audit(
        by_user,
        AuditAction.SENTENCE_RECORDED,
        sentence,
        crn=case.person.crn,
        after={
            **snapshot(sentence),
            "requirements": [snapshot(r, ["kind", "amount", "starts_on", "ends_on"]) for r in made],
        },
    )
    return sentence
