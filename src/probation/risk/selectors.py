"""Reads of risk information for a case the user has already been allowed to see, and the facts
the pure rules take, read from the case record."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from probation.core.errors import DomainError
from probation.courts.selectors import (
    active_sentences_with_requirements,
    latest_court_event,
    latest_sentence,
    sanction_dates,
)
from probation.people.models import Case, CaseStatus
from probation.risk.facts import HistoryFacts, ogrs3_facts, tier_facts
from probation.risk.models import Assessment, Registration, TierCalculation
from probation.rules import ogrs3, tiering


def risk_summary(case: Case) -> dict[str, Any]:
    """What the case overview's risk panel shows: latest assessment, tier and registrations."""
    return {
        "assessment": Assessment.objects.filter(case=case).order_by("-assessed_on", "-id").first(),
        "tier_calculation": TierCalculation.objects.filter(case=case).order_by("-id").first(),
        "registrations": list(
            Registration.objects.filter(case=case, ended_on__isnull=True).order_by("kind")
        ),
    }


def tier_history(case: Case) -> QuerySet[TierCalculation]:
    return TierCalculation.objects.filter(case=case).select_related("calculated_by").order_by("-id")


def registrations_of(case: Case) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(case=case)
        .select_related("registered_by")
        .order_by("ended_on", "-registered_on", "-id")
    )


def registration_of(case: Case, registration_id: int) -> Registration | None:
    """One registration of the case (None if the id is another case's or unknown)."""
    return Registration.objects.filter(case=case, pk=registration_id).first()


def active_registrations_by_kind(case: Case) -> dict[str, Registration]:
    return {r.kind: r for r in Registration.objects.filter(case=case, ended_on__isnull=True)}


def latest_tier_calculation(case: Case) -> TierCalculation | None:
    return TierCalculation.objects.filter(case=case).order_by("-id").first()


def history_facts(case: Case) -> HistoryFacts:
    """The case's criminal history and current conviction, as OGRS3 needs them."""
    person = case.person
    event = latest_court_event(case)
    sentence = latest_sentence(case)
    conviction_date = None
    category = None
    if event is not None:
        conviction_date = event.conviction_date or event.hearing_date
        offences = sorted(event.offences.all(), key=lambda o: (not o.is_main, o.offence_date))
        category = offences[0].offence.ogrs3_category if offences else None
    follow_up = None
    if sentence is not None:
        follow_up = sentence.release_date if sentence.is_custodial else sentence.sentence_date
        conviction_date = conviction_date or sentence.sentence_date
    return HistoryFacts(
        sex=person.sex,
        date_of_birth=person.date_of_birth,
        conviction_date=conviction_date,
        follow_up_start=follow_up,
        offence_category=category,
        sanction_dates=sanction_dates(case),
    )


def ogrs3_for_case(case: Case) -> ogrs3.Ogrs3Result | None:
    """OGRS3 computed from the case's own records; None when there is no current conviction."""
    facts = ogrs3_facts(history_facts(case))
    if facts is None:
        return None
    try:
        return ogrs3.calculate(facts)
    except ValueError as error:
        raise DomainError(f"OGRS3 cannot be computed from the case record: {error}") from error


def latest_assessment(case: Case) -> Assessment | None:
    """The case's current assessment: the latest by date, then the last recorded that day."""
    return (
        Assessment.objects.filter(case=case)
        .select_related("assessed_by")
        .order_by("-assessed_on", "-id")
        .first()
    )


def current_tier_facts(case: Case) -> tiering.TierFacts:
    sentences = [
        (s.disposal, [r.kind for r in s.requirements.all()])
        for s in active_sentences_with_requirements(case)
    ]
    registrations = Registration.objects.filter(case=case, ended_on__isnull=True).values_list(
        "kind", flat=True
    )
    return tier_facts(
        sex=case.person.sex,
        case_active=case.status == CaseStatus.ACTIVE,
        assessment=latest_assessment(case),
        registrations=list(registrations),
        sentences=sentences,
    )
