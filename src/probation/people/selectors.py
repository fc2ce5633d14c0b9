"""Every read of case data goes through here, already scoped to what the user may see.

Pages and the API use the same functions, so a rule enforced here holds everywhere. The rules
(``docs/adr/0004-case-visibility.md``):

- only signed-in, active users with a case-working role read case records;
- NPS staff see every case; CRC staff only the cases their CRC is responsible for; the
  commissioner's auditors see every case read-only; other organisations see none;
- nobody on a case's exclusion list sees it; when a case has a restriction list, only the staff
  named on it see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from probation.core.errors import CaseNotAvailable
from probation.core.identifiers import normalise_crn, normalise_pnc
from probation.people.models import (
    AccessKind,
    Alias,
    Case,
    CaseAccess,
    CaseStatus,
    NameKey,
    Person,
)
from probation.people.names import deletion_keys, edit_distance, name_key
from probation.workforce.models import OrganisationKind, RoleCode

CASE_READING_ROLES = frozenset(
    {
        RoleCode.PRACTITIONER,
        RoleCode.ALLOCATING_MANAGER,
        RoleCode.COURT_OFFICER,
        RoleCode.ENFORCEMENT_OFFICER,
        RoleCode.AUDITOR,
    }
)


def can_read_cases(user: Any) -> bool:
    """Whether the user holds a role that reads case records at all (before any scoping)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.organisation_id is not None
        and user.has_role(*CASE_READING_ROLES)
    )


def _sees_all_organisations(user: Any) -> bool:
    kind = user.organisation.kind
    return kind == OrganisationKind.NPS or (
        kind == OrganisationKind.COMMISSIONER and user.has_role(RoleCode.AUDITOR)
    )


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """All cases ``user`` may see (any status). The single source of case scoping."""
    if not can_read_cases(user):
        return Case.objects.none()
    cases = Case.objects.all()
    if not _sees_all_organisations(user):
        if user.organisation.kind != OrganisationKind.CRC:
            return Case.objects.none()
        cases = cases.filter(responsible_organisation_id=user.organisation_id)
    excluded = CaseAccess.objects.filter(case=OuterRef("pk"), user=user, kind=AccessKind.EXCLUSION)
    permitted = CaseAccess.objects.filter(
        case=OuterRef("pk"), user=user, kind=AccessKind.RESTRICTION
    )
    return cases.filter(~Exists(excluded)).filter(Q(restricted=False) | Exists(permitted))


def ensure_case_visible(user: Any, case: Case) -> None:
    """Raise :class:`CaseNotAvailable` unless ``user`` may see ``case`` (for services that act)."""
    if not cases_visible_to(user).filter(pk=case.pk).exists():
        raise CaseNotAvailable


def people_visible_to(user: Any) -> QuerySet[Person]:
    """People whose case ``user`` may see."""
    return Person.objects.filter(case__in=cases_visible_to(user))


@dataclass(frozen=True)
class CaseAccessDecision:
    """Whether a user may see the case with a CRN: its pk if so, else why not (for auditors)."""

    case_id: int | None
    reason: str


def case_access_decision(*, user: Any, crn: str | None) -> CaseAccessDecision:
    """Decide access to the case with canonical ``crn`` in one query, whatever the outcome.

    A refused real CRN and an unknown one run the same single query (the first finds one row,
    the second none) and build no model: the time a refusal takes must not tell whether the CRN
    exists (``benchmarks/bench_refusal_timing.py`` measures it). Visibility itself is
    :func:`cases_visible_to`, evaluated for this one row.
    """
    if user is None or not user.is_authenticated:
        return CaseAccessDecision(None, "anonymous")
    if crn is None:
        return CaseAccessDecision(None, "malformed_crn")
    entries = CaseAccess.objects.filter(case=OuterRef("pk"), user_id=user.pk)
    found = (
        Case.objects.filter(person__crn=crn)
        .annotate(
            visible=Exists(cases_visible_to(user).filter(pk=OuterRef("pk"))),
            excluded=Exists(entries.filter(kind=AccessKind.EXCLUSION)),
            permitted=Exists(entries.filter(kind=AccessKind.RESTRICTION)),
        )
        .values_list("pk", "visible", "restricted", "excluded", "permitted")
        .first()
    )
    if found is None:
        return CaseAccessDecision(None, "not_found")
    pk, visible, restricted, excluded, permitted = found
    if visible:
        return CaseAccessDecision(pk, "")
    if not can_read_cases(user):
        return CaseAccessDecision(None, "no_case_reading_role")
    if excluded:
        return CaseAccessDecision(None, "excluded")
    if restricted and not permitted:
        return CaseAccessDecision(None, "not_on_restriction_list")
    return CaseAccessDecision(None, "other_organisation")


def case_lookup(*, user: Any, crn: str) -> tuple[Case | None, str]:
    """The case with ``crn`` if ``user`` may see it, else None and the reason for the refusal
    (missing, malformed or refused: the reason is for the audit trail only).

    A pure read: the view or the refusal is audited by :mod:`probation.people.access`, the one
    place where reads of case data are audited.
    """
    decision = case_access_decision(user=user, crn=normalise_crn(crn))
    if decision.case_id is None:
        return None, decision.reason
    case = (
        Case.objects.filter(pk=decision.case_id)
        .select_related(
            "person", "responsible_organisation", "responsible_officer", "contract_area"
        )
        .get()
    )
    return case, ""


def my_cases(*, for_user: Any) -> QuerySet[Case]:
    """The practitioner's active caseload, by name."""
    return (
        cases_visible_to(for_user)
        .filter(responsible_officer=for_user, status=CaseStatus.ACTIVE)
        .select_related("person")
        .order_by("person__surname", "person__forename", "pk")
    )


@dataclass(frozen=True)
class SearchQuery:
    """A parsed search: exactly one of crn, pnc or name terms is set."""

    crn: str | None = None
    pnc: str | None = None
    surname: str | None = None
    forename: str | None = None


def parse_search(text: str) -> SearchQuery:
    """Read a search box: a CRN, a PNC number, or names ("surname", "forename surname" or
    "surname, forename")."""
    text = (text or "").strip()[:200]
    if crn := normalise_crn(text):
        return SearchQuery(crn=crn)
    if "/" in text:
        return SearchQuery(pnc=normalise_pnc(text) or "")
    if "," in text:  # "Surname, Forename", as lists and letters write names
        surname, _, forename = text.partition(",")
        text = f"{forename} {surname}"
    words = [name_key(w) for w in text.split()]
    words = [w for w in words if w]
    if not words:
        return SearchQuery()
    if len(words) == 1:
        return SearchQuery(surname=words[0])
    return SearchQuery(forename=words[0], surname=words[-1])


SEARCH_PAGE_SIZE = 50


@dataclass(frozen=True)
class SearchResults:
    """One page of a search: the cases on it, best match first, and how many matched in all."""

    cases: list[Case]
    total: int
    offset: int
    limit: int


def _similar_names(key: str, max_distance: int = 1) -> set[str]:
    """Distinct stored names within ``max_distance`` edits of ``key`` (plus prefixes)."""
    candidates = set(
        NameKey.objects.filter(key__in=deletion_keys(key)).values_list("name", flat=True)
    )
    return {name for name in candidates if edit_distance(name, key) <= max_distance}


def _ranked_groups(visible: QuerySet[Case], query: SearchQuery) -> list[QuerySet[Case]]:
    """The matches of a name search as groups in rank order, each ordered by name.

    A person whose surname is the one searched for comes first, then each surname within one
    edit, then people found only through an alias. Each group is one walk of the
    (surname_key, surname, forename) index: at national scale a common name has thousands of
    matches, and an OR across the alias join read every person on every search.
    """
    assert query.surname
    surnames = _similar_names(query.surname) | {query.surname}
    forename_match = Q()
    if query.forename:
        forenames = _similar_names(query.forename) | {query.forename}
        forename_match = Q(person__forename_key__in=forenames) | Q(
            person__forename_key__startswith=query.forename[:3]
        )
    ordering = ("person__surname", "person__forename", "pk")
    exact_first = sorted(surnames, key=lambda name: (name != query.surname, name))
    groups = [
        visible.filter(forename_match, person__surname_key=surname).order_by(*ordering)
        for surname in exact_first
    ]
    by_alias = Alias.objects.filter(person=OuterRef("person"), surname_key__in=surnames)
    groups.append(
        visible.filter(forename_match, Exists(by_alias))
        .exclude(person__surname_key__in=surnames)
        .order_by(*ordering)
    )
    return groups


def _page_of_groups(groups: list[QuerySet[Case]], offset: int, limit: int) -> SearchResults:
    """Walk the groups, counting each, and take the page ``offset``..``offset + limit``."""
    page: list[Case] = []
    total = 0
    for group in groups:
        size = group.count()
        start = max(offset - total, 0)
        total += size
        room = limit - len(page)
        if room > 0 and start < size:
            page.extend(group[start : start + room])
    return SearchResults(cases=page, total=total, offset=offset, limit=limit)


def search_cases(
    *, for_user: Any, query: SearchQuery, offset: int = 0, limit: int = SEARCH_PAGE_SIZE
) -> SearchResults:
    """Cases matching the query that ``for_user`` may see, best match first, a page at a time.

    Names tolerate one typo (a wrong, missing, extra or swapped letter) in the surname, and in
    the forename when one is given; aliases are searched too.
    """
    visible = cases_visible_to(for_user).select_related("person")
    offset, limit = max(offset, 0), max(min(limit, 200), 1)
    if query.crn:
        groups = [visible.filter(person__crn=query.crn)]
    elif query.pnc and query.surname is None:
        groups = [visible.filter(person__pnc_number=query.pnc).order_by("pk")]
    elif query.surname:
        groups = _ranked_groups(visible, query)
    else:
        groups = []
    return _page_of_groups(groups, offset, limit)


def case_version(case: Case) -> int:
    """The case's version now (it moves on with every change; see people/locking.py)."""
    return Case.objects.filter(pk=case.pk).values_list("version", flat=True).get()
