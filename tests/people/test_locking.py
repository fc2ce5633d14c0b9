"""begin_responsible_change: a change only the organisation responsible for a case may make
(probation/people/locking.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from probation.core.errors import CaseNotAvailable
from probation.people.locking import begin_responsible_change
from probation.people.models import Case
from tests.factories import organisation

pytestmark = pytest.mark.django_db


def _begin(case: Any, user: Any, *, allowed: bool = True) -> Case:
    return begin_responsible_change(
        case=case, by_user=user, allowed=allowed, refusal="Only the CRC does that."
    )


def test_the_responsible_organisation_locks_the_case_and_moves_its_version(
    crc_case: Any, crc_practitioner: Any
) -> None:
    before = crc_case.version
    locked = _begin(crc_case, crc_practitioner)
    assert locked.pk == crc_case.pk
    assert Case.objects.get(pk=crc_case.pk).version == before + 1


def test_a_refused_caller_gets_the_callers_words(crc_case: Any, crc_practitioner: Any) -> None:
    with pytest.raises(PermissionDenied, match=r"^Only the CRC does that\.$"):
        _begin(crc_case, crc_practitioner, allowed=False)


def test_an_outsider_cannot_see_the_case(crc_case: Any, other_crc_practitioner: Any) -> None:
    with pytest.raises(CaseNotAvailable):
        _begin(crc_case, other_crc_practitioner)


def test_a_case_that_moved_meanwhile_is_refused(crc_case: Any, nps_practitioner: Any) -> None:
    Case.objects.filter(pk=crc_case.pk).update(responsible_organisation=organisation("CRC-C08"))
    with pytest.raises(PermissionDenied, match="moved to another organisation"):
        _begin(crc_case, nps_practitioner)  # the NPS sees the case, but does not hold it
