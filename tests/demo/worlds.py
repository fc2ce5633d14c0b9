"""A demo world built once per test module, inside a transaction rolled back afterwards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.test import override_settings

from probation.demo.builder import BuildResult, build_world

AS_OF = dt.date(2025, 6, 2)
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def rolled_back_world(
    django_db_blocker: Any, *, people: int, as_of: dt.date = AS_OF
) -> Iterator[BuildResult]:
    """Build a ``people``-person world (seed 2014, as of ``as_of``); undo it afterwards."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        yield build_world(people=people, seed=2014, as_of=as_of)
        transaction.set_rollback(True)
