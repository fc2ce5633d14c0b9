"""Recording court outcomes. Custody dates come from ``probation.rules.custody``
(``domain/sentences.md``) and are stored with the reasons that explain them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from probation.core.audit import audit, snapshot
from probation.core.errors import InvalidInput
from probation.courts.models import (
    CourtEvent,
    Disposal,
    Requirement,
    RequirementKind,
    Sentence,
)
from probation.people.models import Case
from probation.people.selectors import ensure_case_visible
from probation.rules.custody import CustodyFacts, custody_dates
from probation.rules.dates import add_months
from probation.workforce.models import RoleCode

SENTENCING_ROLES = (RoleCode.COURT_OFFICER,)
MAX_LENGTH_DAYS = 365 * 50


def custody_dates_for(
    *,
    disposal: str,
    sentence_date: dt.date,
    length_days: int,
    remand_days: int,
    offence_date: dt.date,
    date_of_birth: dt.date,
) -> dict[str, Any]:
    """The key dates of a custodial sentence and their reasons, as Sentence fields."""
    if disposal == Disposal.CUSTODY_INDETERMINATE:
        return {
            "release_date": None,
            "sentence_expiry_date": None,
            "licence_end": None,
            "supervision_end": None,
            "date_reasons": [
                "Indeterminate sentence (life or IPP): release is decided by the Parole Board, "
                "so no release date is computed."
            ],
        }
    try:
        dates = custody_dates(
            CustodyFacts(
                sentence_date=sentence_date,
                length_days=length_days,
                remand_days=remand_days,
                offence_date=offence_date,
                date_of_birth=date_of_birth,
                extended=disposal == Disposal.CUSTODY_EXTENDED,
            )
        )
    except ValueError as error:
        raise InvalidInput(str(error), field="length_days") from error
    return {
        "release_date": dates.release_date,
        "sentence_expiry_date": dates.sentence_expiry_date,
        "licence_end": dates.licence_end,
        "supervision_end": dates.supervision_end,
        "date_reasons": list(dates.reasons),
    }


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
) -> Sentence:
    """Record a sentence on the case's latest court event; the tier is recomputed."""
    if not (by_user.is_authenticated and by_user.has_role(*SENTENCING_ROLES)):
        raise PermissionDenied("Only a court officer may record a sentence.")
    ensure_case_visible(by_user, case)
    if disposal not in Disposal.values:
        raise InvalidInput("Choose a sentence type", field="disposal")
    if not 1 <= length_days <= MAX_LENGTH_DAYS:
        raise InvalidInput("Enter a length between 1 and 18250 days", field="length_days")
    if remand_days < 0 or remand_days > length_days:
        raise InvalidInput(
            "Days on remand must be between 0 and the sentence length", field="remand_days"
        )
    event = court_event or CourtEvent.objects.filter(case=case).order_by("-hearing_date").first()
    if event is None:
        raise InvalidInput("Record the court event before the sentence", field="disposal")
    offence_dates = list(event.offences.values_list("offence_date", flat=True))
    if not offence_dates:
        raise InvalidInput("The court event has no offences", field="disposal")
    if sentence_date < max(offence_dates):
        raise InvalidInput(
            "The sentence date must be on or after the offence date", field="sentence_date"
        )
    custodial = disposal in (
        Disposal.CUSTODY,
        Disposal.CUSTODY_EXTENDED,
        Disposal.CUSTODY_INDETERMINATE,
    )
    if custodial and requirements:
        raise InvalidInput(
            "A custodial sentence has no community requirements", field="requirements"
        )
    for kind, _amount in requirements:
        if kind not in RequirementKind.values:
            raise InvalidInput(f"Unknown requirement: {kind}", field="requirements")
    fields: dict[str, Any] = {}
    if custodial:
        fields = custody_dates_for(
            disposal=disposal,
            sentence_date=sentence_date,
            length_days=length_days,
            remand_days=remand_days,
            offence_date=max(offence_dates),
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
    for kind, amount in requirements:
        Requirement.objects.create(
            sentence=sentence,
            kind=kind,
            amount=amount,
            starts_on=sentence_date,
            ends_on=add_months(sentence_date, 12) if kind == "unpaid_work" else None,
        )
    audit(by_user, "sentence.recorded", sentence, crn=case.person.crn, after=snapshot(sentence))
    from probation.risk.services import tier_recompute

    tier_recompute(case=case, by_user=by_user, trigger="sentence")
    return sentence
