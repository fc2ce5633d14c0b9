"""Turning a case record into the facts the pure rules take (``probation.rules``).

Kept apart from the services so that the single-case path and the batch recompute build facts
the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from probation.rules.custody import TIER_SENTENCE_KIND
from probation.rules.dates import whole_years
from probation.rules.ogrs3 import Ogrs3Facts
from probation.rules.tiering import TierFacts, TierSentence

IOM = "integrated_offender_management"


@dataclass(frozen=True)
class HistoryFacts:
    """What OGRS3 needs from a case, read from its records."""

    sex: str
    date_of_birth: dt.date
    conviction_date: dt.date | None
    follow_up_start: dt.date | None
    offence_category: str | None
    sanction_dates: Sequence[dt.date]


def ogrs3_facts(history: HistoryFacts) -> Ogrs3Facts | None:
    """OGRS3 facts, or None when the case has no current conviction to score.

    Sanctions before the current conviction count, plus the current one; the first sanction's age
    is the age at the earliest of them (the current conviction if there is no history).
    """
    if history.conviction_date is None or history.offence_category is None:
        return None
    earlier = [d for d in history.sanction_dates if d < history.conviction_date]
    first = min(earlier, default=history.conviction_date)
    follow_up = history.follow_up_start or history.conviction_date
    return Ogrs3Facts(
        sex=history.sex,
        date_of_birth=history.date_of_birth,
        conviction_date=history.conviction_date,
        follow_up_start=max(follow_up, history.conviction_date),
        total_sanctions=len(earlier) + 1,
        first_sanction_age=whole_years(history.date_of_birth, first),
        offence_category=history.offence_category,
    )


def tier_facts(
    *,
    sex: str,
    case_active: bool,
    assessment: Any | None,
    registrations: Iterable[str],
    sentences: Iterable[tuple[str, Sequence[str]]],
) -> TierFacts:
    """Tier facts from the latest assessment, active registrations and active sentences.

    ``sentences`` are (disposal, requirement keys) of the *active* sentences. A case is
    unsupervised (the ``S`` suffix) when it is closed or has no active sentence
    (docs/adr/0006-assessment-questions.md).
    """
    kinds = set(registrations)
    active_sentences = [
        TierSentence(kind=TIER_SENTENCE_KIND[disposal], active=True, requirements=tuple(reqs))
        for disposal, reqs in sentences
    ]
    from probation.risk.questionnaire import impulsivity_or_temper

    women = sex == "female"
    return TierFacts(
        sex=sex,
        rsr=float(assessment.rsr)
        if assessment is not None and assessment.rsr is not None
        else None,
        ogrs=assessment.ogrs3_two_year if assessment is not None else None,
        rosh=assessment.rosh if assessment is not None else None,
        mappa_level=assessment.mappa_level if assessment is not None else None,
        complexity_factors=frozenset(kinds - {IOM}),
        parenting_responsibilities=bool(
            women and assessment and assessment.parenting_responsibilities
        ),
        impulsivity_or_temper=bool(
            women and assessment and impulsivity_or_temper(assessment.answers)
        ),
        previous_enforcement=bool(women and assessment and assessment.previous_enforcement),
        integrated_offender_management=IOM in kinds,
        unsupervised=not case_active or not active_sentences,
        sentences=tuple(active_sentences),
        needs=dict(assessment.need_severities) if assessment is not None else None,
    )


def facts_to_json(facts: TierFacts) -> dict[str, Any]:
    """Tier facts as stored in the history: what ``core.audit.to_jsonable`` gives for them (sets
    sorted, tuples as lists), written out so that a national recompute does not walk every
    value generically."""
    return {
        "sex": facts.sex,
        "rsr": facts.rsr,
        "ogrs": facts.ogrs,
        "rosh": facts.rosh,
        "mappa_level": facts.mappa_level,
        "complexity_factors": sorted(facts.complexity_factors),
        "parenting_responsibilities": facts.parenting_responsibilities,
        "impulsivity_or_temper": facts.impulsivity_or_temper,
        "previous_enforcement": facts.previous_enforcement,
        "integrated_offender_management": facts.integrated_offender_management,
        "unsupervised": facts.unsupervised,
        "sentences": [
            {"kind": s.kind, "active": s.active, "requirements": list(s.requirements)}
            for s in facts.sentences
        ],
        "needs": dict(facts.needs) if facts.needs is not None else None,
    }
