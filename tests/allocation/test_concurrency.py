"""Two managers assigning one case at the same moment: one wins, the other is told who took the
case (docs/domain/allocation.md, section 2). Real threads on PostgreSQL."""

from __future__ import annotations

import pytest

from probation.allocation.models import Assignment
from probation.allocation.services import case_assign
from probation.core.errors import Conflict
from tests.allocation.helpers import assess, manager_of, practitioner_of
from tests.factories import CaseFactory, organisation
from tests.people.test_concurrency import postgresql, run_together


@postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_of_two_managers_assigning_at_once_one_wins_and_the_other_is_told_who():
    case = CaseFactory(responsible_organisation=organisation("CRC-C08"), tier="C2")
    assess(case)
    managers = [
        manager_of("CRC-C08", first_name="Alex", last_name="Smith"),
        manager_of("CRC-C08", first_name="Jo", last_name="Bloggs"),
    ]
    officers = [
        practitioner_of("CRC-C08", first_name="Sam", last_name="Okoro"),
        practitioner_of("CRC-C08", first_name="Kim", last_name="Patel"),
    ]
    version = case.version
    results = run_together(
        *[
            lambda manager=manager, officer=officer: case_assign(
                case=case, officer=officer, by_user=manager, expected_version=version
            )
            for manager, officer in zip(managers, officers, strict=True)
        ]
    )
    [won] = [r for r in results if isinstance(r, Assignment)]
    [refusal] = [r for r in results if not isinstance(r, Assignment)]
    assert isinstance(refusal, Conflict), refusal
    assert refusal.message == (f"{won.assigned_by} has just assigned this case to {won.officer}.")
    assert Assignment.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.responsible_officer_id == won.officer_id
