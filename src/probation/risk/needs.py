"""The severity of each assessed need, from the assessment's answers (a pure calculation)."""

from __future__ import annotations

from probation.risk.questionnaire import SECTIONS
from probation.rules import tiering


def need_severities(answers: dict[str, dict[str, str]]) -> dict[str, str]:
    """Each assessed section's severity (sections with no known answers are left out)."""
    severities = {}
    for section in SECTIONS:
        section_answers = answers.get(section.key) or {}
        severity = tiering.need_severity(section.key, section_answers)
        if severity is not None:
            severities[section.key] = severity
    return severities
