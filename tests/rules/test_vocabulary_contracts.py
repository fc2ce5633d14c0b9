"""The models' choices say what the rules say.

The rules (:mod:`probation.rules`) own the domain's vocabulary. The Django choices that mirror it
are written out literally, so that changing how they are built never churns the migrations; these
contracts keep the two equal, in the same order where the order means something (RoSH levels,
OGRS3 bands: lowest first).
"""

from __future__ import annotations

import pytest

from probation.courts.models import Disposal, Ogrs3Category, RequirementKind, Sentence
from probation.people.models import Sex
from probation.risk import questionnaire
from probation.risk.facts import IOM
from probation.risk.models import (
    Assessment,
    MappaCategory,
    MappaLevel,
    Ogrs3Band,
    RegistrationKind,
    RoshLevel,
)
from probation.rules import allocation, custody, ogrs3, reference, tiering, workload
from probation.workforce.models import Grade


def test_rosh_levels_are_the_rules_levels_in_order() -> None:
    assert RoshLevel.values == list(tiering.ROSH_LEVELS)


def test_ogrs3_bands_are_the_rules_bands_in_order() -> None:
    assert Ogrs3Band.values == list(ogrs3.BANDS)


def test_mappa_categories_and_levels_are_the_rules() -> None:
    assert MappaCategory.values == list(allocation.MAPPA_CATEGORIES)
    assert MappaLevel.values == list(tiering.MAPPA_LEVELS)


def test_registration_kinds_are_the_complexity_factors_and_iom() -> None:
    assert set(RegistrationKind.values) == tiering.COMPLEXITY_FACTORS | {IOM}
    assert IOM == RegistrationKind.INTEGRATED_OFFENDER_MANAGEMENT


def test_offence_categories_are_the_ogrs3_categories() -> None:
    assert Ogrs3Category.values == list(ogrs3.OFFENCE_CATEGORIES)


def test_disposals_are_the_rules_disposals_in_order() -> None:
    assert Disposal.values == list(custody.DISPOSALS)


@pytest.mark.parametrize("disposal", custody.DISPOSALS)
def test_a_sentence_is_custodial_as_the_rules_say(disposal: str) -> None:
    assert Sentence(disposal=disposal).is_custodial == (disposal in custody.CUSTODIAL_DISPOSALS)


def test_requirement_kinds_are_the_rules_requirement_keys() -> None:
    assert RequirementKind.values == list(reference.REQUIREMENT_KEYS)


def test_sexes_are_the_rules_sexes() -> None:
    assert Sex.values == list(tiering.SEXES) == list(ogrs3.SEXES)


def test_grades_are_those_of_the_workload_targets() -> None:
    assert set(Grade.values) == set(workload.GRADE_TARGETS)


def test_overall_rosh_is_the_highest_audience() -> None:
    assessment = Assessment(
        rosh_public="medium", rosh_known_adult="high", rosh_children="low", rosh_staff="medium"
    )
    assert assessment.rosh == "high"
    assert assessment.get_rosh_display() == "High"


def test_the_questionnaire_asks_for_the_sections_and_answers_the_rules_score() -> None:
    assert {s.key for s in questionnaire.SECTIONS} == set(tiering.NEED_THRESHOLDS)
    answers = {key for s in questionnaire.SECTIONS for q in s.questions for key, _ in q.answers}
    assert answers <= set(tiering.ANSWER_SCORES)
    assert questionnaire.UNKNOWN[0] in tiering.MISSING_ANSWERS


@pytest.mark.django_db
def test_contract_areas_in_the_database_are_the_rules_areas() -> None:
    from probation.contracts.models import ContractArea

    stored = dict(ContractArea.objects.order_by("code").values_list("code", "name"))
    assert stored == dict(reference.CONTRACT_AREAS)
