"""Fixtures for allocation tests: an unallocated CRC case and its manager."""

from __future__ import annotations

from typing import Any

import pytest

from tests.allocation.helpers import assess, manager_of
from tests.factories import CaseFactory, PersonFactory, organisation


@pytest.fixture
def unallocated_case(db: Any) -> Any:
    """An active, assessed (low RoSH) Merseyside CRC case with no responsible officer."""
    case = CaseFactory(
        person=PersonFactory(surname="Quillfeather"),
        responsible_organisation=organisation("CRC-C08"),
        responsible_officer=None,
        tier="C2",
    )
    assess(case)
    return case


@pytest.fixture
def crc_manager(db: Any) -> Any:
    return manager_of("CRC-C08", first_name="Alex", last_name="Smith")
