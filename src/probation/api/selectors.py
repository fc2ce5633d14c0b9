"""The API's reads, built only on the scoped selectors of ``probation.people.selectors``.

Nothing here widens what a user may see: every queryset starts from ``cases_visible_to`` or
``people_visible_to``, or from a case that ``people.access.case_released_to`` already released
(and audited).
These functions only add the filters, ordering and prefetching the API's representations need,
so that a page costs the same number of queries however many rows it has.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from probation.contracts.models import ContractArea
from probation.people.models import Address, Case, Person
from probation.people.selectors import (
    cases_visible_to,
    parse_search,
    people_visible_to,
    search_cases,
)

SEARCH_LIMIT = 50


def api_cases(
    *,
    for_user: Any,
    mine: bool = False,
    status: str | None = None,
    contract_area: ContractArea | None = None,
) -> QuerySet[Case]:
    """Cases ``for_user`` may see, optionally only their own, of a status or of an area."""
    cases = cases_visible_to(for_user)
    if mine:
        cases = cases.filter(responsible_officer=for_user)
    if status:
        cases = cases.filter(status=status)
    if contract_area is not None:
        cases = cases.filter(contract_area=contract_area)
    return cases.select_related(
        "person", "responsible_organisation", "responsible_officer", "contract_area"
    ).order_by("person__surname", "person__forename", "pk")


def contract_area(*, code: str) -> ContractArea | None:
    """The contract package area with this code (reference data, visible to everyone)."""
    if not code or len(code) > 3:
        return None
    return ContractArea.objects.filter(code=code).first()


def api_people(*, for_user: Any, search: str = "") -> QuerySet[Person] | list[Person]:
    """People ``for_user`` may see; with ``search``, the matches of the case search, best first.

    A search means what it means in the search page (``parse_search``/``search_cases``): a CRN,
    a PNC number or a name (one typo tolerated, aliases included), at most 50 results.
    """
    if search.strip():
        found = search_cases(for_user=for_user, query=parse_search(search), limit=SEARCH_LIMIT)
        return [case.person for case in found.cases]
    return people_visible_to(for_user).order_by("surname", "forename", "pk")


def person_identity(case: Case) -> Person:
    """The person of a case already released (and audited), with aliases and addresses."""
    person = case.person
    prefetch_related_objects(
        [person],
        "aliases",
        Prefetch("addresses", queryset=Address.objects.select_related("contract_area")),
    )
    return person
