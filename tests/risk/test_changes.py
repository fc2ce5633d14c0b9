"""The words a review of risk uses for what changed since the last assessment (a pure function)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from probation.risk.changes import Change, assessment_changes

BEFORE = {
    "report_type": "fast",
    "rosh_public": "medium",
    "rosh_known_adult": "low",
    "rosh_children": "low",
    "rosh_staff": "low",
    "mappa_category": None,
    "mappa_level": None,
    "rsr": Decimal("4.50"),
    "parenting_responsibilities": False,
    "previous_enforcement": False,
    "answers": {
        "accommodation": {"suitability": "significant", "no_fixed_abode": "yes"},
        "drugs": {"drug_misuse": "currently"},
    },
}


def assessment(**changes):
    return SimpleNamespace(**{**BEFORE, **changes})


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"rosh_public": "high"}, ["RoSH to the public: medium → high"]),
        ({"rosh_staff": "very_high"}, ["RoSH to staff: low → very high"]),
        (
            {"report_type": "standard"},
            ["Type of report: fast (short format) report → standard report"],
        ),
        (
            {"mappa_category": 2, "mappa_level": 1},
            [
                "MAPPA category: not eligible → 2 – violent offender (12 months or more)",
                "MAPPA level: none → 1 – ordinary single-agency management",
            ],
        ),
        ({"rsr": Decimal("4.5")}, []),
        ({"rsr": "4.50"}, []),
        ({"rsr": Decimal("6.25")}, ["RSR: 4.50% → 6.25%"]),
        ({"rsr": None}, ["RSR: 4.50% → not recorded"]),
        ({"parenting_responsibilities": True}, ["Parenting responsibilities: no → yes"]),
        ({"previous_enforcement": True}, ["Breached or recalled before: no → yes"]),
        (
            {
                "answers": {
                    **BEFORE["answers"],
                    "accommodation": {"no_fixed_abode": "yes", "suitability": "no_problem"},
                }
            },
            ["Accommodation – suitability of accommodation: significant problems → no problem"],
        ),
        (
            {"answers": {"accommodation": BEFORE["answers"]["accommodation"]}},
            ["Drug misuse – drugs ever misused: currently → not answered"],
        ),
        (
            {"answers": {**BEFORE["answers"], "drugs": {"drug_misuse": "unknown"}}},
            ["Drug misuse – drugs ever misused: currently → not known"],
        ),
        (
            {
                "answers": {
                    **BEFORE["answers"],
                    "thinking_behaviour": {"impulsivity": "some"},
                }
            },
            ["Thinking and behaviour – impulsivity: not answered → some problems"],
        ),
        (
            {"rosh_public": "low", "answers": {**BEFORE["answers"], "accommodation": {}}},
            [
                "RoSH to the public: medium → low",
                "Accommodation – no fixed abode or in transient accommodation: yes → not answered",
                "Accommodation – suitability of accommodation: significant problems → not answered",
            ],
        ),
    ],
)
def test_assessment_changes_in_words(changes, expected):
    assert [str(c) for c in assessment_changes(assessment(), assessment(**changes))] == expected


def test_a_first_assessment_has_nothing_to_compare():
    assert assessment_changes(None, assessment()) == []


def test_a_change_keeps_its_parts():
    [change] = assessment_changes(assessment(), assessment(rosh_children="high"))
    assert change == Change("RoSH to children", "low", "high")
