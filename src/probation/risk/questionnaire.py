"""The needs questions asked at assessment, section by section.

``docs/domain/tiering.md`` fixes how answers score (yes = 2; problem: some = 1, significant = 2;
frequency: previously = 1, currently = 2) and each section's thresholds, but not the questions.
These are the platform's own, modelled on the OASys sections, chosen so that every section can
reach its "severe" threshold (docs/adr/0006-assessment-questions.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

YES_NO: Final = (("yes", "Yes"), ("no", "No"))
PROBLEM: Final = (
    ("no_problem", "No problem"),
    ("some", "Some problems"),
    ("significant", "Significant problems"),
)
FREQUENCY: Final = (("never", "Never"), ("previously", "Previously"), ("currently", "Currently"))
UNKNOWN: Final = ("unknown", "Not known")


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    answers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    questions: tuple[Question, ...]


SECTIONS: Final[tuple[Section, ...]] = (
    Section(
        "accommodation",
        "Accommodation",
        (
            Question("no_fixed_abode", "No fixed abode or in transient accommodation", YES_NO),
            Question("suitability", "Suitability of accommodation", PROBLEM),
            Question("permanence", "Permanence of accommodation", PROBLEM),
            Question("location", "Suitability of the location", PROBLEM),
        ),
    ),
    Section(
        "education_training_employment",
        "Education, training and employability",
        (
            Question("unemployed", "Unemployed or will be on release", YES_NO),
            Question("employment_history", "Employment history", PROBLEM),
            Question("work_skills", "Work-related skills", PROBLEM),
            Question("attitude_to_employment", "Attitude to employment", PROBLEM),
        ),
    ),
    Section(
        "relationships",
        "Relationships",
        (
            Question("family_relationship", "Relationship with close family", PROBLEM),
            Question("childhood", "Experience of childhood", PROBLEM),
            Question("domestic_abuse", "Domestic abuse (as victim or perpetrator)", FREQUENCY),
        ),
    ),
    Section(
        "lifestyle",
        "Lifestyle and associates",
        (
            Question("community_integration", "Regular activities encourage offending", PROBLEM),
            Question("easily_influenced", "Easily influenced by criminal associates", PROBLEM),
            Question("reckless", "Recklessness and risk-taking behaviour", PROBLEM),
        ),
    ),
    Section(
        "drugs",
        "Drug misuse",
        (
            Question("drug_misuse", "Drugs ever misused", FREQUENCY),
            Question("injecting", "Injecting drugs", FREQUENCY),
            Question("motivation", "Motivation to tackle drug misuse", PROBLEM),
            Question("linked_to_offending", "Drug use linked to offending", YES_NO),
        ),
    ),
    Section(
        "alcohol",
        "Alcohol misuse",
        (
            Question("current_use", "Current use of alcohol", PROBLEM),
            Question("binge", "Binge drinking or excessive use", FREQUENCY),
            Question("violence", "Violent behaviour related to alcohol", YES_NO),
            Question("motivation", "Motivation to tackle alcohol misuse", PROBLEM),
        ),
    ),
    Section(
        "thinking_behaviour",
        "Thinking and behaviour",
        (
            Question("impulsivity", "Impulsivity", PROBLEM),
            Question("temper_control", "Temper control", PROBLEM),
            Question("problem_solving", "Problem-solving skills", PROBLEM),
            Question("consequences", "Awareness of consequences", PROBLEM),
        ),
    ),
    Section(
        "attitudes",
        "Attitudes",
        (
            Question("pro_criminal", "Pro-criminal attitudes", PROBLEM),
            Question("supervision", "Attitude towards supervision or licence", PROBLEM),
            Question("motivation", "Motivation to address offending behaviour", PROBLEM),
            Question("community", "Attitude towards the community or society", PROBLEM),
        ),
    ),
)

SECTIONS_BY_KEY: Final = {section.key: section for section in SECTIONS}


def field_name(section: str, question: str) -> str:
    return f"need__{section}__{question}"


def impulsivity_or_temper(answers: dict[str, dict[str, str]]) -> bool:
    """Women's protect factor: a problem (some or significant) with impulsivity or temper."""
    thinking = answers.get("thinking_behaviour", {})
    return any(
        thinking.get(q) in ("some", "significant") for q in ("impulsivity", "temper_control")
    )
