"""The demo world as built: realistic enough to demonstrate with, and internally consistent.

One world of a few hundred people, built once for the module on a fixed reference date inside a
transaction that is rolled back afterwards (each test runs in a savepoint within it, so nothing it
does outlives it). Every figure checked is fixed for the seed: the tolerances cannot be flaky.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.db.models import Count, F, Min
from django.test import RequestFactory

from probation.allocation.models import Transfer, TransferState
from probation.contracts.models import ContractArea
from probation.core.identifiers import normalise_crn, normalise_pnc
from probation.core.models import AuditEvent
from probation.courts.models import ChargedOffence, PreviousSanction, Requirement, Sentence
from probation.demo import data
from probation.demo.builder import DEMO_ACTION, BuildResult
from probation.demo.world import DEMO_SIGNINS, DEMO_USERNAMES
from probation.people.models import AccessKind, Alias, Case, CaseAccess, NameKey, Person
from probation.people.names import name_key
from probation.people.selectors import cases_visible_to
from probation.workforce.models import Division, Organisation, RoleCode, User
from tests.demo.worlds import AS_OF, rolled_back_world

pytestmark = pytest.mark.django_db

PEOPLE = 300


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[BuildResult]:
    yield from rolled_back_world(django_db_blocker, people=PEOPLE)


def test_every_contract_area_and_organisation_kind_has_staff(world: Any) -> None:
    for area in ContractArea.objects.all():
        crc = Organisation.objects.get(contract_area=area)
        practitioners = User.objects.filter(organisation=crc, roles__code=RoleCode.PRACTITIONER)
        assert practitioners.count() >= 2, area.code
        assert User.objects.filter(
            organisation=crc, roles__code=RoleCode.ALLOCATING_MANAGER, grade="SPO"
        ).exists()
        assert practitioners.filter(team__isnull=False, office__contract_area=area).exists()
    for kind in ("nps", "crc", "em_provider", "commissioner"):
        assert User.objects.filter(organisation__kind=kind).exists(), kind
    for division in Division.objects.all():
        assert User.objects.filter(
            organisation__code="NPS",
            office__division=division,
            roles__code=RoleCode.PRACTITIONER,
        ).exists(), division.name
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser


def test_crc_practitioners_mix_grades_and_hours(world: Any) -> None:
    crc = User.objects.filter(organisation__kind="crc", roles__code=RoleCode.PRACTITIONER)
    grades = Counter(crc.values_list("grade", flat=True))
    assert set(grades) <= {"PO", "PSO", "PQiP"}
    assert grades["PSO"] and grades["PO"] and grades["PQiP"]
    hours = set(User.objects.values_list("contracted_hours", flat=True))
    assert len(hours) > 1  # some part-time staff


def test_every_role_has_a_demo_signin_that_authenticates(world: Any) -> None:
    roles = Counter(spec.role for spec in DEMO_SIGNINS)
    # One sign-in per role, except practitioners and allocating managers: one in a CRC and one
    # in the NPS.
    assert roles == Counter(RoleCode.values) + Counter(
        [RoleCode.PRACTITIONER, RoleCode.ALLOCATING_MANAGER]
    )
    practitioner_kinds = {
        Organisation.objects.get(code=spec.organisation).kind
        for spec in DEMO_SIGNINS
        if spec.role == RoleCode.PRACTITIONER
    }
    assert practitioner_kinds == {"crc", "nps"}
    assert [s.username for s in world.signins] == list(DEMO_USERNAMES)
    for spec in DEMO_SIGNINS:
        user = authenticate(
            RequestFactory().post("/sign-in/"), username=spec.username, password=data.DEMO_PASSWORD
        )
        assert user is not None, spec.username
        assert user.has_role(spec.role)
        assert user.organisation.code == spec.organisation


def test_staff_who_are_not_demo_signins_cannot_sign_in(world: Any) -> None:
    others = User.objects.exclude(username__in=DEMO_USERNAMES)
    assert others.exists()
    assert not any(user.has_usable_password() for user in others)


def test_demo_practitioners_have_real_caseloads(world: Any) -> None:
    practitioner = User.objects.get(username="practitioner")
    assert practitioner.organisation.code == "CRC-C08" and practitioner.grade == "PO"
    active = Case.objects.filter(responsible_officer=practitioner, status="active")
    assert 30 <= active.count() <= 45
    assert set(active.values_list("responsible_organisation__code", flat=True)) == {"CRC-C08"}
    nps = User.objects.get(username="nps.practitioner")
    assert Case.objects.filter(responsible_officer=nps, status="active").count() >= 20
    manager = User.objects.get(username="manager")
    waiting = Case.objects.filter(
        responsible_organisation=manager.organisation,
        responsible_officer__isnull=True,
        status="active",
    )
    assert waiting.count() >= 3


def test_area_distribution_follows_the_weights(world: Any) -> None:
    """Merseyside holds the demo caseload; the other areas share the rest in proportion."""
    counts = dict(Case.objects.values_list("contract_area__code").annotate(n=Count("id")))
    weights = dict(ContractArea.objects.values_list("code", "caseload_weight"))
    merseyside = counts.pop("C08")
    assert merseyside >= PEOPLE * weights["C08"] / sum(weights.values())
    rest = sum(counts.values())
    other_weight = sum(w for code, w in weights.items() if code != "C08")
    for code, n in counts.items():
        assert abs(n - rest * weights[code] / other_weight) <= 1, code


def test_responsible_officers_belong_to_the_responsible_organisation(world: Any) -> None:
    allocated = Case.objects.filter(responsible_officer__isnull=False)
    assert allocated.exists()
    assert not allocated.exclude(
        responsible_officer__organisation=F("responsible_organisation")
    ).exists()
    assert not allocated.exclude(responsible_officer__roles__code=RoleCode.PRACTITIONER).exists()


def test_case_mix_is_plausible(world: Any) -> None:
    cases = Case.objects.count()
    assert cases == PEOPLE == Person.objects.count()
    male = Person.objects.filter(sex="male").count()
    assert 0.75 < male / PEOPLE < 0.95
    nps = Case.objects.filter(responsible_organisation__code="NPS").count()
    assert 0.2 < nps / cases < 0.45  # the sift: high RoSH, MAPPA, high RSR, not yet assessed
    assert Case.objects.filter(status="closed").exists()
    assert Case.objects.filter(status="active", responsible_officer__isnull=True).exists()
    disposals = Counter(Sentence.objects.values_list("disposal", flat=True))
    assert disposals.most_common(1)[0][0] == "community_order"
    assert disposals["custody"] and disposals["suspended_sentence_order"]
    community = Sentence.objects.filter(
        disposal__in=["community_order", "suspended_sentence_order"]
    )
    assert not community.annotate(n=Count("requirements")).filter(n=0).exists()
    hours = Requirement.objects.filter(kind="unpaid_work").values_list("amount", flat=True)
    assert hours and all(40 <= h <= 300 for h in hours)
    assert Alias.objects.exists()
    assert Person.objects.filter(no_fixed_abode=True, addresses__isnull=True).exists() or (
        not Person.objects.filter(no_fixed_abode=True).exists()
    )
    assert not Person.objects.filter(no_fixed_abode=False, addresses__isnull=True).exists()


def test_ages_are_adult_and_skewed_young(world: Any) -> None:
    ages = [
        (AS_OF - dob).days // 365 for dob in Person.objects.values_list("date_of_birth", flat=True)
    ]
    assert min(ages) >= 18 and max(ages) <= 75
    assert sum(20 <= a < 40 for a in ages) > len(ages) / 2


def test_identifiers_are_valid_and_unique(world: Any) -> None:
    rows = list(Person.objects.values_list("crn", "pnc_number"))
    for crn, pnc in rows:
        assert normalise_crn(crn) == crn
        assert normalise_pnc(pnc) == pnc
    assert len({crn for crn, _ in rows}) == len({pnc for _, pnc in rows}) == len(rows)


def test_sanctions_precede_the_current_offence_and_start_at_ten(world: Any) -> None:
    first_offence = dict(
        ChargedOffence.objects.values_list("court_event__case_id").annotate(
            first=Min("offence_date")
        )
    )
    sanctions = PreviousSanction.objects.values_list(
        "case_id", "sanction_date", "case__person__date_of_birth"
    )
    assert sanctions.exists()
    for case_id, when, born in sanctions:
        assert when < first_offence[case_id]
        assert dt.date(born.year + 10, born.month, min(born.day, 28)) <= when
    counts = Counter(Case.objects.annotate(n=Count("sanctions")).values_list("n", flat=True))
    assert sum(n for k, n in counts.items() if k <= 3) > PEOPLE / 2  # many with few
    assert max(counts) >= 15  # and a long tail


def test_court_events_and_custody_dates_hang_together(world: Any) -> None:
    transferred = set(
        Transfer.objects.filter(state=TransferState.ACCEPTED).values_list("case_id", flat=True)
    )
    assert transferred
    for sentence in Sentence.objects.select_related("court_event", "case"):
        event = sentence.court_event
        assert event is not None and event.case_id == sentence.case_id
        assert event.conviction_date is not None
        assert event.conviction_date <= sentence.sentence_date <= AS_OF
        if sentence.case_id not in transferred:  # a transfer moves the case to another area
            assert event.court.contract_area_id == sentence.case.contract_area_id
        assert event.offences.filter(is_main=True).count() == 1
        assert 1 <= event.offences.count() <= 3
        if sentence.disposal in ("custody", "custody_extended"):  # test_risk.py: the rules
            assert sentence.release_date is not None and sentence.sentence_expiry_date
            assert sentence.sentence_date <= sentence.release_date
            assert sentence.release_date <= sentence.sentence_expiry_date
            assert sentence.licence_end in (None, sentence.sentence_expiry_date)
        if sentence.case.status == "active" and sentence.expected_end_date:
            assert sentence.expected_end_date >= AS_OF


def test_access_lists_make_visibility_demonstrable(world: Any) -> None:
    practitioner = User.objects.get(username="practitioner")
    manager = User.objects.get(username="manager")
    excluded = CaseAccess.objects.get(user=practitioner, kind=AccessKind.EXCLUSION).case
    restricted = Case.objects.filter(
        restricted=True, responsible_organisation__code="CRC-C08"
    ).first()
    assert restricted is not None
    visible_to_practitioner = cases_visible_to(practitioner)
    assert not visible_to_practitioner.filter(pk=excluded.pk).exists()
    assert not visible_to_practitioner.filter(pk=restricted.pk).exists()
    assert cases_visible_to(manager).filter(pk=restricted.pk).exists()
    assert visible_to_practitioner.filter(responsible_officer=practitioner).count() >= 30
    for case in Case.objects.filter(restricted=True):
        listed = set(case.access_entries.filter(kind="restriction").values_list("user", flat=True))
        assert case.responsible_officer_id in listed  # the officer can still see their case
    assert not Case.objects.filter(restricted=False, access_entries__kind="restriction").exists()


def test_search_keys_and_one_audit_event_are_written(world: Any) -> None:
    names = {name_key(n) for n in Person.objects.values_list("surname", flat=True)}
    assert names <= set(NameKey.objects.values_list("name", flat=True))
    events = AuditEvent.objects.filter(action=DEMO_ACTION)
    assert events.count() == 1
    details = events.get().details
    assert details["counts"]["people"] == PEOPLE
    assert details["seed"] == 2014
