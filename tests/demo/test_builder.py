"""Building, rebuilding and resetting the demo world: deterministic, idempotent, careful.

Each test builds its own small world (inside the test's transaction) on a fixed reference date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from probation.core.audit import AuditAction, audit
from probation.courts.models import PreviousSanction, Sentence
from probation.demo import data
from probation.demo.allocation import ALLOCATION_MODELS
from probation.demo.builder import build_world, demo_signins, reset_world, run_demo, world_state
from probation.demo.profiles import share_out
from probation.demo.world import DEMO_USERNAMES, DemoError
from probation.people.models import Case, Person
from probation.risk.models import Assessment, Registration, TierCalculation
from probation.workforce.models import User
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2025, 6, 2)
PEOPLE = 150


@pytest.fixture
def world() -> Any:
    return build_world(people=PEOPLE, seed=2014, as_of=AS_OF)


def snapshot() -> list[tuple[Any, ...]]:
    """What must not change between two builds with the same seed."""
    return (
        list(
            Case.objects.order_by("person__crn").values_list(
                "person__crn",
                "person__pnc_number",
                "person__forename",
                "person__middle_names",
                "person__surname",
                "person__date_of_birth",
                "person__sex",
                "contract_area__code",
                "responsible_organisation__code",
                "responsible_officer__username",
                "status",
                "opened_on",
                "closed_on",
            )
        )
        + list(
            Sentence.objects.order_by("case__person__crn").values_list(
                "case__person__crn",
                "disposal",
                "sentence_date",
                "length_days",
                "release_date",
                "supervision_end",
                "remand_days",
            )
        )
        + list(
            Assessment.objects.order_by("case__person__crn").values_list(
                "case__person__crn", "rosh_public", "rsr", "ogrs3_two_year", "need_severities"
            )
        )
        + list(Case.objects.order_by("person__crn").values_list("person__crn", "tier"))
    )


def test_the_same_seed_builds_the_same_world() -> None:
    build_world(people=200, seed=7, as_of=AS_OF)
    first = snapshot()
    sanctions = list(
        PreviousSanction.objects.order_by("case__person__crn", "sanction_date", "id").values_list(
            "case__person__crn", "sanction_date", "offence_category"
        )
    )
    reset_world()
    build_world(people=200, seed=7, as_of=AS_OF)
    assert snapshot() == first
    assert (
        list(
            PreviousSanction.objects.order_by(
                "case__person__crn", "sanction_date", "id"
            ).values_list("case__person__crn", "sanction_date", "offence_category")
        )
        == sanctions
    )
    reset_world()
    build_world(people=200, seed=8, as_of=AS_OF)
    assert snapshot() != first


def test_people_are_spread_over_areas_by_caseload_weight() -> None:
    weights = {"C01": 60, "C08": 70, "C12": 280}
    assert share_out(41, weights) == {"C01": 6, "C08": 7, "C12": 28}
    assert sum(share_out(250_000, dict.fromkeys(data.TOWNS, 1)).values()) == 250_000


def test_running_the_demo_twice_builds_once() -> None:
    first = run_demo(people=120, seed=3, as_of=AS_OF)
    assert first.built is not None and first.state == "none"
    people = Person.objects.count()
    staff = User.objects.count()
    second = run_demo(people=120, seed=3, as_of=AS_OF)
    assert second.built is None and second.state == "complete"
    assert Person.objects.count() == people == 120
    assert User.objects.count() == staff
    assert [s.username for s in second.signins] == list(DEMO_USERNAMES)


def test_reset_empties_case_data_and_demo_staff_but_keeps_audited_staff(world: Any) -> None:
    practitioner = User.objects.get(username="practitioner")
    audit(practitioner, AuditAction.CASE_VIEWED)
    assert Assessment.objects.exists() and TierCalculation.objects.exists()
    assert all(model.objects.exists() for model in ALLOCATION_MODELS)
    removed = reset_world()
    assert removed["people"] == PEOPLE
    assert not Person.objects.exists() and not Case.objects.exists()
    for model in (Assessment, Registration, TierCalculation, *ALLOCATION_MODELS):
        assert not model.objects.exists(), model
    assert world_state() == "none"
    assert demo_signins() == []
    kept = User.objects.get(pk=practitioner.pk)  # the audit trail still points at them
    assert not kept.is_active and not kept.has_usable_password()
    assert kept.username.startswith("retired-")
    rebuilt = run_demo(people=120, seed=2014, as_of=AS_OF, reset=True)
    assert rebuilt.built is not None
    assert Person.objects.count() == 120


def test_a_second_world_is_not_built_over_the_first(world: Any) -> None:
    with pytest.raises(DemoError, match="already exists"):
        build_world(people=100, seed=1, as_of=AS_OF)
    assert world_state() == "complete"
    assert Person.objects.count() == PEOPLE


def test_a_world_whose_build_stopped_part_way_must_be_reset() -> None:
    User.objects.create(
        username="practitioner", email=f"practitioner@{data.DEMO_EMAIL_DOMAIN}"
    )  # a build that died after writing the staff
    assert world_state() == "incomplete"
    with pytest.raises(DemoError, match="did not finish"):
        run_demo(people=100, seed=1, as_of=AS_OF)
    assert run_demo(people=100, seed=1, as_of=AS_OF, reset=True).built is not None
    assert world_state() == "complete"


def test_people_who_are_not_a_demo_world_are_not_built_over() -> None:
    PersonFactory()
    with pytest.raises(DemoError, match="not a demo world"):
        build_world(people=100, seed=1, as_of=AS_OF)


def test_a_world_too_small_for_the_demo_caseloads_is_refused() -> None:
    with pytest.raises(DemoError, match="at least"):
        build_world(people=10, seed=1, as_of=AS_OF)
