"""Disposals, and the custody dates of a determinate sentence: release, licence, post-sentence
supervision.

Spec: ``docs/domain/sentences.md``, sections "Disposals the platform records" and "Custody
dates".

These dates decide when a case moves from the custody workload to the licence workload and when
post-sentence supervision (Offender Rehabilitation Act 2014) starts and ends, so every date comes
with the rule that produced it in ``reasons``.
"""

from __future__ import annotations

import datetime as _dt
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from probation.rules import _validate
from probation.rules.dates import add_months, in_words, whole_years

# --- Disposals (docs/domain/sentences.md, "Disposals the platform records") ---------------------

#: The disposals the platform records, in the order of the spec's table.
DISPOSALS: Final[tuple[str, ...]] = (
    "community_order",
    "suspended_sentence_order",
    "custody",
    "custody_extended",
    "custody_indeterminate",
)
#: Custodial disposals: release, licence and supervision dates apply; no community requirements.
CUSTODIAL_DISPOSALS: Final[frozenset[str]] = frozenset(
    {"custody", "custody_extended", "custody_indeterminate"}
)
#: Extended and indeterminate (life or IPP) sentences: no post-sentence supervision, and an
#: indeterminate sentence has no computed release date (the Parole Board decides).
EXTENDED_OR_INDETERMINATE: Final[frozenset[str]] = frozenset(
    {"custody_extended", "custody_indeterminate"}
)
#: Why an indeterminate sentence has no computed dates: the reason recorded in their place.
INDETERMINATE_REASON: Final = (
    "Indeterminate sentence (life or IPP): release is decided by the Parole Board, so no release "
    "date is computed."
)
#: Disposals that carry requirements (community orders and suspended sentence orders).
DISPOSALS_WITH_REQUIREMENTS: Final[frozenset[str]] = frozenset(
    {"community_order", "suspended_sentence_order"}
)
#: Disposal -> the sentence ``kind`` of a :class:`probation.rules.tiering.TierSentence`
#: (``docs/domain/tiering.md``: custodial, community or suspended).
TIER_SENTENCE_KIND: Final[Mapping[str, str]] = types.MappingProxyType(
    {
        "community_order": "community",
        "suspended_sentence_order": "suspended",
        "custody": "custodial",
        "custody_extended": "custodial",
        "custody_indeterminate": "custodial",
    }
)

# --- Custody dates (docs/domain/sentences.md, "Custody dates") ----------------------------------

#: Offences committed on or after this date fall under the Offender Rehabilitation Act 2014.
ORA_COMMENCEMENT: Final = _dt.date(2015, 2, 1)
#: "Under 12 months": a sentence shorter than this many days.
TWELVE_MONTHS_DAYS: Final = 365
#: "Under 2 years": a sentence shorter than this many days.
TWO_YEARS_DAYS: Final = 730
#: Post-sentence supervision runs to release + this many calendar months.
SUPERVISION_MONTHS: Final = 12
ADULT_AGE: Final = 18

_ONE_DAY: Final = _dt.timedelta(days=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class CustodyFacts:
    """Facts of one determinate custodial sentence (names as ``docs/domain/sentences.md``).

    Keyword-only, because the spec lists a defaulted field (``remand_days``) before required ones.
    """

    sentence_date: _dt.date
    length_days: int
    remand_days: int = 0
    offence_date: _dt.date
    date_of_birth: _dt.date
    extended: bool = False

    def __post_init__(self) -> None:
        _validate.date("sentence_date", self.sentence_date)
        _validate.integer("length_days", self.length_days, minimum=1)
        _validate.integer("remand_days", self.remand_days, minimum=0)
        _validate.date("offence_date", self.offence_date)
        _validate.date("date_of_birth", self.date_of_birth)
        _validate.boolean("extended", self.extended)
        if self.offence_date > self.sentence_date:
            raise ValueError(
                f"offence_date: must not be after sentence_date "
                f"({self.sentence_date.isoformat()}), got {self.offence_date.isoformat()}"
            )
        if self.date_of_birth >= self.offence_date:
            raise ValueError(
                f"date_of_birth: must be before offence_date "
                f"({self.offence_date.isoformat()}), got {self.date_of_birth.isoformat()}"
            )
        try:
            self.sentence_date + _dt.timedelta(days=self.length_days)
            add_months(self.sentence_date + _dt.timedelta(days=self.length_days), 12)
        except (OverflowError, ValueError):
            raise ValueError(
                f"length_days: runs past the last supported date, got {self.length_days}"
            ) from None


@dataclass(frozen=True, slots=True)
class CustodyDates:
    """The dates of a sentence, with the rules that produced them (in order)."""

    release_date: _dt.date
    sentence_expiry_date: _dt.date
    licence_end: _dt.date | None
    supervision_end: _dt.date | None
    reasons: tuple[str, ...]


def halfway_days(length_days: int) -> int:
    """Days to the halfway point of a sentence, ``ceil(length_days / 2)``: release is on the last
    of them, ``sentence_date + halfway_days(length_days) - 1 day - remand_days``.

    >>> halfway_days(184), halfway_days(185)
    (92, 93)
    """
    return (length_days + 1) // 2


def custody_dates(facts: CustodyFacts) -> CustodyDates:
    """Release, sentence expiry, licence end and supervision end for a determinate sentence."""
    sd = facts.sentence_date
    length = facts.length_days
    reasons: list[str] = []

    sed = sd + _dt.timedelta(days=length - 1)
    reasons.append(f"Sentence expiry {in_words(sed)}: sentence date + {length} days − 1 day.")

    halfway = halfway_days(length)
    offset = halfway - 1 - facts.remand_days
    release = sd + _dt.timedelta(days=max(offset, 0))
    text = (
        f"Automatic conditional release at the halfway point: sentence date + {halfway} days "
        f"− 1 day"
    )
    if facts.remand_days:
        text += f" − {facts.remand_days} days on remand"
    if offset < 0:
        reasons.append(
            f"{text} falls before the sentence date, so release is on the sentence date "
            f"{in_words(sd)}."
        )
    else:
        reasons.append(f"{text} = {in_words(release)}.")

    pre_ora = facts.offence_date < ORA_COMMENCEMENT
    licence_end: _dt.date | None
    if pre_ora and length < TWELVE_MONTHS_DAYS:
        licence_end = None
        reasons.append(
            "No licence: a sentence under 12 months for an offence committed before "
            "1 February 2015 ends in unconditional release."
        )
    else:
        licence_end = sed
        reasons.append(f"Licence from release to sentence expiry ({in_words(sed)}).")

    supervision_end: _dt.date | None = None
    age_at_release = whole_years(facts.date_of_birth, release)
    if pre_ora:
        reasons.append(
            "No post-sentence supervision: the offence was committed before 1 February 2015."
        )
    elif length <= 1:
        reasons.append("No post-sentence supervision: the sentence is not more than 1 day.")
    elif length >= TWO_YEARS_DAYS:
        reasons.append(
            f"No post-sentence supervision: the sentence ({length} days) is not under 2 years."
        )
    elif facts.extended:
        reasons.append("No post-sentence supervision: the sentence is an extended sentence.")
    elif age_at_release < ADULT_AGE:
        reasons.append(
            f"No post-sentence supervision: the person is {age_at_release}, under 18, on the "
            f"release date."
        )
    else:
        twelve_months = add_months(release, SUPERVISION_MONTHS)
        if licence_end is not None and licence_end >= twelve_months:
            reasons.append(
                f"No post-sentence supervision: the licence already reaches "
                f"release + 12 months ({in_words(twelve_months)})."
            )
        else:
            supervision_end = twelve_months
            reasons.append(
                f"Post-sentence supervision (Offender Rehabilitation Act 2014) after the licence "
                f"until release + 12 months ({in_words(twelve_months)})."
            )

    return CustodyDates(release, sed, licence_end, supervision_end, tuple(reasons))
