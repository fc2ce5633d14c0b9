"""Reads of the court intake journey: the court officer's hearings, the likely matches of a
person arriving from court, and the reference lists the steps offer.

Every read of case data starts from :func:`probation.people.selectors.cases_visible_to` (through
the scoped search), so a match the officer may not see is never shown (docs/adr/0011-court-intake.md).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from probation.allocation.selectors import latest_sift, transfer_areas
from probation.contracts.models import ContractArea
from probation.courts.selectors import (
    active_orders_of,
    court_list,
    courts_by_id,
    courts_of_officer,
    hearings_on,
    offence_list,
    offences_by_id,
)
from probation.people.models import Case, Person
from probation.people.names import name_key
from probation.people.selectors import SearchQuery, cases_visible_to, search_cases

__all__ = [
    "Match",
    "active_orders_of",
    "case_for_intake",
    "contract_area_list",
    "court_list",
    "courts_by_id",
    "courts_of_officer",
    "hearings_on",
    "latest_sift",
    "likely_matches",
    "offence_list",
    "offences_by_id",
    "pnc_taken",
    "unused_crn",
]

#: How many likely matches the duplicate check shows at most.
MAX_MATCHES = 20
#: Intake CRNs start with a letter the demo world and the test factories do not use.
INTAKE_CRN_LETTERS = "ABC"


@dataclass
class Match:
    """A case that may be the person at court, and why it is shown."""

    case: Case
    reasons: list[str] = field(default_factory=list)

    @property
    def person(self) -> Person:
        return self.case.person


def likely_matches(
    *,
    for_user: Any,
    forename: str,
    surname: str,
    date_of_birth: dt.date,
    pnc_number: str | None,
) -> list[Match]:
    """Existing records that may be this person, among the cases ``for_user`` may see: the same
    PNC number, or a name within one typo (forename and surname, aliases too, as the case search
    finds them) with the same date of birth."""
    found: dict[int, Match] = {}
    if pnc_number:
        by_pnc = search_cases(for_user=for_user, query=SearchQuery(pnc=pnc_number), limit=5)
        for case in by_pnc.cases:
            found.setdefault(case.pk, Match(case)).reasons.append("Same PNC number")
    query = SearchQuery(forename=name_key(forename) or None, surname=name_key(surname) or None)
    if query.surname:
        by_name = search_cases(for_user=for_user, query=query, limit=200)
        for case in by_name.cases:
            if case.person.date_of_birth == date_of_birth:
                found.setdefault(case.pk, Match(case)).reasons.append(
                    "Similar name and the same date of birth"
                )
    return list(found.values())[:MAX_MATCHES]


def pnc_taken(pnc_number: str | None) -> bool:
    """Whether a person already has this PNC number (it is unique), whoever may see them."""
    return bool(pnc_number) and Person.objects.filter(pnc_number=pnc_number).exists()


def case_for_intake(*, for_user: Any, crn: str) -> Case | None:
    """The case with ``crn`` if ``for_user`` may see it (the match the officer chose)."""
    return (
        cases_visible_to(for_user)
        .filter(person__crn=crn)
        .select_related("person", "responsible_organisation", "contract_area")
        .first()
    )


def contract_area_list() -> list[ContractArea]:
    """The contract areas an address may be in (reference data), by name."""
    return transfer_areas()


def unused_crn() -> str:
    """A CRN no person has: a letter of :data:`INTAKE_CRN_LETTERS` and six random digits.

    The random choice makes two intakes at once unlikely to pick the same CRN; ``Person.crn``
    is unique, and ``people.services.person_create`` refuses one that is taken."""
    for _ in range(20):
        crn = f"{secrets.choice(INTAKE_CRN_LETTERS)}{secrets.randbelow(1_000_000):06d}"
        if not Person.objects.filter(crn=crn).exists():
            return crn
    raise RuntimeError("No unused CRN found in 20 tries")  # pragma: no cover
