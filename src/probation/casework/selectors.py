"""Reads that gather several areas' data for the case pages and each role's home.

Every queryset starts from the scoped selectors of :mod:`probation.people.selectors`, or from a
case :mod:`probation.people.access` has already released (and audited).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import QuerySet, prefetch_related_objects
from django.utils import timezone

from probation.allocation.deadlines import (
    ClockCount,
    custody_sifts_due,
    first_appointments_due,
    latest_unseen_assignment_ids,
    overdue_clocks,
)
from probation.allocation.history import allocation_history
from probation.allocation.models import FirstAppointment
from probation.allocation.selectors import (
    latest_sift,
    practitioner_by_id,
    practitioner_choices,
    unallocated_page,
)
from probation.allocation.services import ASSIGNING_ROLES
from probation.allocation.teams import TeamCount, team_counts
from probation.contracts.selectors import contract_areas_with_owners
from probation.courts.models import Sentence, SentenceStatus
from probation.courts.selectors import (
    active_sentences_prefetch,
    court_events_of,
    sanctions_of,
    sentences_of,
)
from probation.courts.services import SENTENCING_ROLES
from probation.people.models import Case, CaseStatus
from probation.people.selectors import (
    SearchQuery,
    SearchResults,
    cases_visible_to,
    my_cases,
    search_cases,
)
from probation.risk.permissions import may_record_risk
from probation.risk.selectors import risk_summary
from probation.risk.services import ASSESSING_ROLES, REGISTERING_ROLES
from probation.supervision.selectors import next_appointment_at
from probation.workforce.models import Team

T = TypeVar("T")

__all__ = [
    "case_facts",
    "case_record",
    "caseload",
    "choose_practitioner_page",
    "contract_areas_with_owners",
    "first_appointments_page",
    "manager_clocks",
    "manager_team_counts",
    "new_allocations",
    "practitioner_by_id",
    "release_sifts_page",
    "search_page",
    "unallocated_page",
]


def caseload(*, for_user: Any) -> QuerySet[Case]:
    """My cases: the officer's active cases with their active sentences, by name, each with
    ``next_appointment_at`` (None when none is booked) read in the same query as the cases
    (a subquery on the ``contact_case_booked`` index)."""
    return (
        my_cases(for_user=for_user)
        .annotate(next_appointment_at=next_appointment_at())
        .prefetch_related(active_sentences_prefetch())
    )


def search_page(*, for_user: Any, query: SearchQuery, offset: int, limit: int) -> SearchResults:
    """One page of search results, with each case's active sentences for the results table."""
    results = search_cases(for_user=for_user, query=query, offset=offset, limit=limit)
    prefetch_related_objects(results.cases, active_sentences_prefetch())
    return results


def case_facts(case: Case) -> dict[str, Any]:
    """The case record as stored (the API's representation of a case), in a fixed number of
    queries."""
    person = case.person
    return {
        "case": case,
        "person": person,
        "aliases": list(person.aliases.all()),
        "addresses": list(person.addresses.select_related("contract_area")),
        "sanctions": list(sanctions_of(case)),
        "court_events": court_events_of(case),
        "sentences": sentences_of(case),
    }


def case_record(case: Case, *, for_user: Any) -> dict[str, Any]:
    """Everything the case overview shows: the record, the risk panel and what ``for_user`` may
    do next; ``case`` has been released to ``for_user`` already."""
    record = case_facts(case)
    return {
        **record,
        "active_sentences": [s for s in record["sentences"] if s.status == SentenceStatus.ACTIVE],
        **risk_summary(case),
        "may_assess": for_user.has_role(*ASSESSING_ROLES) and may_record_risk(for_user, case),
        "may_sentence": for_user.has_role(*SENTENCING_ROLES),
        "may_register": for_user.has_role(*REGISTERING_ROLES),
        "sift": latest_sift(case),
        "may_allocate": _may_allocate(case, for_user),
        "first_appointment": first_appointment_of(case),
        "allocation_history": allocation_history(case),
        "today": timezone.localdate(),
        "may_record_first_appointment": _may_record_first_appointment(case, for_user),
    }


def _may_record_first_appointment(case: Case, user: Any) -> bool:
    return case.status == CaseStatus.ACTIVE and (
        case.responsible_officer_id == user.pk or _may_allocate(case, user)
    )


def _may_allocate(case: Case, user: Any) -> bool:
    return (
        user.has_role(*ASSIGNING_ROLES)
        and case.status == CaseStatus.ACTIVE
        and case.responsible_organisation_id == user.organisation_id
    )


def choose_practitioner_page(
    case: Case, *, for_user: Any, team: str | None = None
) -> dict[str, Any]:
    """The choice of practitioners for a case released to ``for_user``: the case, why the sift
    sent it here, and each practitioner's workload and eligibility (none unless ``for_user``
    manages the organisation responsible for the case).

    A manager chooses within a team (docs/adr/0017-allocation-clocks-and-notices.md, decision
    6): by default their own, or another team of the organisation (``team`` its id), or every
    practitioner of the organisation (``team`` "all"); a team that is not the organisation's is
    the default."""
    may_allocate = _may_allocate(case, for_user)
    teams = list(
        Team.objects.filter(organisation_id=case.responsible_organisation_id)
        .order_by("name", "pk")
        .values_list("pk", "name")
    )
    team_ids = {pk for pk, _ in teams}
    chosen: int | None
    if team == "all" or not teams:
        chosen = None
    elif team is not None and team.isascii() and team.isdigit() and int(team) in team_ids:
        chosen = int(team)
    else:
        chosen = for_user.team_id if for_user.team_id in team_ids else None
    choices = (
        practitioner_choices(case=case, for_user=for_user, team_id=chosen) if may_allocate else []
    )
    return {
        "case": case,
        "person": case.person,
        "sift": latest_sift(case),
        "may_allocate": may_allocate,
        "choices": choices,
        "teams": teams,
        "chosen_team": chosen,
    }


# The clocks ---------------------------------------------------------------------------------

#: The most rows a clock's list shows at once (the manager works from the top).
CLOCK_LIST_LIMIT = 200


#: How old, in seconds, the counts on a manager's home should be (ADR 0017, decision 9) ...
COUNTS_MAX_AGE = 60
#: ... and how long an older count may still be shown while one request counts afresh.
COUNTS_KEPT = 600
#: How long one request may take to count before another may try.
COUNTING_LOCK = 30


def _counted(key: str, count: Callable[[], T]) -> T:
    """The figures kept under ``key``, counted afresh when they are more than a minute old by
    one request only (a lock in the shared cache), while the other requests still show the
    previous figures: so that the managers of a large organisation do not all count at once
    when the figures expire."""
    kept = cache.get(key)
    now = time.time()  # wall clock: shared by every process through the cache
    if kept is not None:
        value, counted_at = kept
        if now - counted_at < COUNTS_MAX_AGE or not cache.add(f"{key}:counting", 1, COUNTING_LOCK):
            return value
    try:
        value = count()
        cache.set(key, (value, time.time()), COUNTS_KEPT)
    finally:
        if kept is not None:
            cache.delete(f"{key}:counting")
    return value


def _manages_allocations(user: Any) -> bool:
    return bool(user.has_role(*ASSIGNING_ROLES) and user.organisation_id is not None)


def manager_clocks(*, for_user: Any) -> list[ClockCount]:
    """The clocks of the manager's organisation: each step with what is waiting and what is
    overdue, counted at most a minute ago (the same figures for each of its managers)."""
    if not _manages_allocations(for_user):
        return []
    key = f"allocation-clocks:{for_user.organisation_id}"
    return _counted(key, lambda: overdue_clocks(for_user=for_user))


def manager_team_counts(*, for_user: Any) -> list[TeamCount]:
    """The counts by team of the manager's office, counted at most a minute ago."""
    if not _manages_allocations(for_user):
        return []
    key = f"allocation-teams:{for_user.organisation_id}:{for_user.office_id}"
    return _counted(key, lambda: team_counts(for_user=for_user))


def release_sifts_page(*, for_user: Any) -> list[Sentence]:
    """Custodial sentences of cases ``for_user`` may see whose sift before release is due."""
    return list(custody_sifts_due(cases=cases_visible_to(for_user))[:CLOCK_LIST_LIMIT])


def first_appointments_page(*, for_user: Any) -> list[FirstAppointment]:
    """First appointments not yet held in ``for_user``'s organisation, earliest due first."""
    cases = cases_visible_to(for_user).filter(responsible_organisation_id=for_user.organisation_id)
    return list(first_appointments_due(cases=cases)[:CLOCK_LIST_LIMIT])


def new_allocations(*, for_user: Any) -> set[int]:
    """Ids of the cases newly allocated to ``for_user`` and not yet opened by them."""
    return latest_unseen_assignment_ids(for_user=for_user)


def first_appointment_of(case: Case) -> FirstAppointment | None:
    """The first appointment of the case's latest sift, if the sift started its clock."""
    return (
        FirstAppointment.objects.filter(case=case)
        .select_related("recorded_by")
        .order_by("-sift__decided_at", "-id")
        .first()
    )
