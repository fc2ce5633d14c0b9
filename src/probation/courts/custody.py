"""A sentence's key dates as Sentence fields, from the pure rule (``probation.rules.custody``,
docs/domain/sentences.md), with the reasons that explain them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from probation.core.errors import InvalidInput
from probation.courts.models import Disposal
from probation.rules.custody import (
    CUSTODIAL_DISPOSALS,
    INDETERMINATE_REASON,
    CustodyFacts,
    custody_dates,
)


def is_custodial(disposal: str) -> bool:
    return disposal in CUSTODIAL_DISPOSALS


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
            "date_reasons": [INDETERMINATE_REASON],
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
