"""Recall of people on licence: whether a fixed-term recall is available, and which supervision
period a custodial sentence is in on a given day.

Spec: ``docs/domain/enforcement.md``, section "Licence and post-sentence supervision", and
``docs/domain/sentences.md`` (the custody dates: release, ``licence_end``, ``supervision_end``).

Why this is a rule and not a check in a service: the same two answers decide what a responsible
officer may ask for (a person on post-sentence supervision is not recalled: the failure goes to a
magistrates' court by a breach referral) and what the NPS may decide (no fixed-term recall for an
extended or indeterminate sentence, nor under MAPPA level 2 or 3), and both are shown to people
with their reason before they act.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Final

from probation.rules import _validate
from probation.rules.custody import CUSTODIAL_DISPOSALS
from probation.rules.dates import in_words

__all__ = [
    "FIXED_TERM_EXCLUDED_DISPOSALS",
    "FIXED_TERM_EXCLUDED_MAPPA_LEVELS",
    "LICENCE",
    "MAPPA_LEVELS",
    "NO_PERIOD",
    "POST_SENTENCE_SUPERVISION",
    "SUPERVISION_PERIODS",
    "FixedTermRecall",
    "SupervisionPeriod",
    "fixed_term_recall",
    "supervision_period",
]

#: The supervision periods of a custodial sentence on a day.
LICENCE: Final = "licence"
POST_SENTENCE_SUPERVISION: Final = "post_sentence_supervision"
NO_PERIOD: Final = "none"
SUPERVISION_PERIODS: Final = (LICENCE, POST_SENTENCE_SUPERVISION, NO_PERIOD)

#: MAPPA levels as recorded on an assessment (1 ordinary, 2 active, 3 senior management).
MAPPA_LEVELS: Final = (1, 2, 3)

#: ``enforcement.md``: "A fixed-term recall is not available for extended or indeterminate
#: sentences, nor where MAPPA level 2 or 3 applies." One table, the words shown to people.
FIXED_TERM_EXCLUDED_DISPOSALS: Final = {
    "custody_extended": "an extended sentence",
    "custody_indeterminate": "an indeterminate sentence (life or IPP)",
}
FIXED_TERM_EXCLUDED_MAPPA_LEVELS: Final = {
    2: "MAPPA level 2 (active multi-agency management)",
    3: "MAPPA level 3 (senior multi-agency management)",
}


@dataclass(frozen=True, slots=True)
class FixedTermRecall:
    """Whether a fixed-term recall may be decided, and why, in one sentence."""

    available: bool
    reason: str


def fixed_term_recall(*, disposal: str, mappa_level: int | None) -> FixedTermRecall:
    """Whether a fixed-term recall is available for a person on licence from a custodial
    sentence of ``disposal``, managed at ``mappa_level`` (None when not MAPPA-managed).

    The sentence is checked before MAPPA: when both exclude it, the reason names the sentence.

    >>> fixed_term_recall(disposal="custody", mappa_level=1).available
    True
    >>> fixed_term_recall(disposal="custody_extended", mappa_level=None).reason
    'A fixed-term recall is not available for an extended sentence: only a standard recall.'
    """
    _validate.choice("disposal", disposal, tuple(sorted(CUSTODIAL_DISPOSALS)))
    _validate.choice("mappa_level", mappa_level, MAPPA_LEVELS, allow_none=True)
    if disposal in FIXED_TERM_EXCLUDED_DISPOSALS:
        return FixedTermRecall(
            False,
            f"A fixed-term recall is not available for "
            f"{FIXED_TERM_EXCLUDED_DISPOSALS[disposal]}: only a standard recall.",
        )
    if mappa_level in FIXED_TERM_EXCLUDED_MAPPA_LEVELS:
        return FixedTermRecall(
            False,
            f"A fixed-term recall is not available where "
            f"{FIXED_TERM_EXCLUDED_MAPPA_LEVELS[mappa_level]} applies: only a standard recall.",
        )
    return FixedTermRecall(
        True,
        "A fixed-term recall is available: the sentence is determinate and MAPPA level 2 or 3 "
        "does not apply.",
    )


def _check_dates(
    on: _dt.date,
    release_date: _dt.date | None,
    licence_end: _dt.date | None,
    supervision_end: _dt.date | None,
    indeterminate: bool,
) -> None:
    _validate.date("on", on)
    for name, value in (
        ("release_date", release_date),
        ("licence_end", licence_end),
        ("supervision_end", supervision_end),
    ):
        if value is not None:
            _validate.date(name, value)
    _validate.boolean("indeterminate", indeterminate)
    if release_date is None:
        return
    if licence_end is not None and licence_end < release_date:
        raise ValueError("licence_end: must not be before release_date")
    if supervision_end is not None and supervision_end < (licence_end or release_date):
        raise ValueError("supervision_end: must not be before licence_end or release_date")


@dataclass(frozen=True, slots=True)
class SupervisionPeriod:
    """The period a custodial sentence is in on a day, its dates (None where open or not
    applicable), and why, in one sentence."""

    period: str
    starts_on: _dt.date | None
    ends_on: _dt.date | None
    reason: str

    def __post_init__(self) -> None:
        _validate.choice("period", self.period, SUPERVISION_PERIODS)


def supervision_period(
    *,
    on: _dt.date,
    release_date: _dt.date | None,
    licence_end: _dt.date | None,
    supervision_end: _dt.date | None,
    indeterminate: bool = False,
) -> SupervisionPeriod:
    """The supervision period on day ``on`` of a custodial sentence with these custody dates
    (``sentences.md``): on licence from release to ``licence_end`` (both days included), then on
    post-sentence supervision to ``supervision_end`` (included); otherwise none.

    An indeterminate sentence (life or IPP) has no licence end: once released the person is on
    licence for life (``indeterminate=True``). A sentence with no licence (under 12 months for
    an offence before 1 February 2015) has no post-sentence supervision either, so only
    ``supervision_end`` given without ``licence_end`` starts supervision at release.

    >>> supervision_period(on=_dt.date(2026, 3, 1), release_date=_dt.date(2026, 1, 1),
    ...     licence_end=_dt.date(2026, 6, 30), supervision_end=_dt.date(2027, 1, 1)).period
    'licence'
    >>> supervision_period(on=_dt.date(2026, 7, 1), release_date=_dt.date(2026, 1, 1),
    ...     licence_end=_dt.date(2026, 6, 30), supervision_end=_dt.date(2027, 1, 1)).period
    'post_sentence_supervision'
    """
    _check_dates(on, release_date, licence_end, supervision_end, indeterminate)
    if release_date is None:
        return SupervisionPeriod(
            NO_PERIOD, None, None, "No release date is recorded: the person is not yet released."
        )
    if on < release_date:
        return SupervisionPeriod(
            NO_PERIOD,
            None,
            None,
            f"In custody until release on {in_words(release_date)}.",
        )
    if indeterminate:
        return SupervisionPeriod(
            LICENCE,
            release_date,
            None,
            f"On licence since release on {in_words(release_date)}: an indeterminate sentence's "
            "licence has no end date.",
        )
    if licence_end is not None and on <= licence_end:
        return SupervisionPeriod(
            LICENCE,
            release_date,
            licence_end,
            f"On licence from release on {in_words(release_date)} until {in_words(licence_end)}.",
        )
    if supervision_end is not None and on <= supervision_end:
        starts_on = licence_end + _dt.timedelta(days=1) if licence_end is not None else release_date
        return SupervisionPeriod(
            POST_SENTENCE_SUPERVISION,
            starts_on,
            supervision_end,
            f"On post-sentence supervision from {in_words(starts_on)} until "
            f"{in_words(supervision_end)}, after the licence.",
        )
    last = supervision_end or licence_end
    if last is None:
        return SupervisionPeriod(
            NO_PERIOD,
            None,
            None,
            f"Released unconditionally on {in_words(release_date)}: no licence and no "
            "post-sentence supervision.",
        )
    return SupervisionPeriod(
        NO_PERIOD,
        None,
        None,
        f"Licence and supervision ended on {in_words(last)}.",
    )
