"""The sift and assignment services (docs/domain/allocation.md, sections 1 and 2): outcomes
table-driven through the service, and every refused transition."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from probation.allocation.models import Assignment, SiftDecision
from probation.allocation.services import case_assign, case_sift
from probation.core.audit import AuditAction
from probation.core.errors import Conflict, InvalidInput
from probation.core.models import AuditEvent
from probation.courts.models import Court
from probation.risk.models import Registration
from tests.allocation.helpers import assess, manager_of, practitioner_of
from tests.factories import (
    AddressFactory,
    CaseFactory,
    CourtEventFactory,
    PersonFactory,
    SentenceFactory,
    area,
    organisation,
)

pytestmark = pytest.mark.django_db


def _case(*, home: str | None = "C12", court: str = "C05", nfa: bool = False) -> Any:
    """A case first held by the NPS, living in ``home`` (no address when None), heard at a
    court of ``court``."""
    person = PersonFactory(no_fixed_abode=nfa)
    case = CaseFactory(person=person, responsible_organisation=organisation("NPS"))
    if home is not None:
        AddressFactory(person=person, contract_area=area(home))
    CourtEventFactory(case=case, court=Court.objects.filter(contract_area__code=court).first())
    return case


@pytest.mark.parametrize(
    ("assessment", "case_kwargs", "organisation_code", "area_code", "first_rule"),
    [
        ({"rosh": "high"}, {}, "NPS", "C12", "rosh-high"),
        ({"rosh": "very_high", "audience": "rosh_children"}, {}, "NPS", "C12", "rosh-high"),
        ({"mappa": 2}, {}, "NPS", "C12", "mappa"),
        ({"rsr": "6.90"}, {}, "NPS", "C12", "rsr-high"),
        (None, {}, "NPS", "C12", "rosh-missing"),
        ({"rsr": "6.89"}, {}, "CRC-C12", "C12", "crc-default"),
        ({"rosh": "medium"}, {}, "CRC-C12", "C12", "crc-default"),
        ({}, {"nfa": True}, "CRC-C05", "C05", "crc-default"),
        ({}, {"home": None}, "CRC-C05", "C05", "crc-default"),
    ],
    ids=[
        "rosh-high",
        "rosh-very-high-to-children",
        "mappa",
        "rsr-at-threshold",
        "not-assessed",
        "rsr-below-threshold",
        "medium-rosh-home-area",
        "no-fixed-abode-court-area",
        "no-address-court-area",
    ],
)
def test_the_sift_sends_the_case_to_the_organisation_the_rules_decide(
    court_officer, assessment, case_kwargs, organisation_code, area_code, first_rule
):
    case = _case(**case_kwargs)
    if assessment is not None:
        assess(case, **assessment)
    sift = case_sift(case=case, by_user=court_officer, trigger="sentence")
    case.refresh_from_db()
    assert case.responsible_organisation.code == organisation_code
    assert case.contract_area.code == area_code
    assert case.responsible_officer is None
    assert sift.organisation.code == organisation_code
    assert sift.reasons[0][0] == first_rule
    assert (sift.policy_id, sift.policy_version) == ("tr-2014", 1)
    assert sift.decided_by == court_officer and sift.decided_at is not None
    event = AuditEvent.objects.get(action=AuditAction.CASE_SIFTED)
    assert event.crn == case.person.crn
    assert event.after["organisation"] == organisation_code
    assert event.after["reasons"] == sift.reasons


def test_the_sift_stores_its_facts_and_moves_the_case_version(court_officer):
    case = _case()
    assess(case, rosh="medium", rsr="3.50")
    Registration.objects.create(case=case, kind="public_interest", registered_on=case.opened_on)
    version = case.version
    sift = case_sift(case=case, by_user=court_officer, trigger="sentence")
    assert sift.facts == {
        "rosh": "medium",
        "home_contract_area": "C12",
        "court_contract_area": "C05",
        "mappa_category": None,
        "rsr": 3.5,
        "public_interest": True,
        "liable_to_deportation": False,
    }
    assert sift.reasons[0][0] == "public-interest"
    assert case.version > version


def test_a_sift_takes_the_case_from_its_officer(court_officer, crc_practitioner, crc_case):
    assess(crc_case, rosh="high")
    case_sift(case=crc_case, by_user=court_officer, trigger="sentence")
    crc_case.refresh_from_db()
    assert crc_case.responsible_organisation.code == "NPS"
    assert crc_case.responsible_officer is None


@pytest.mark.parametrize(
    ("now", "tier", "due"),
    [
        (dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC), "C2", dt.date(2026, 12, 3)),
        (dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC), "A1", dt.date(2026, 12, 1)),  # tier A
        (dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC), "", dt.date(2026, 12, 3)),  # no tier
        # Christmas Eve: Christmas Day, the weekend and Boxing Day's substitute Monday skipped.
        (dt.datetime(2026, 12, 24, 10, tzinfo=dt.UTC), "C2", dt.date(2026, 12, 31)),
        (dt.datetime(2026, 12, 24, 10, tzinfo=dt.UTC), "A3", dt.date(2026, 12, 29)),
        # 23:30 UTC on 30 June is 1 July in London: the clock counts from the London date.
        (dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC), "B1", dt.date(2026, 7, 6)),
        (dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC), "A0", dt.date(2026, 7, 2)),
    ],
    ids=["monday", "tier-a", "no-tier", "christmas", "christmas-tier-a", "bst", "bst-tier-a"],
)
def test_the_sift_stores_when_a_practitioner_is_due(court_officer, monkeypatch, now, tier, due):
    case = _case()
    type(case).objects.filter(pk=case.pk).update(tier=tier)
    case.refresh_from_db()
    assess(case)
    monkeypatch.setattr(timezone, "now", lambda: now)
    sift = case_sift(case=case, by_user=court_officer, trigger="sentence")
    sift.refresh_from_db()
    assert sift.decided_at == now
    assert sift.assignment_due_on == due
    event = AuditEvent.objects.get(action=AuditAction.CASE_SIFTED)
    assert event.after["assignment_due_on"] == due.isoformat()


# Assignment ---------------------------------------------------------------------------------


def test_a_manager_assigns_the_case_to_a_practitioner(unallocated_case, crc_manager):
    officer = practitioner_of("CRC-C08", first_name="Sam", last_name="Okoro")
    assignment = case_assign(
        case=unallocated_case,
        officer=officer,
        by_user=crc_manager,
        expected_version=unallocated_case.version,
    )
    unallocated_case.refresh_from_db()
    assert unallocated_case.responsible_officer == officer
    assert assignment.assigned_by == crc_manager and assignment.previous_officer is None
    assert assignment.organisation.code == "CRC-C08"
    event = AuditEvent.objects.get(action=AuditAction.CASE_ASSIGNED)
    assert event.after["officer"] == officer.pk and event.crn == unallocated_case.person.crn


def test_reassigning_records_the_previous_officer(unallocated_case, crc_manager):
    first, second = practitioner_of("CRC-C08"), practitioner_of("CRC-C08")
    case_assign(case=unallocated_case, officer=first, by_user=crc_manager)
    assignment = case_assign(case=unallocated_case, officer=second, by_user=crc_manager)
    assert assignment.previous_officer == first


def _refused(case: Any, officer: Any, by_user: Any, **kwargs: Any) -> Exception:
    with pytest.raises((PermissionDenied, InvalidInput, Conflict)) as caught:
        case_assign(case=case, officer=officer, by_user=by_user, **kwargs)
    case.refresh_from_db()
    assert case.responsible_officer is None
    assert not Assignment.objects.filter(case=case).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_ASSIGNED).exists()
    return caught.value


def test_a_practitioner_may_not_assign(unallocated_case, crc_practitioner):
    error = _refused(unallocated_case, practitioner_of("CRC-C08"), crc_practitioner)
    assert isinstance(error, PermissionDenied)


def test_a_manager_of_another_organisation_may_not_assign(unallocated_case):
    nps_manager = manager_of("NPS")  # the NPS sees every case, but this one is the CRC's
    error = _refused(unallocated_case, practitioner_of("CRC-C08"), nps_manager)
    assert isinstance(error, PermissionDenied)


def test_another_crcs_manager_cannot_even_see_the_case(unallocated_case):
    from probation.core.errors import CaseNotAvailable

    with pytest.raises(CaseNotAvailable):
        case_assign(
            case=unallocated_case,
            officer=practitioner_of("CRC-C08"),
            by_user=manager_of("CRC-C12"),
        )


def test_an_officer_of_another_organisation_is_refused(unallocated_case, crc_manager):
    error = _refused(unallocated_case, practitioner_of("CRC-C12"), crc_manager)
    assert isinstance(error, InvalidInput) and "not an active practitioner" in error.message


def test_a_closed_case_is_not_assigned(unallocated_case, crc_manager):
    type(unallocated_case).objects.filter(pk=unallocated_case.pk).update(status="closed")
    error = _refused(unallocated_case, practitioner_of("CRC-C08"), crc_manager)
    assert isinstance(error, InvalidInput) and "closed" in error.message


def test_the_sift_is_refused_to_someone_who_cannot_see_the_case(unallocated_case):
    from probation.core.errors import CaseNotAvailable

    with pytest.raises(CaseNotAvailable):
        case_sift(case=unallocated_case, by_user=manager_of("CRC-C12"), trigger="test")
    assert not SiftDecision.objects.exists()


def test_an_inactive_officer_is_refused(unallocated_case, crc_manager):
    officer = practitioner_of("CRC-C08", is_active=False)
    error = _refused(unallocated_case, officer, crc_manager)
    assert isinstance(error, InvalidInput) and "not an active practitioner" in error.message


def test_a_manager_who_is_not_a_practitioner_cannot_take_a_case(unallocated_case, crc_manager):
    error = _refused(unallocated_case, manager_of("CRC-C08"), crc_manager)
    assert isinstance(error, InvalidInput)


@pytest.mark.parametrize("grade", ["PSO", "PQiP"])
@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda case: assess(case, rosh="high"), "RoSH is high"),
        (lambda case: assess(case, rosh="very_high"), "RoSH is very high"),
        (lambda case: assess(case, mappa=1), "MAPPA category 1"),
        (
            lambda case: Registration.objects.create(
                case=case, kind="child_protection", registered_on=case.opened_on
            ),
            "a child-protection registration",
        ),
        (
            lambda case: SentenceFactory(
                case=case, disposal="custody_indeterminate", sentence_date=dt.date(2025, 1, 6)
            ),
            "an indeterminate sentence",
        ),
    ],
    ids=["rosh-high", "rosh-very-high", "mappa", "child-protection", "indeterminate"],
)
def test_a_pso_or_pqip_may_not_take_a_case_beyond_their_role(
    unallocated_case, crc_manager, grade, make, words
):
    make(unallocated_case)
    error = _refused(unallocated_case, practitioner_of("CRC-C08", grade=grade), crc_manager)
    assert isinstance(error, InvalidInput)
    assert words in error.message and grade in error.message


def test_a_po_may_take_a_high_rosh_case(unallocated_case, crc_manager):
    assess(unallocated_case, rosh="high")
    officer = practitioner_of("CRC-C08", grade="PO")
    assert case_assign(case=unallocated_case, officer=officer, by_user=crc_manager)


def test_a_pso_may_take_a_low_risk_case(unallocated_case, crc_manager):
    officer = practitioner_of("CRC-C08", grade="PSO")
    assert case_assign(case=unallocated_case, officer=officer, by_user=crc_manager)


def test_a_stale_form_is_told_who_took_the_case(unallocated_case, crc_manager):
    version = unallocated_case.version
    officer = practitioner_of("CRC-C08", first_name="Sam", last_name="Okoro")
    case_assign(
        case=unallocated_case, officer=officer, by_user=crc_manager, expected_version=version
    )
    other_manager = manager_of("CRC-C08")
    with pytest.raises(Conflict) as caught:
        case_assign(
            case=unallocated_case,
            officer=practitioner_of("CRC-C08"),
            by_user=other_manager,
            expected_version=version,
        )
    assert caught.value.message == "Alex Smith has just assigned this case to Sam Okoro."
    assert Assignment.objects.filter(case=unallocated_case).count() == 1


def test_a_form_made_stale_by_another_change_gets_the_general_conflict(
    unallocated_case, crc_manager
):
    version = unallocated_case.version
    assess(unallocated_case)
    case_sift(case=unallocated_case, by_user=crc_manager, trigger="test")
    error = _refused(
        unallocated_case, practitioner_of("CRC-C08"), crc_manager, expected_version=version
    )
    assert isinstance(error, Conflict) and "Someone else changed this case" in error.message


def test_sift_decisions_are_kept_as_history(unallocated_case, court_officer):
    case_sift(case=unallocated_case, by_user=court_officer, trigger="sentence")
    case_sift(case=unallocated_case, by_user=court_officer, trigger="review")
    assert SiftDecision.objects.filter(case=unallocated_case).count() == 2
