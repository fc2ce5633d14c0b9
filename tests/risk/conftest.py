from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from probation.courts.models import ChargedOffence
from tests.factories import (
    CaseFactory,
    CourtEventFactory,
    PersonFactory,
    PreviousSanctionFactory,
    RequirementFactory,
    SentenceFactory,
    UserFactory,
    offence,
    organisation,
)


@pytest.fixture
def court_officer(db: Any) -> Any:
    return UserFactory(username="court", organisation=organisation("NPS"), roles=["court_officer"])


@pytest.fixture
def sentenced_case(db: Any) -> Any:
    """A man born 17 May 1990, convicted of shop theft on 6 Jan 2025 with 4 earlier sanctions,
    the first at 16, on a 12-month community order with rehabilitation activity."""
    case = CaseFactory(person=PersonFactory(date_of_birth=dt.date(1990, 5, 17), sex="male"))
    for year in (2006, 2010, 2015, 2020):
        PreviousSanctionFactory(case=case, sanction_date=dt.date(year, 6, 1))
    event = CourtEventFactory(
        case=case, hearing_date=dt.date(2025, 1, 6), conviction_date=dt.date(2025, 1, 6)
    )
    ChargedOffence.objects.create(
        court_event=event, offence=offence("T001"), offence_date=dt.date(2024, 12, 1), is_main=True
    )
    sentence = SentenceFactory(case=case, court_event=event, sentence_date=dt.date(2025, 1, 6))
    RequirementFactory(sentence=sentence, kind="rehabilitation_activity", amount=20)
    return case
