"""Tiering against tiering.md: protect table, change rules, need severity, validation."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probation.rules import tiering
from probation.rules.tiering import TierFacts, TierSentence, calculate, need_severity

NO_MANDATE: list[TierSentence] = []
PROGRAMME = [TierSentence("community", True, ["programme"])]
ALL_FACTORS = sorted(tiering.COMPLEXITY_FACTORS)


def tier(**kwargs: Any) -> tiering.TierResult:
    kwargs.setdefault("sex", "male")
    return calculate(TierFacts(**kwargs))


# --- protect level, row by row -----------------------------------------------------------------

PROTECT_ROWS = [
    # RSR rows
    pytest.param({"rsr": 7.0}, 20, "B", id="rsr-7.00"),
    pytest.param({"rsr": 99.99}, 20, "B", id="rsr-99.99"),
    pytest.param({"rsr": 100.0}, 0, "D", id="rsr-above-99.99"),
    pytest.param({"rsr": 6.99}, 10, "C", id="rsr-6.99"),
    pytest.param({"rsr": 3.0}, 10, "C", id="rsr-3.00"),
    pytest.param({"rsr": 2.99}, 0, "D", id="rsr-2.99"),
    pytest.param({"rsr": 0}, 0, "D", id="rsr-0"),
    pytest.param({"rsr": None}, 0, "D", id="rsr-none"),
    # RoSH rows
    pytest.param({"rosh": "very_high"}, 150, "A", id="rosh-very-high"),
    pytest.param({"rosh": "high"}, 20, "B", id="rosh-high"),
    pytest.param({"rosh": "medium"}, 10, "C", id="rosh-medium"),
    pytest.param({"rosh": "low"}, 0, "D", id="rosh-low"),
    pytest.param({"rosh": None}, 0, "D", id="rosh-none"),
    # MAPPA rows
    pytest.param({"mappa_level": 3}, 150, "A", id="mappa-3"),
    pytest.param({"mappa_level": 2}, 150, "A", id="mappa-2"),
    pytest.param({"mappa_level": 1}, 5, "D", id="mappa-1"),
    # complexity factors: 2 each, distinct
    pytest.param({"complexity_factors": {"mental_health"}}, 2, "D", id="one-factor"),
    pytest.param({"complexity_factors": ["self_harm", "self_harm"]}, 2, "D", id="distinct"),
    pytest.param({"complexity_factors": set(ALL_FACTORS[:5])}, 10, "C", id="five-factors"),
    pytest.param({"complexity_factors": set(ALL_FACTORS)}, 20, "B", id="all-ten-factors"),
    # women-only rows
    pytest.param({"sex": "female", "parenting_responsibilities": True}, 2, "D", id="f-parenting"),
    pytest.param({"sex": "female", "impulsivity_or_temper": True}, 2, "D", id="f-temper"),
    pytest.param({"sex": "female", "previous_enforcement": True}, 2, "D", id="f-enforcement"),
    pytest.param(
        {
            "sex": "female",
            "parenting_responsibilities": True,
            "impulsivity_or_temper": True,
            "previous_enforcement": True,
        },
        6,
        "D",
        id="f-all-three",
    ),
    pytest.param(
        {
            "sex": "male",
            "parenting_responsibilities": True,
            "impulsivity_or_temper": True,
            "previous_enforcement": True,
        },
        0,
        "D",
        id="m-women-only-factors-ignored",
    ),
    # only the higher of RSR and RoSH counts
    pytest.param({"rsr": 8.0, "rosh": "medium"}, 20, "B", id="rsr-20-beats-rosh-10"),
    pytest.param({"rsr": 5.0, "rosh": "high"}, 20, "B", id="rosh-20-beats-rsr-10"),
    pytest.param({"rsr": 8.0, "rosh": "high"}, 20, "B", id="rsr-20-rosh-20-not-40"),
    pytest.param({"rsr": 5.0, "rosh": "medium"}, 10, "C", id="rsr-10-rosh-10-not-20"),
    pytest.param({"rsr": 8.0, "rosh": "very_high"}, 150, "A", id="rosh-150-beats-rsr-20"),
    # sums and level cut-offs (150 / 20 / 10)
    pytest.param(
        {"rosh": "high", "mappa_level": 1, "complexity_factors": set(ALL_FACTORS)},
        45,
        "B",
        id="sum",
    ),
    pytest.param({"mappa_level": 2, "rosh": "very_high"}, 300, "A", id="two-150s"),
    pytest.param(
        {"mappa_level": 1, "complexity_factors": set(ALL_FACTORS[:7])}, 19, "C", id="19-is-C"
    ),
    pytest.param(
        {"mappa_level": 1, "complexity_factors": set(ALL_FACTORS[:2])}, 9, "D", id="9-is-D"
    ),
    pytest.param(
        {
            "sex": "female",
            "rosh": "high",
            "mappa_level": 1,
            "complexity_factors": set(ALL_FACTORS),
            "parenting_responsibilities": True,
            "impulsivity_or_temper": True,
            "previous_enforcement": True,
        },
        51,
        "B",
        id="highest-below-150-is-B",
    ),
]


@pytest.mark.parametrize(("kwargs", "points", "level"), PROTECT_ROWS)
def test_protect_table(kwargs: dict[str, Any], points: int, level: str) -> None:
    result = tier(**kwargs)
    assert (result.protect_points, result.protect_level) == (points, level)
    assert sum(p for _, p in result.protect_reasons) == points


@pytest.mark.parametrize(
    ("points", "level"),
    [(150, "A"), (45, "B"), (20, "B"), (19, "C"), (10, "C"), (9, "D"), (0, "D")],
)
def test_level_cut_offs_by_points(points: int, level: str) -> None:
    # Build exactly ``points`` from the table: 150 (RoSH very high), 20 (RoSH high), 10 (RoSH
    # medium), 5 (MAPPA 1) and 2 per complexity factor.
    kwargs: dict[str, Any] = {}
    rest = points
    for rosh, value in (("very_high", 150), ("high", 20), ("medium", 10)):
        if rest >= value:
            kwargs["rosh"] = rosh
            rest -= value
            break
    if rest % 2:
        kwargs["mappa_level"] = 1
        rest -= 5
    kwargs["complexity_factors"] = set(ALL_FACTORS[: rest // 2])
    result = tier(**kwargs)
    assert result.protect_points == points
    assert result.protect_level == level


def test_lower_of_rsr_and_rosh_is_listed_but_not_counted() -> None:
    result = tier(rsr=8.0, rosh="medium")
    assert result.protect_reasons == (
        ("RSR 8.00%", 20),
        ("RoSH medium (lower than RSR, not counted)", 0),
    )


# --- change level ------------------------------------------------------------------------------

SEVERE_ALL = dict.fromkeys(tiering.NEED_WEIGHTS, "severe")


@pytest.mark.parametrize(
    "sentences",
    [
        pytest.param([], id="no-sentence"),
        pytest.param([TierSentence("custodial", False, [])], id="inactive-custody"),
        pytest.param([TierSentence("community", True, ["unpaid_work"])], id="unpaid-work-only"),
        pytest.param(
            [TierSentence("community", True, ["curfew", "exclusion", "unpaid_work"])],
            id="restrictive-and-unpaid-work",
        ),
        pytest.param(
            [
                TierSentence(
                    "suspended",
                    True,
                    [
                        "prohibited_activity",
                        "foreign_travel_prohibition",
                        "alcohol_abstinence_monitoring",
                    ],
                )
            ],
            id="suspended-restrictive-only",
        ),
        pytest.param([TierSentence("community", True, [])], id="community-no-requirements"),
        pytest.param([TierSentence("community", False, ["programme"])], id="inactive-programme"),
    ],
)
def test_no_mandate_for_change_is_level_0(sentences: list[TierSentence]) -> None:
    result = tier(sentences=sentences, needs=SEVERE_ALL, ogrs=99, rosh="high")
    assert (result.change_level, result.change_points, result.change_basis) == (0, 0, "no_mandate")
    assert result.tier == "B0"


@pytest.mark.parametrize(
    "sentences",
    [
        pytest.param([TierSentence("custodial", True, [])], id="active-custody"),
        pytest.param(PROGRAMME, id="programme"),
        pytest.param([TierSentence("suspended", True, ["curfew", "residence"])], id="residence"),
        pytest.param(
            [
                TierSentence("community", True, ["unpaid_work"]),
                TierSentence("community", True, ["rehabilitation_activity"]),
            ],
            id="second-order-has-rar",
        ),
    ],
)
def test_mandate_without_assessment_is_level_2(sentences: list[TierSentence]) -> None:
    result = tier(sentences=sentences, needs=None, ogrs=5)
    assert (result.change_level, result.change_points, result.change_basis) == (
        2,
        0,
        "no_assessment",
    )


@pytest.mark.parametrize(
    ("needs", "ogrs", "iom", "points", "level"),
    [
        pytest.param({}, None, False, 0, 1, id="empty-assessment"),
        pytest.param(SEVERE_ALL, None, False, 20, 3, id="all-severe-20"),
        pytest.param({**SEVERE_ALL, "alcohol": "standard"}, None, False, 19, 2, id="19"),
        pytest.param(
            {"thinking_behaviour": "severe", "attitudes": "severe", "drugs": "severe"},
            None,
            False,
            10,
            2,
            id="10",
        ),
        pytest.param(
            {"thinking_behaviour": "severe", "attitudes": "severe", "drugs": "standard"},
            None,
            False,
            9,
            1,
            id="9",
        ),
        pytest.param(
            {"finance": "severe", "emotional_wellbeing": "severe"}, None, False, 0, 1, id="weight-0"
        ),
        pytest.param({"accommodation": "none"}, None, False, 0, 1, id="severity-none"),
        pytest.param({"accommodation": None}, None, False, 0, 1, id="section-left-out"),
        pytest.param({}, 99, False, 9, 1, id="ogrs-99-floor-9"),
        pytest.param({}, 9, False, 0, 1, id="ogrs-9-floor-0"),
        pytest.param({}, 10, False, 1, 1, id="ogrs-10-floor-1"),
        pytest.param({}, None, True, 2, 1, id="iom-plus-2"),
        pytest.param({"thinking_behaviour": "severe"}, 45, True, 10, 2, id="4+4+2=10"),
        pytest.param(
            {"thinking_behaviour": "severe", "attitudes": "severe", "lifestyle": "severe"},
            89,
            True,
            20,
            3,
            id="4+4+2+8+2=20",
        ),
    ],
)
def test_change_points(
    needs: dict[str, str | None], ogrs: int | None, iom: bool, points: int, level: int
) -> None:
    result = tier(sentences=PROGRAMME, needs=needs, ogrs=ogrs, integrated_offender_management=iom)
    assert result.change_basis == "points"
    assert (result.change_points, result.change_level) == (points, level)
    assert sum(p for _, p in result.change_reasons) == points


def test_unsupervised_adds_s_suffix() -> None:
    result = tier(rosh="high", sentences=PROGRAMME, unsupervised=True)
    assert result.tier == "B2S"
    assert result.explanation.endswith("currently unsupervised (S)")


def test_explanation_matches_spec_example() -> None:
    result = tier(
        rosh="high",
        mappa_level=1,
        complexity_factors={"mental_health", "self_harm"},
        sentences=PROGRAMME,
    )
    assert result.tier == "B2"
    assert result.explanation == (
        "B2: RoSH high 20; MAPPA level 1 5; 2 complexity factors 4 = 29 points → B; "
        "mandate for change but no assessment → 2"
    )
    assert result.reasons == (
        ("RoSH high", 20),
        ("MAPPA level 1", 5),
        ("2 complexity factors", 4),
        ("mandate for change but no assessment", 0),
    )


def test_explanation_with_points() -> None:
    result = tier(
        sentences=PROGRAMME,
        needs={"accommodation": "standard", "attitudes": "severe"},
        ogrs=59,
    )
    assert result.explanation == (
        "D2: no protect factors = 0 points → D; accommodation standard 1; attitudes severe 4; "
        "OGRS 59% 5 = 10 points → 2"
    )


def test_tiers_in_workload_column_order() -> None:
    assert tiering.TIERS == (
        "A3",
        "A2",
        "A1",
        "A0",
        "B3",
        "B2",
        "B1",
        "B0",
        "C3",
        "C2",
        "C1",
        "C0",
        "D3",
        "D2",
        "D1",
        "D0",
    )


# --- need severity -----------------------------------------------------------------------------

SPEC_THRESHOLDS = {
    "accommodation": (2, 7),
    "education_training_employment": (3, 7),
    "relationships": (2, 5),
    "lifestyle": (2, 5),
    "drugs": (2, 8),
    "alcohol": (4, 7),
    "thinking_behaviour": (4, 7),
    "attitudes": (2, 7),
}


def answers_scoring(score: int) -> dict[str, str | None]:
    """Answers worth exactly ``score``: 'yes' (2) as often as possible, then 'some' (1)."""
    answers: dict[str, str | None] = {f"q{i}": "yes" for i in range(score // 2)}
    if score % 2:
        answers["q_some"] = "some"
    answers["q_no"] = "no"  # always at least one real answer, worth 0
    answers["q_missing"] = None
    answers["q_unknown"] = "unknown"
    return answers


NEED_CASES = [
    (section, score, expected)
    for section, (standard, severe) in SPEC_THRESHOLDS.items()
    for score, expected in (
        (0, "none"),
        (standard - 1, "none"),
        (standard, "standard"),
        (severe - 1, "standard"),
        (severe, "severe"),
        (severe + 3, "severe"),
    )
]


@pytest.mark.parametrize(("section", "score", "expected"), NEED_CASES)
def test_need_severity_thresholds(section: str, score: int, expected: str) -> None:
    assert need_severity(section, answers_scoring(score)) == expected


def test_need_thresholds_exported() -> None:
    assert dict(tiering.NEED_THRESHOLDS) == SPEC_THRESHOLDS


@pytest.mark.parametrize(
    ("answers", "score_expected"),
    [
        ({"a": "yes"}, "standard"),  # 2
        ({"a": "no"}, "none"),  # 0
        ({"a": "significant"}, "standard"),  # 2
        ({"a": "some"}, "none"),  # 1
        ({"a": "no_problem"}, "none"),  # 0
        ({"a": "currently"}, "standard"),  # 2
        ({"a": "previously"}, "none"),  # 1
        ({"a": "previously", "b": "some"}, "standard"),  # 2
        ({"a": "never"}, "none"),  # 0
    ],
)
def test_answer_vocabulary(answers: dict[str, str], score_expected: str) -> None:
    # relationships: standard at 2, severe at 5
    assert need_severity("relationships", answers) == score_expected


@pytest.mark.parametrize(
    "answers", [{}, {"a": None}, {"a": "unknown", "b": None}], ids=["empty", "none", "unknown"]
)
def test_all_missing_answers_leave_the_section_out(answers: dict[str, str | None]) -> None:
    assert need_severity("drugs", answers) is None


@pytest.mark.parametrize(
    ("section", "answers", "field"),
    [
        ("housing", {"a": "yes"}, "section"),
        ("finance", {"a": "yes"}, "section"),
        ("drugs", {"a": "YES"}, "answers"),
        ("drugs", {"a": 2}, "answers"),
        ("drugs", {"a": ["yes"]}, "answers"),
        ("drugs", ["yes"], "answers"),
    ],
)
def test_need_severity_validation(section: str, answers: Any, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        need_severity(section, answers)


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sex": "M"}, "sex"),
        ({"rsr": -0.1}, "rsr"),
        ({"rsr": 100.01}, "rsr"),
        ({"rsr": "7"}, "rsr"),
        ({"rsr": float("nan")}, "rsr"),
        ({"rsr": True}, "rsr"),
        ({"ogrs": 45.5}, "ogrs"),
        ({"ogrs": -1}, "ogrs"),
        ({"ogrs": 101}, "ogrs"),
        ({"rosh": "hgih"}, "rosh"),
        ({"rosh": "High"}, "rosh"),
        ({"mappa_level": 4}, "mappa_level"),
        ({"mappa_level": "1"}, "mappa_level"),
        ({"mappa_level": True}, "mappa_level"),
        ({"complexity_factors": {"gangs"}}, "complexity_factors"),
        ({"complexity_factors": "mental_health"}, "complexity_factors"),
        ({"complexity_factors": None}, "complexity_factors"),
        ({"complexity_factors": [["mental_health"]]}, "complexity_factors"),
        ({"parenting_responsibilities": 1}, "parenting_responsibilities"),
        ({"impulsivity_or_temper": "yes"}, "impulsivity_or_temper"),
        ({"previous_enforcement": None}, "previous_enforcement"),
        ({"integrated_offender_management": 0}, "integrated_offender_management"),
        ({"unsupervised": "False"}, "unsupervised"),
        ({"sentences": [("custodial", True, [])]}, "sentences"),
        ({"sentences": None}, "sentences"),
        ({"needs": {"housing": "standard"}}, "needs"),
        ({"needs": {"accommodation": "high"}}, "needs"),
        ({"needs": ["accommodation"]}, "needs"),
    ],
)
def test_invalid_tier_facts_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    kwargs.setdefault("sex", "male")
    with pytest.raises(ValueError, match=field):
        TierFacts(**kwargs)


def test_rosh_message_lists_the_choices() -> None:
    with pytest.raises(ValueError) as info:
        TierFacts(sex="male", rosh="hgih")
    assert str(info.value) == (
        "rosh: must be one of low, medium, high, very_high or None, got 'hgih'"
    )


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("prison", True, []), "kind"),
        (("community", "yes", []), "active"),
        (("community", True, ["tagging"]), "requirements"),
        (("community", True, "curfew"), "requirements"),
        (("community", True, None), "requirements"),
    ],
)
def test_invalid_sentence_names_the_field(args: tuple[Any, ...], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        TierSentence(*args)


def test_facts_are_immutable_and_hashable() -> None:
    f = TierFacts(
        sex="male",
        complexity_factors=["mental_health"],
        sentences=PROGRAMME,
        needs={"drugs": "severe"},
    )
    assert f.complexity_factors == frozenset({"mental_health"})
    assert isinstance(f.sentences, tuple)
    with pytest.raises(TypeError):
        f.needs["drugs"] = "none"  # type: ignore[index]
    assert hash(f) == hash(
        TierFacts(
            sex="male",
            complexity_factors={"mental_health"},
            sentences=tuple(PROGRAMME),
            needs={"drugs": "severe"},
        )
    )


# --- properties -------------------------------------------------------------------------------

ROSH_ORDER = [None, "low", "medium", "high", "very_high"]
LEVEL_RANK = {"D": 0, "C": 1, "B": 2, "A": 3}

sentences_st = st.lists(
    st.builds(
        TierSentence,
        kind=st.sampled_from(tiering.SENTENCE_KINDS),
        active=st.booleans(),
        requirements=st.lists(st.sampled_from(["unpaid_work", "curfew", "programme"]), max_size=2),
    ),
    max_size=2,
)

facts_kwargs = st.fixed_dictionaries(
    {
        "sex": st.sampled_from(["male", "female"]),
        "rsr": st.one_of(st.none(), st.floats(min_value=0, max_value=100)),
        "ogrs": st.one_of(st.none(), st.integers(min_value=0, max_value=100)),
        "mappa_level": st.sampled_from([None, 1, 2, 3]),
        "complexity_factors": st.frozensets(st.sampled_from(ALL_FACTORS)),
        "parenting_responsibilities": st.booleans(),
        "impulsivity_or_temper": st.booleans(),
        "previous_enforcement": st.booleans(),
        "integrated_offender_management": st.booleans(),
        "unsupervised": st.booleans(),
        "sentences": sentences_st,
        "needs": st.one_of(
            st.none(),
            st.dictionaries(
                st.sampled_from(sorted(tiering.NEED_WEIGHTS)),
                st.sampled_from([None, "none", "standard", "severe"]),
            ),
        ),
    }
)


@given(facts_kwargs, st.sampled_from(range(len(ROSH_ORDER))))
def test_higher_rosh_never_lowers_the_protect_level(kwargs: dict[str, Any], i: int) -> None:
    lower = tier(rosh=ROSH_ORDER[i], **kwargs)
    for higher_rosh in ROSH_ORDER[i:]:
        higher = tier(rosh=higher_rosh, **kwargs)
        assert higher.protect_points >= lower.protect_points
        assert LEVEL_RANK[higher.protect_level] >= LEVEL_RANK[lower.protect_level]


@given(facts_kwargs, st.sampled_from(ROSH_ORDER))
def test_result_is_consistent(kwargs: dict[str, Any], rosh: str | None) -> None:
    result = tier(rosh=rosh, **kwargs)
    assert result.tier[:2] == f"{result.protect_level}{result.change_level}"
    assert result.tier.endswith("S") == kwargs["unsupervised"]
    assert sum(p for _, p in result.protect_reasons) == result.protect_points
    assert result.tier in tiering.TIERS or result.tier[:-1] in tiering.TIERS
    assert result == tier(rosh=rosh, **kwargs)  # deterministic


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=200),
    st.floats(allow_nan=True),
    st.text(max_size=10),
    st.sampled_from(["low", "high", "mental_health", "female"]),
    st.lists(st.text(max_size=5), max_size=2),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries(
        {"sex": st.one_of(ANYTHING, st.sampled_from(["male", "female"]))},
        optional=dict.fromkeys(
            (
                "rsr",
                "ogrs",
                "rosh",
                "mappa_level",
                "complexity_factors",
                "parenting_responsibilities",
                "impulsivity_or_temper",
                "previous_enforcement",
                "integrated_offender_management",
                "unsupervised",
                "sentences",
                "needs",
            ),
            ANYTHING,
        ),
    )
)
def test_any_input_is_valid_or_a_value_error(kwargs: dict[str, Any]) -> None:
    try:
        facts = TierFacts(**kwargs)
    except ValueError:
        return
    calculate(facts)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(ANYTHING, st.sampled_from(sorted(SPEC_THRESHOLDS))), ANYTHING)
def test_need_severity_any_input_is_valid_or_a_value_error(section: Any, answers: Any) -> None:
    with contextlib.suppress(ValueError):
        need_severity(section, answers)
