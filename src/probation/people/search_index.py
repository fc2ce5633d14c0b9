"""The typo-tolerant search's index of names (docs/adr/0003-typo-tolerant-name-search.md).

Derived data, not case data: every distinct name's deletion keys, added when a name is first
seen. Written by the services that register people and by the demo's bulk build.
"""

from __future__ import annotations

from collections.abc import Iterable

from probation.people.models import NameKey
from probation.people.names import deletion_keys, name_key


def name_keys_register(names: Iterable[str]) -> int:
    """Add the search keys of any names not yet known. Returns how many keys were added."""
    keys = {name_key(n) for n in names} - {""}
    known = set(NameKey.objects.filter(name__in=keys).values_list("name", flat=True).distinct())
    rows = [NameKey(key=k, name=name) for name in keys - known for k in deletion_keys(name)]
    NameKey.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)
