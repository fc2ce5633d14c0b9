"""Workflows that span domain apps, as explicit calls in one transaction.

A domain app never calls another sideways to make a workflow happen: courts records a sentence
and knows nothing of tiers; risk recomputes a tier and knows nothing of pages. The casework layer
calls one, then the other, inside one ``transaction.atomic`` so that either both happen or neither
does (docs/adr/0008-layers-and-cross-app-workflows.md). Later workflows land here in the same
shape: sentence recorded → tier → sift (here) → assignment (by a manager); contact recorded → warning → breach referral.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from probation.allocation import services as allocation
from probation.courts import services as courts
from probation.courts.models import CourtEvent, Disposal, Sentence
from probation.people.models import Case
from probation.risk import services as risk

#: Sentences sifted when recorded; a custodial sentence is sifted before release (a later slice).
SIFTED_AT_SENTENCE = frozenset({Disposal.COMMUNITY_ORDER, Disposal.SUSPENDED_SENTENCE_ORDER})


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
    """Record a sentence, recompute the case's tier, which depends on it, and, for a community
    or suspended sentence order, sift the case to the organisation that will supervise it."""
    sentence = courts.sentence_record(
        case=case,
        by_user=by_user,
        disposal=disposal,
        sentence_date=sentence_date,
        length_days=length_days,
        remand_days=remand_days,
        requirements=requirements,
        court_event=court_event,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    risk.tier_recompute(case=case, by_user=by_user, trigger="sentence")
    if disposal in SIFTED_AT_SENTENCE:
        allocation.case_sift(
            case=case, by_user=by_user, trigger="sentence", starts_on=sentence_date
        )
    return sentence
