"""Reads of court records for a case the caller has already been allowed to see or act on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet

from probation.courts.models import CourtEvent, PreviousSanction, Sentence, SentenceStatus
from probation.people.models import Case


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
