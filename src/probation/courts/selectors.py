"""Reads of court records for a case the caller has already been allowed to see or act on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet

from probation.courts.models import (
    Court,
    CourtEvent,
    Offence,
    PreviousSanction,
    Sentence,
    SentenceStatus,
)
from probation.people.models import Case
from probation.people.selectors import cases_visible_to
from probation.workforce.models import OrganisationKind


def latest_court_event(case: Case) -> CourtEvent | None:
    """The case's most recent hearing, with its offences."""
    return (
        CourtEvent.objects.filter(case=case)
        .order_by("-hearing_date", "-id")
        .prefetch_related("offences__offence")
        .first()
    )


def offence_dates_of(event: CourtEvent) -> list[dt.date]:
    return list(event.offences.values_list("offence_date", flat=True))


def latest_sentence(case: Case) -> Sentence | None:
    return Sentence.objects.filter(case=case).order_by("-sentence_date", "-id").first()


def sanction_dates(case: Case) -> list[dt.date]:
    return list(PreviousSanction.objects.filter(case=case).values_list("sanction_date", flat=True))


def active_sentences_with_requirements(case: Case) -> list[Sentence]:
    return list(
        Sentence.objects.filter(case=case, status=SentenceStatus.ACTIVE).prefetch_related(
            "requirements"
        )
    )


def active_sentences_prefetch() -> Prefetch[Any]:
    """Prefetch a case list's active sentences (newest first) into ``case.active_sentences``."""
    return Prefetch(
        "sentences",
        queryset=Sentence.objects.filter(status=SentenceStatus.ACTIVE).order_by("-sentence_date"),
        to_attr="active_sentences",
    )


def sentences_of(case: Case) -> list[Sentence]:
    """Every sentence of the case with its court and requirements (the case record)."""
    return list(
        case.sentences.select_related("court_event__court").prefetch_related("requirements")
    )


def court_events_of(case: Case) -> list[CourtEvent]:
    return list(case.court_events.select_related("court").prefetch_related("offences__offence"))


def sanctions_of(case: Case) -> QuerySet[PreviousSanction]:
    return case.sanctions.all()


def offences_of(event: CourtEvent) -> list[Offence]:
    """The offences charged at ``event`` (their mode of trial sets the sentencing limits)."""
    return [charged.offence for charged in event.offences.select_related("offence")]


def court_list() -> list[Court]:
    """Every court, by name (reference data: no case is read)."""
    return list(Court.objects.select_related("contract_area").order_by("name"))


def offence_list() -> list[Offence]:
    """The offence list, by description (reference data)."""
    return list(Offence.objects.order_by("description"))


def courts_by_id(ids: list[int]) -> dict[int, Court]:
    return {
        court.pk: court
        for court in Court.objects.filter(pk__in=ids).select_related("contract_area")
    }


def offences_by_id(ids: list[int]) -> dict[int, Offence]:
    return {offence.pk: offence for offence in Offence.objects.filter(pk__in=ids)}


def courts_of_officer(user: Any) -> QuerySet[Court]:
    """The courts a court officer works at: those in the contract area of the officer's office;
    every court for an NPS officer with no office (docs/adr/0011-court-intake.md)."""
    office = getattr(user, "office", None)
    if office is not None and office.contract_area_id is not None:
        return Court.objects.filter(contract_area_id=office.contract_area_id)
    organisation = getattr(user, "organisation", None)
    if office is None and organisation is not None and organisation.kind == OrganisationKind.NPS:
        return Court.objects.all()
    return Court.objects.none()


def hearings_on(*, for_user: Any, day: dt.date) -> list[CourtEvent]:
    """The hearings of ``day`` at the officer's courts, of cases the officer may see."""
    return list(
        CourtEvent.objects.filter(
            hearing_date=day,
            court__in=courts_of_officer(for_user),
            case__in=cases_visible_to(for_user),
        )
        .select_related("court", "case__person")
        .prefetch_related("offences__offence")
        .order_by("court__name", "case__person__surname", "case__person__forename", "pk")
    )


def active_orders_of(case: Case) -> list[Sentence]:
    """The case's active sentences, newest first (what a new sentence may end or supersede)."""
    return list(
        Sentence.objects.filter(case=case, status=SentenceStatus.ACTIVE).order_by(
            "-sentence_date", "-id"
        )
    )
