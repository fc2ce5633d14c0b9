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

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects

from probation.core.audit import audit
from probation.core.errors import CaseNotAvailable
from probation.core.identifiers import normalise_crn, normalise_pnc
from probation.courts.models import Sentence, SentenceStatus
from probation.people.models import AccessKind, Case, CaseAccess, CaseStatus, NameKey, Person
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


def _can_read_cases(user: Any) -> bool:
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
    if not _can_read_cases(user):
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


def refusal_reason(user: Any, crn: str | None) -> str:
    """Why a case was refused, for the audit log only (never shown to the user)."""
    if user is None or not user.is_authenticated:
        return "anonymous"
    if crn is None:
        return "malformed_crn"
    case = Case.objects.filter(person__crn=crn).select_related("responsible_organisation").first()
    if case is None:
        return "not_found"
    if not _can_read_cases(user):
        return "no_case_reading_role"
    entries = set(case.access_entries.filter(user=user).values_list("kind", flat=True))
    if AccessKind.EXCLUSION in entries:
        return "excluded"
    if case.restricted and AccessKind.RESTRICTION not in entries:
        return "not_on_restriction_list"
    return "other_organisation"


def _active_sentences() -> Prefetch[Any]:
    return Prefetch(
        "sentences",
        queryset=Sentence.objects.filter(status=SentenceStatus.ACTIVE).order_by("-sentence_date"),
        to_attr="active_sentences",
    )


def case_for_user(*, user: Any, crn: str, path: str = "") -> Case:
    """The case with ``crn`` if ``user`` may see it; audits the view or the refusal.

    Raises :class:`CaseNotAvailable` for a missing *or* refused case, identically.
    """
    canonical = normalise_crn(crn)
    case = None
    if canonical is not None:
        case = (
            cases_visible_to(user)
            .filter(person__crn=canonical)
            .select_related(
                "person",
                "responsible_organisation",
                "responsible_officer",
                "contract_area",
            )
            .first()
        )
    if case is None:
        audit(
            user,
            "case.access_refused",
            crn=canonical or "",
            details={"reason": refusal_reason(user, canonical), "requested": crn[:50]},
            path=path,
        )
        raise CaseNotAvailable
    audit(user, "case.viewed", case, crn=case.person.crn, path=path)
    return case


def case_detail(case: Case) -> dict[str, Any]:
    """Everything the case overview shows, in a fixed number of queries."""
    person = case.person
    sentences = list(
        case.sentences.select_related("court_event__court").prefetch_related("requirements")
    )
    court_events = list(
        case.court_events.select_related("court").prefetch_related("offences__offence")
    )
    return {
        "case": case,
        "person": person,
        "aliases": list(person.aliases.all()),
        "addresses": list(person.addresses.select_related("contract_area")),
        "sanctions": list(case.sanctions.all()),
        "court_events": court_events,
        "sentences": sentences,
        "active_sentences": [s for s in sentences if s.status == SentenceStatus.ACTIVE],
    }


def my_cases(*, for_user: Any) -> QuerySet[Case]:
    """The practitioner's active caseload, with what the list shows prefetched."""
    return (
        cases_visible_to(for_user)
        .filter(responsible_officer=for_user, status=CaseStatus.ACTIVE)
        .select_related("person")
        .prefetch_related(_active_sentences())
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
    """Read a search box: a CRN, a PNC number, or names ("surname" or "forename surname")."""
    text = (text or "").strip()[:200]
    if crn := normalise_crn(text):
        return SearchQuery(crn=crn)
    if "/" in text:
        return SearchQuery(pnc=normalise_pnc(text) or "")
    words = [name_key(w) for w in text.replace(",", " ").split()]
    words = [w for w in words if w]
    if not words:
        return SearchQuery()
    if len(words) == 1:
        return SearchQuery(surname=words[0])
    return SearchQuery(forename=words[0], surname=words[-1])


MAX_SEARCH_RESULTS = 50


def _with_sentences(cases: QuerySet[Case]) -> list[Case]:
    found = list(cases[:MAX_SEARCH_RESULTS])
    prefetch_related_objects(found, _active_sentences())
    return found


def _similar_names(key: str, max_distance: int = 1) -> set[str]:
    """Distinct stored names within ``max_distance`` edits of ``key`` (plus prefixes)."""
    candidates = set(
        NameKey.objects.filter(key__in=deletion_keys(key)).values_list("name", flat=True)
    )
    return {name for name in candidates if edit_distance(name, key) <= max_distance}


def search_cases(*, for_user: Any, query: SearchQuery) -> list[Case]:
    """Cases matching the query that ``for_user`` may see, best match first.

    Names tolerate one typo (a wrong, missing, extra or swapped letter) in the surname, and in
    the forename when one is given; aliases are searched too.
    """
    visible = (
        cases_visible_to(for_user).select_related("person").prefetch_related(_active_sentences())
    )
    if query.crn:
        return _with_sentences(visible.filter(person__crn=query.crn))
    if query.pnc is not None and query.pnc != "" and query.surname is None:
        return _with_sentences(visible.filter(person__pnc_number=query.pnc))
    if not query.surname:
        return []
    surnames = _similar_names(query.surname) | {query.surname}
    forename_match = Q()
    if query.forename:
        forenames = _similar_names(query.forename) | {query.forename}
        forename_match = Q(person__forename_key__in=forenames) | Q(
            person__forename_key__startswith=query.forename[:3]
        )
    ordering = ("person__surname", "person__forename", "pk")
    # Ranked by how the person matched: their surname exactly, their surname within one edit,
    # then only through an alias. Each candidate surname is one walk of the
    # (surname_key, surname, forename) index stopped at the page size, and aliases are looked
    # up only when names leave room on the page: at national scale a common name has thousands
    # of matches, and an OR across the alias join read every person on every search.
    ranked: list[Case] = []
    exact_first = sorted(surnames, key=lambda name: (name != query.surname, name))
    for surname in exact_first:
        if len(ranked) >= MAX_SEARCH_RESULTS:
            break
        matches = visible.filter(forename_match, person__surname_key=surname).order_by(*ordering)
        ranked.extend(matches[: MAX_SEARCH_RESULTS - len(ranked)])
    if len(ranked) < MAX_SEARCH_RESULTS:
        seen = {case.pk for case in ranked}
        by_alias = (
            visible.filter(forename_match, person__aliases__surname_key__in=surnames)
            .exclude(pk__in=seen)
            .order_by(*ordering)
        )
        for case in by_alias[: MAX_SEARCH_RESULTS * 2]:
            if case.pk not in seen and len(ranked) < MAX_SEARCH_RESULTS:
                seen.add(case.pk)
                ranked.append(case)
    page = ranked[:MAX_SEARCH_RESULTS]
    prefetch_related_objects(page, _active_sentences())
    return page
