"""What changed between two assessments of a case, in words (a pure calculation: no database).

A review of risk starts from the last assessment; the practitioner, the success message and the
audit trail are told what the review changed, for example "RoSH to the public: medium → high",
or for a needs answer, its section and question, then "significant problems → no problem".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from probation.risk.models import MappaCategory, MappaLevel, ReportType, RoshLevel
from probation.risk.questionnaire import SECTIONS, UNKNOWN

NOT_ANSWERED = "not answered"


@dataclass(frozen=True)
class Change:
    """One value that differs: what it is, and its value before and after, in words."""

    label: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.label}: {self.before} → {self.after}"


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _choice(labels: Mapping[Any, str], empty: str) -> Callable[[Any], str]:
    def words(value: Any) -> str:
        if value is None or value == "":
            return empty
        return _lower(str(labels.get(value, value)))

    return words


def _yes_no(value: Any) -> str:
    return "yes" if value else "no"


def _rsr(value: Any) -> str:
    if value is None or value == "":
        return "not recorded"
    return f"{Decimal(value).quantize(Decimal('0.01'))}%"


_ROSH = _choice(dict(RoshLevel.choices), "not recorded")

# (attribute, label, words), in the order the assessment page asks them.
_FIELDS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("report_type", "Type of report", _choice(dict(ReportType.choices), "not recorded")),
    ("rosh_public", "RoSH to the public", _ROSH),
    ("rosh_known_adult", "RoSH to a known adult", _ROSH),
    ("rosh_children", "RoSH to children", _ROSH),
    ("rosh_staff", "RoSH to staff", _ROSH),
    ("mappa_category", "MAPPA category", _choice(dict(MappaCategory.choices), "not eligible")),
    ("mappa_level", "MAPPA level", _choice(dict(MappaLevel.choices), "none")),
    ("rsr", "RSR", _rsr),
    ("parenting_responsibilities", "Parenting responsibilities", _yes_no),
    ("previous_enforcement", "Breached or recalled before", _yes_no),
)


def _same(before: Any, after: Any) -> bool:
    """Equal values; an RSR of "4.5" and one of 4.50 are the same."""
    if isinstance(before, Decimal) or isinstance(after, Decimal):
        if before is None or after is None:
            return before is after
        return Decimal(str(before)) == Decimal(str(after))
    return bool(before == after)


def _answer_changes(
    before: Mapping[str, Mapping[str, str]], after: Mapping[str, Mapping[str, str]]
) -> list[Change]:
    changes = []
    for section in SECTIONS:
        old = before.get(section.key) or {}
        new = after.get(section.key) or {}
        for question in section.questions:
            was, now = old.get(question.key) or "", new.get(question.key) or ""
            if was == now:
                continue
            words = _choice(dict([*question.answers, UNKNOWN]), NOT_ANSWERED)
            changes.append(
                Change(f"{section.title} – {_lower(question.text)}", words(was), words(now))
            )
    return changes


def assessment_changes(previous: Any, new: Any) -> list[Change]:
    """What ``new`` changed from ``previous`` (both assessments, saved or not); none when there
    is no previous assessment. The computed OGRS3 and the tier are not compared: they follow."""
    if previous is None:
        return []
    changes = []
    for attribute, label, words in _FIELDS:
        before, after = getattr(previous, attribute), getattr(new, attribute)
        if not _same(before, after):
            changes.append(Change(label, words(before), words(after)))
    changes.extend(_answer_changes(previous.answers or {}, new.answers or {}))
    return changes
