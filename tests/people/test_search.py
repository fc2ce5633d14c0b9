"""Search as unit tests: how the search box is read, and how matches are ranked and paged
(docs/adr/0003-typo-tolerant-name-search.md)."""

from __future__ import annotations

import pytest

from probation.people.models import Alias
from probation.people.names import name_key
from probation.people.search_index import name_keys_register
from probation.people.selectors import SearchQuery, parse_search, search_cases
from tests.factories import CaseFactory, PersonFactory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("X123456", SearchQuery(crn="X123456")),
        ("  x123456 ", SearchQuery(crn="X123456")),
        ("2012/0123456Y", SearchQuery(pnc="2012/0123456Y")),
        ("12/123456Y", SearchQuery(pnc="2012/0123456Y")),
        ("2012/0123456A", SearchQuery(pnc="")),  # wrong check letter: a PNC, but not valid
        ("Smith", SearchQuery(surname="smith")),
        ("SMITH", SearchQuery(surname="smith")),
        ("John Smith", SearchQuery(forename="john", surname="smith")),
        ("Smith, John", SearchQuery(forename="john", surname="smith")),
        ("Smith,", SearchQuery(surname="smith")),
        ("John Paul Smith", SearchQuery(forename="john", surname="smith")),
        ("O'Brien", SearchQuery(surname=name_key("O'Brien"))),
        ("", SearchQuery()),
        ("!!! ???", SearchQuery()),
    ],
)
def test_parse_search_reads_a_crn_a_pnc_or_names(text, expected):
    assert parse_search(text) == expected


def test_parse_search_bounds_the_text_it_reads():
    query = parse_search("a" * 10_000)
    assert query.surname is not None and len(query.surname) <= 200


pytestmark_db = pytest.mark.django_db


def _alias(case, surname):
    Alias.objects.create(
        person=case.person, forename="A", surname=surname, surname_key=name_key(surname)
    )
    name_keys_register([surname])


@pytestmark_db
def test_ranks_exact_surname_then_one_edit_then_alias(nps_practitioner):
    alias_only = CaseFactory(person=PersonFactory(forename="Aaron", surname="Abbott"))
    _alias(alias_only, "Hallam")
    one_edit = CaseFactory(person=PersonFactory(forename="Beth", surname="Hallan"))
    exact = CaseFactory(person=PersonFactory(forename="Zoe", surname="Hallam"))
    found = search_cases(for_user=nps_practitioner, query=parse_search("Hallam"))
    assert [c.pk for c in found.cases] == [exact.pk, one_edit.pk, alias_only.pk]
    assert found.total == 3


@pytestmark_db
def test_a_person_with_several_matching_aliases_is_found_once(nps_practitioner):
    case = CaseFactory(person=PersonFactory(surname="Jones"))
    _alias(case, "Okafor")
    _alias(case, "Okafer")
    found = search_cases(for_user=nps_practitioner, query=parse_search("Okafor"))
    assert [c.pk for c in found.cases] == [case.pk]
    assert found.total == 1


@pytestmark_db
def test_pages_cover_every_match_once_in_rank_order(nps_practitioner):
    smiths = [CaseFactory(person=PersonFactory(surname="Smith")) for _ in range(23)]
    smyths = [CaseFactory(person=PersonFactory(surname="Smyth")) for _ in range(4)]
    query = parse_search("Smith")
    whole = search_cases(for_user=nps_practitioner, query=query, limit=100)
    assert whole.total == 27
    pages = [
        search_cases(for_user=nps_practitioner, query=query, offset=offset, limit=10)
        for offset in (0, 10, 20)
    ]
    assert [len(p.cases) for p in pages] == [10, 10, 7]
    assert {p.total for p in pages} == {27}
    paged = [c.pk for p in pages for c in p.cases]
    assert paged == [c.pk for c in whole.cases]
    assert set(paged[:23]) == {c.pk for c in smiths}
    assert set(paged[23:]) == {c.pk for c in smyths}


@pytestmark_db
def test_a_page_past_the_end_is_empty_but_knows_the_total(nps_practitioner):
    CaseFactory(person=PersonFactory(surname="Brennan"))
    found = search_cases(for_user=nps_practitioner, query=parse_search("Brennan"), offset=500)
    assert found.cases == []
    assert found.total == 1


@pytestmark_db
def test_nothing_is_found_for_someone_who_reads_no_cases(crc_case):
    from tests.factories import UserFactory, organisation

    operator = UserFactory(organisation=organisation("EMS"), roles=["monitoring_operator"])
    found = search_cases(for_user=operator, query=parse_search(crc_case.person.surname))
    assert found.cases == [] and found.total == 0
