"""Comparing a proposed sift policy with the current decisions (docs/domain/allocation.md §1,
docs/adr/0015-policy-comparison.md): moves each way, by area, why, the staff split, and facts read
in bulk that agree with the one-case read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probation.allocation.comparison import (
    NO_RULE_NOW,
    area_caseloads,
    compare_policy,
    parse_policy,
    sift_facts_in_bulk,
)
from probation.allocation.models import SiftDecision
from probation.allocation.selectors import sift_facts
from probation.core.errors import InvalidInput
from probation.core.models import AuditEvent
from probation.courts.models import Court
from probation.people.models import Case
from probation.risk.models import Registration
from probation.rules.allocation import DEFAULT_POLICY, AllocationPolicy
from tests.allocation.helpers import assess, practitioner_of
from tests.factories import (
    AddressFactory,
    CaseFactory,
    CourtEventFactory,
    UserFactory,
    area,
    organisation,
)

pytestmark = pytest.mark.django_db

NO_RSR = AllocationPolicy.from_json(
    {
        "id": "tr-2014-no-rsr",
        "version": 1,
        "rules": ["rosh-high", "mappa", "public-interest", "deportation", "rosh-missing"],
    }
)
LOWER_RSR = AllocationPolicy.from_json(
    {**DEFAULT_POLICY.to_dict(), "id": "tr-2014-rsr-3", "parameters": {"rsr_threshold": 3.0}}
)


def _case(org: str, *, home: str | None = "C08", officer: Any = None, **assessment: Any) -> Case:
    """An active case of ``org`` whose person lives in ``home`` (None: no address at all),
    assessed with ``assessment`` (``rosh=None``: never assessed)."""
    case = CaseFactory(responsible_organisation=organisation(org), responsible_officer=officer)
    if home is not None:
        AddressFactory(person=case.person, contract_area=area(home))
    if assessment.get("rosh", "low") is not None:
        assess(case, **assessment)
    return case


@pytest.fixture
def world() -> dict[str, Any]:
    """Cases whose moves are known under NO_RSR and LOWER_RSR, and three NPS practitioners."""
    po = practitioner_of("NPS", "PO")
    pso = practitioner_of("NPS", "PSO")
    pqip = practitioner_of("NPS", "PQiP")
    crc_po = practitioner_of("CRC-C08", "PO")
    cases = {
        # NPS only because RSR is at or above 6.9: to the CRC when rsr-high is switched off.
        "rsr_only": _case("NPS", rsr="7.50", officer=po),
        "rsr_only_2": _case("NPS", rsr="9.00", officer=pqip),
        "rsr_only_3": _case("NPS", home="C12", rsr="8.00", officer=pqip),
        "rsr_only_4": _case("NPS", rsr="6.90", officer=pso),
        # Kept by RoSH whatever the RSR rule says.
        "rosh_high": _case("NPS", rosh="high", rsr="8.00", officer=po),
        "rosh_high_2": _case("NPS", rosh="very_high", officer=pso),
        "mappa": _case("NPS", mappa=2, officer=po),
        # CRC, RSR 4: to the NPS when the threshold is lowered to 3.
        "crc_rsr_4": _case("CRC-C08", rsr="4.00", officer=crc_po),
        "crc_rsr_1": _case("CRC-C08", rsr="1.00", officer=crc_po),
        "crc_london": _case("CRC-C12", home="C12", rsr="3.00"),
        # With the NPS although the current policy would not keep it today.
        "nps_low": _case("NPS", rsr="1.00"),
    }
    closed = _case("NPS", rsr="8.00")
    Case.objects.filter(pk=closed.pk).update(status="closed", closed_on=dt.date(2025, 6, 1))
    return {"cases": cases, "po": po, "pso": pso, "pqip": pqip, "crc_po": crc_po}


def _area(result: Any, code: str) -> Any:
    return next(a for a in result.areas if a.contract_area == code)


def test_switching_off_rsr_high_moves_the_rsr_only_cases_to_the_crc(world):
    result = compare_policy(NO_RSR)
    assert result.cases == 11  # the closed case is not compared
    assert (result.nps_to_crc, result.crc_to_nps) == (5, 0)
    assert dict(result.why_nps_to_crc) == {"rsr-high": 4, NO_RULE_NOW: 1}
    c08, c12 = _area(result, "C08"), _area(result, "C12")
    assert (c08.nps_to_crc, c08.crc_to_nps, c08.cases, c08.nps_now, c08.crc_now) == (4, 0, 9, 7, 2)
    assert (c12.nps_to_crc, c12.crc_to_nps) == (1, 0)
    assert sum(a.moves for a in result.areas) == 5


def test_lowering_the_threshold_moves_crc_cases_to_the_nps(world):
    result = compare_policy(LOWER_RSR)
    # RSR 4 in C08 and RSR 3 in C12 (the threshold is inclusive) come to the NPS; and the NPS
    # case no rule keeps today leaves it.
    assert (result.nps_to_crc, result.crc_to_nps) == (1, 2)
    assert dict(result.why_crc_to_nps) == {"rsr-high": 2}
    assert dict(result.why_nps_to_crc) == {NO_RULE_NOW: 1}
    assert _area(result, "C08").crc_to_nps == 1
    assert _area(result, "C12").crc_to_nps == 1


def test_the_current_policy_moves_only_the_cases_it_would_not_keep(world):
    result = compare_policy(DEFAULT_POLICY)
    assert (result.nps_to_crc, result.crc_to_nps) == (1, 0)
    assert result.why_out == [("No rule of the current policy keeps it today", 1)]


def test_the_latest_sift_is_the_current_decision_not_the_responsible_organisation(world):
    case = world["cases"]["crc_rsr_1"]  # CRC, RSR 1: no policy here moves it...
    at = timezone.now()
    for minutes, code in ((2, "NPS"), (1, "CRC-C08")):  # ...unless its latest sift was the NPS
        SiftDecision.objects.create(
            case=case,
            organisation=organisation(code),
            contract_area=area("C08"),
            reasons=[],
            facts={},
            policy_id="tr-2014",
            policy_version=1,
            trigger="test",
            decided_at=at - dt.timedelta(minutes=minutes),
        )
    assert compare_policy(DEFAULT_POLICY).nps_to_crc == 1
    SiftDecision.objects.filter(case=case, organisation__code="NPS").update(
        decided_at=at + dt.timedelta(minutes=1)
    )
    assert compare_policy(DEFAULT_POLICY).nps_to_crc == 2


def test_a_case_two_switched_off_rules_kept_counts_under_both(world):
    case = _case("NPS", rsr="8.00")
    Registration.objects.create(
        case=case, kind="public_interest", registered_on=dt.date(2025, 1, 1)
    )
    policy = AllocationPolicy.from_json({"id": "p", "version": 1, "rules": ["rosh-high", "mappa"]})
    result = compare_policy(policy)
    assert result.nps_to_crc == 6  # the four RSR-only cases, the stale one and this one
    assert dict(result.why_nps_to_crc) == {"rsr-high": 5, "public-interest": 1, NO_RULE_NOW: 1}


def test_a_move_to_the_nps_is_put_down_to_the_rules_the_current_policy_lacks(world):
    case = _case("CRC-C08", rsr="5.00")  # public interest: the CRC decision is stale
    Registration.objects.create(
        case=case, kind="public_interest", registered_on=dt.date(2025, 1, 1)
    )
    policy = AllocationPolicy.from_json(
        {
            "id": "p",
            "version": 1,
            "rules": ["rsr-high", "public-interest"],
            "parameters": {"rsr_threshold": 5},
        }
    )
    result = compare_policy(policy)
    assert dict(result.why_crc_to_nps) == {"rsr-high": 1}
    stale = _case("CRC-C08", rsr="1.00")
    Registration.objects.create(
        case=stale, kind="public_interest", registered_on=dt.date(2025, 1, 1)
    )
    # Only rules the current policy also has keep it: the move is put down to them.
    assert dict(compare_policy(policy).why_crc_to_nps) == {"rsr-high": 1, "public-interest": 1}


def test_the_staff_split_gives_each_practitioner_the_side_of_most_of_their_cases(world):
    staff = {p.officer_id: p for p in compare_policy(NO_RSR).staff.practitioners}
    po, pso, pqip, crc_po = (staff[world[k].pk] for k in ("po", "pso", "pqip", "crc_po"))
    # PO: rsr_only goes to the CRC; rosh_high and mappa stay. 1 of 3 to the CRC: NPS.
    assert (po.cases, po.nps_cases, po.crc_cases, po.assigned_to) == (3, 2, 1, "NPS")
    assert po.crc_share == pytest.approx(1 / 3)
    # PSO: one each way, a tie: the NPS.
    assert (pso.nps_cases, pso.crc_cases, pso.assigned_to, pso.changes_side) == (1, 1, "NPS", False)
    # PQiP: both cases to CRCs (C08 and C12, one each): the CRC, of the lower code on a tie.
    assert (pqip.nps_share, pqip.crc_share, pqip.assigned_to, pqip.crc_area) == (0, 1, "CRC", "C08")
    assert pqip.changes_side
    assert (crc_po.assigned_to, crc_po.changes_side) == ("CRC", False)


def test_the_staff_split_is_counted_by_grade_and_office(world):
    staff = compare_policy(NO_RSR).staff
    by_grade = {
        g.label: (g.practitioners, g.to_nps, g.to_crc, g.changing_side) for g in staff.by_grade
    }
    assert by_grade == {"PO": (2, 1, 1, 0), "PSO": (1, 1, 0, 0), "PQiP": (1, 0, 1, 1)}
    assert [g.label for g in staff.by_grade] == ["PO", "PSO", "PQiP"]
    assert sum(g.practitioners for g in staff.by_office) == 4
    assert (staff.to_nps, staff.to_crc, staff.changing_side) == (2, 2, 1)


def test_the_json_has_the_spec_keys_first_and_exactly(world):
    data = compare_policy(NO_RSR).as_json()
    assert list(data)[:3] == ["cases", "would_move", "by_contract_area"]
    assert data["would_move"] == {"nps_to_crc": 5, "crc_to_nps": 0}
    assert len(data["by_contract_area"]) == 21
    assert data["by_contract_area"][7] == {"contract_area": "C08", "nps_to_crc": 4, "crc_to_nps": 0}
    assert all(
        list(row) == ["contract_area", "nps_to_crc", "crc_to_nps"]
        for row in data["by_contract_area"]
    )
    assert data["why"]["nps_to_crc"] == {NO_RULE_NOW: 1, "rsr-high": 4}
    assert data["staff"]["by_grade"][0] == {
        "grade": "PO",
        "practitioners": 2,
        "to_nps": 1,
        "to_crc": 1,
        "changing_side": 0,
    }


def test_comparing_changes_nothing_and_writes_no_audit(world):
    before = (
        list(Case.objects.values_list("id", "version", "responsible_organisation_id")),
        AuditEvent.objects.count(),
        SiftDecision.objects.count(),
    )
    compare_policy(NO_RSR)
    after = (
        list(Case.objects.values_list("id", "version", "responsible_organisation_id")),
        AuditEvent.objects.count(),
        SiftDecision.objects.count(),
    )
    assert before == after


def test_the_comparison_takes_a_fixed_number_of_queries(world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            compare_policy(NO_RSR)
        return len(captured)

    few = queries()
    for _ in range(5):
        _case("NPS", rsr="8.00", officer=world["po"])
    # the areas, four lookups, the id range, six reads of the one chunk, the staff
    assert queries() == few == 13


def test_progress_is_reported_per_chunk(world):
    seen: list[tuple[int, int]] = []
    compare_policy(NO_RSR, chunk_size=4, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (11, 11)
    assert len(seen) >= 3


# The bulk facts agree with the one-case read ------------------------------------------------


def test_the_bulk_facts_are_the_facts_of_the_one_case_read():
    today = timezone.localdate()
    cases = [
        _case("NPS", rosh="high", mappa=1, rsr="12.34"),
        _case("CRC-C08", rsr="0.50", audience="rosh_children", rosh="medium"),
        _case("CRC-C08", home=None, rosh=None),  # no address, not assessed
    ]
    nfa = _case("NPS", home="C12")
    type(nfa.person).objects.filter(pk=nfa.person_id).update(no_fixed_abode=True)
    cases.append(nfa)
    moved = _case("CRC-C08", home="C08")
    AddressFactory(
        person=moved.person,
        contract_area=area("C12"),
        is_main=False,
        starts_on=today - dt.timedelta(days=3),
    )
    AddressFactory(
        person=moved.person, contract_area=area("C14"), starts_on=today + dt.timedelta(days=3)
    )  # not started yet
    AddressFactory(
        person=moved.person,
        contract_area=area("C16"),
        starts_on=dt.date(2020, 1, 1),
        ends_on=today - dt.timedelta(days=1),
    )
    cases.append(moved)
    later = _case("CRC-C08", home="C08")
    AddressFactory(person=later.person, contract_area=area("C09"), starts_on=dt.date(2025, 1, 1))
    cases.append(later)
    heard = _case("CRC-C08", rsr="2.00")
    CourtEventFactory(case=heard, hearing_date=dt.date(2025, 1, 1))
    CourtEventFactory(
        case=heard,
        hearing_date=dt.date(2025, 2, 1),
        court=Court.objects.filter(contract_area__code="C12").first(),
    )
    cases.append(heard)
    reassessed = _case("CRC-C08", rsr="2.00")
    assess(reassessed, rosh="very_high", rsr="7.00")  # the same day, recorded later: counts
    cases.append(reassessed)
    flagged = _case("CRC-C08")
    Registration.objects.create(case=flagged, kind="public_interest", registered_on=today)
    ended = _case("CRC-C08")
    Registration.objects.create(
        case=ended,
        kind="public_interest",
        registered_on=dt.date(2024, 1, 1),
        ended_on=dt.date(2024, 6, 1),
    )
    cases += [flagged, ended]

    bulk = {row.case_id: row.facts for row in sift_facts_in_bulk(chunk_size=3)}
    one_by_one = {case.pk: sift_facts(Case.objects.get(pk=case.pk)) for case in cases}
    assert bulk == one_by_one
    assert bulk[moved.pk].home_contract_area == "C08"  # main first
    assert bulk[later.pk].home_contract_area == "C09"  # then the latest start
    assert bulk[heard.pk].court_contract_area == "C12"
    assert bulk[nfa.pk].home_contract_area is None
    assert bulk[flagged.pk].public_interest and not bulk[ended.pk].public_interest


# Parsing a proposed policy ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ('{"id": "p", "version": 1,\n "rules": [}', "policy", "line 2 column 12"),
        ("[1, 2]", "policy", "must be a JSON object"),
        ('{"id": "p", "rules": []}', "version", "missing"),
        ('{"id": "p", "version": 1}', "rules", "missing"),
        ('{"version": 1, "rules": []}', "id", "missing"),
        ('{"id": "p", "version": 0, "rules": []}', "version", "at least 1"),
        ('{"id": "p", "version": 1, "rules": ["mappa", "nope"]}', "rules[1]", "nope"),
        ('{"id": "p", "version": 1, "rules": ["mappa", "mappa"]}', "rules[1]", "twice"),
        (
            '{"id": "p", "version": 1, "rules": ["rsr-high"]}',
            "parameters.rsr_threshold",
            "required",
        ),
        (
            '{"id": "p", "version": 1, "rules": ["rsr-high"], "parameters": {"rsr_threshold": 101}}',
            "parameters.rsr_threshold",
            "at most 100",
        ),
        (
            '{"id": "p", "version": 1, "rules": [], "parameters": {"speed": 1}}',
            "parameters.speed",
            "unknown",
        ),
        ('{"id": "p", "version": 1, "rules": [], "colour": "red"}', "colour", "unknown"),
        ('{"id": "' + "x" * 51 + '", "version": 1, "rules": []}', "id", "50 characters"),
        ("[" * 5000 + "]" * 5000, "policy", "nested too deeply"),
        ('{"id": "p", "version": 1' + "0" * 5000 + ', "rules": []}', "policy", "policy"),
        ("x" * 10_001, "policy", "10,000 characters"),
        (b'{"id": "\xff"}', "policy", "UTF-8"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_field(text, field, words):
    with pytest.raises(InvalidInput) as refused:
        parse_policy(text)
    assert refused.value.field == field
    assert refused.value.message.startswith(f"{field}: ")
    assert words in refused.value.message


def test_a_good_policy_is_read():
    policy = parse_policy(NO_RSR.to_json().encode())
    assert policy == NO_RSR


# The contract manager's home ------------------------------------------------------------------


def _sifted_waiting(code: str, due: dt.date) -> Case:
    case = _case(f"CRC-{code}", home=code)
    SiftDecision.objects.create(
        case=case,
        organisation=organisation(f"CRC-{code}"),
        contract_area=area(code),
        reasons=[],
        facts={},
        policy_id="tr-2014",
        policy_version=1,
        trigger="sentence",
        assignment_due_on=due,
    )
    return case


def test_the_area_caseloads_count_by_organisation_waiting_and_overdue(world):
    today = dt.date(2026, 11, 30)
    _sifted_waiting("C08", today - dt.timedelta(days=1))  # overdue
    _sifted_waiting("C08", today)  # due today: still in time
    manager = UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"])
    with CaptureQueriesContext(connection) as captured:
        areas = {row.code: row for row in area_caseloads(for_user=manager, today=today)}
    assert len(captured) <= 5  # the counts, the overdue, the areas and their owners
    assert len(areas) == 21
    c08 = areas["C08"]
    # CaseFactory files every case under C08 unless told otherwise.
    assert (c08.nps, c08.crc, c08.unallocated, c08.overdue) == (8, 4, 3, 1)
    assert c08.cases == 12


def test_a_crc_sees_only_its_own_areas_caseload(world):
    manager = UserFactory(organisation=organisation("CRC-C12"), roles=["contract_manager"])
    assert [row.code for row in area_caseloads(for_user=manager)] == ["C12"]
