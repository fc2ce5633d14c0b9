"""Name normalisation and the deletion-neighbourhood keys behind typo-tolerant search.

Why deletion keys rather than a database's trigram index: they work identically on the embedded
SQLite default and on PostgreSQL, and they are built over distinct names (thousands), not people
(hundreds of thousands). See ``docs/adr/0003-typo-tolerant-name-search.md``.
"""

from __future__ import annotations

import unicodedata

from rapidfuzz.distance import DamerauLevenshtein


def name_key(name: str) -> str:
    """Lower-case letters only, accents removed: "O'Brien-Smyth" → "obriensmyth"."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    return "".join(ch for ch in decomposed.lower() if "a" <= ch <= "z")[:100]


def deletion_keys(key: str) -> set[str]:
    """The key itself and every form of it with one letter removed."""
    if not key:
        return set()
    keys = {key}
    if len(key) > 2:
        keys.update(key[:i] + key[i + 1 :] for i in range(len(key)))
    return keys


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: swaps of neighbouring letters count as one edit."""
    return int(DamerauLevenshtein.distance(a, b))
