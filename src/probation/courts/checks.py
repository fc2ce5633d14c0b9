"""Checks of a sentence before it is recorded, shared by the service that records it and the
forms that ask for it (so a refusal is shown on the step where it was entered).

:func:`check_sentence` refuses input that makes no sense (an unknown type, a length out of
range); :func:`check_limits` refuses a sentence the court may not pass, by the sentencing limits
of ``probation.rules.sentencing``. Both raise :class:`~probation.core.errors.InvalidInput`
naming the form field. Pure: no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from probation.core.errors import InvalidInput
from probation.courts.custody import is_custodial
from probation.courts.models import Disposal, ModeOfTrial, RequirementKind
from probation.rules.sentencing import SentencingFacts, sentencing_refusals

MAX_LENGTH_DAYS = 365 * 50


def check_sentence(
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


def check_limits(
    *,
    court_kind: str,
    offence_modes: Sequence[str],
    disposal: str,
    sentence_date: dt.date,
    length_days: int,
    suspended_for_days: int | None,
    requirements: Sequence[tuple[str, int | None]],
    complete: bool,
) -> None:
    """Refuse a sentence the court may not pass: the first limit it breaks, on its field."""
    modes = list(offence_modes)
    refusals = sentencing_refusals(
        SentencingFacts(
            court_kind=court_kind,
            disposal=disposal,
            sentence_date=sentence_date,
            length_days=length_days,
            suspended_for_days=suspended_for_days,
            either_way_offences=modes.count(ModeOfTrial.EITHER_WAY),
            indictable_offences=modes.count(ModeOfTrial.INDICTABLE),
            requirements=tuple(requirements),
            complete=complete,
        )
    )
    if refusals:
        raise InvalidInput(refusals[0].message, field=refusals[0].field)
