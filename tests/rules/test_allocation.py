"""The sift against allocation.md section 1."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probation.rules.allocation import (
    CONTRACT_AREA_CODES,
    DEFAULT_POLICY,
    AllocationDecision,
    AllocationFacts,
    AllocationPolicy,
    decide,
)

SPEC_POLICY_JSON = """{"id": "tr-2014", "version": 1,
 "rules": ["rosh-high", "mappa", "rsr-high", "public-interest", "deportation", "rosh-missing"],
 "parameters": {"rsr_threshold": 6.9}}"""


def facts(**overrides: Any) -> AllocationFacts:
    values: dict[str, Any] = {
        "rosh": "low",
        "home_contract_area": "C08",
        "court_contract_area": "C07",
    }
    values.update(overrides)
    return AllocationFacts(**values)


def rule_ids(decision: AllocationDecision) -> list[str]:
    return [rule_id for rule_id, _ in decision.reasons]


@pytest.mark.parametrize(
    ("overrides", "rule_id"),
    [
        ({"rosh": "high"}, "rosh-high"),
        ({"rosh": "very_high"}, "rosh-high"),
        ({"mappa_category": 1}, "mappa"),
        ({"mappa_category": 2}, "mappa"),
        ({"mappa_category": 3}, "mappa"),
        ({"rsr": 6.9}, "rsr-high"),
        ({"rsr": 55.0}, "rsr-high"),
        ({"public_interest": True}, "public-interest"),
        ({"liable_to_deportation": True}, "deportation"),
        ({"rosh": None}, "rosh-missing"),
    ],
)
def test_each_rule_fires_alone(overrides: dict[str, Any], rule_id: str) -> None:
    decision = decide(facts(**overrides))
    assert decision.organisation == "NPS"
    assert rule_ids(decision) == [rule_id]
    assert decision.contract_area == "C08"  # still recorded for NPS cases
    assert decision.policy == ("tr-2014", 1)


@pytest.mark.parametrize(
    "overrides",
    [{}, {"rosh": "medium"}, {"rsr": 6.89}, {"rsr": 0}, {"rosh": "low", "mappa_category": None}],
)
def test_crc_default(overrides: dict[str, Any]) -> None:
    decision = decide(facts(**overrides))
    assert decision.organisation == "CRC"
    assert decision.contract_area == "C08"
    assert rule_ids(decision) == ["crc-default"]
    assert "C08 (Merseyside)" in decision.reasons[0][1]
    assert "home address" in decision.reasons[0][1]


def test_no_fixed_abode_uses_the_court_area() -> None:
    decision = decide(facts(home_contract_area=None))
    assert (decision.organisation, decision.contract_area) == ("CRC", "C07")
    assert "sentencing court" in decision.reasons[0][1]
    nps = decide(facts(home_contract_area=None, rosh="high"))
    assert (nps.organisation, nps.contract_area) == ("NPS", "C07")


def test_reasons_in_policy_order() -> None:
    everything = facts(
        rosh=None, mappa_category=2, rsr=20.0, public_interest=True, liable_to_deportation=True
    )
    assert rule_ids(decide(everything)) == [
        "mappa",
        "rsr-high",
        "public-interest",
        "deportation",
        "rosh-missing",
    ]
    reversed_policy = AllocationPolicy(
        id="reversed",
        version=3,
        rules=tuple(reversed(DEFAULT_POLICY.rules)),
        parameters={"rsr_threshold": 6.9},
    )
    decision = decide(everything, reversed_policy)
    assert rule_ids(decision) == [
        "rosh-missing",
        "deportation",
        "public-interest",
        "rsr-high",
        "mappa",
    ]
    assert decision.policy == ("reversed", 3)


def test_reason_sentences() -> None:
    decision = decide(facts(rosh=None, rsr=7.25))
    assert decision.reasons == (
        ("rsr-high", "RSR 7.25% is at or above the policy threshold of 6.9%."),
        (
            "rosh-missing",
            "RoSH has not been assessed: the NPS keeps the case until it is assessed.",
        ),
    )
    assert decide(facts(rosh="very_high")).reasons[0][1].startswith("RoSH is very high")


@pytest.mark.parametrize(("threshold", "rsr", "fires"), [(5.0, 5.0, True), (5.0, 4.99, False)])
def test_rsr_threshold_is_a_parameter(threshold: float, rsr: float, fires: bool) -> None:
    policy = AllocationPolicy.from_json(
        {
            "id": "low-rsr",
            "version": 2,
            "rules": ["rsr-high"],
            "parameters": {"rsr_threshold": threshold},
        }
    )
    decision = decide(facts(rsr=rsr), policy)
    assert (decision.organisation == "NPS") is fires


def test_rsr_rule_switched_off() -> None:
    policy = AllocationPolicy.from_json(
        {
            "id": "no-rsr",
            "version": 1,
            "rules": ["rosh-high", "mappa", "public-interest", "deportation", "rosh-missing"],
        }
    )
    decision = decide(facts(rsr=80.0), policy)
    assert decision.organisation == "CRC"
    assert rule_ids(decision) == ["crc-default"]
    assert decision.policy == ("no-rsr", 1)


def test_policy_from_spec_json_is_the_default() -> None:
    policy = AllocationPolicy.from_json(SPEC_POLICY_JSON)
    assert policy == DEFAULT_POLICY
    assert policy.rules == (
        "rosh-high",
        "mappa",
        "rsr-high",
        "public-interest",
        "deportation",
        "rosh-missing",
    )
    assert policy.parameters["rsr_threshold"] == 6.9
    assert AllocationPolicy.from_json(policy.to_json()) == policy
    assert json.loads(policy.to_json()) == json.loads(SPEC_POLICY_JSON)
    assert AllocationPolicy.from_json(SPEC_POLICY_JSON.encode()) == policy


def test_policy_is_immutable() -> None:
    with pytest.raises(TypeError):
        DEFAULT_POLICY.parameters["rsr_threshold"] = 1.0  # type: ignore[index]


def _policy(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SPEC_POLICY_JSON)
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("{not json", "policy"),
        ("[1, 2]", "policy"),
        ({"version": 1, "rules": []}, "id"),
        (_policy(id=""), "id"),
        (_policy(id=7), "id"),
        ({"id": "x", "rules": []}, "version"),
        (_policy(version="1"), "version"),
        (_policy(version=0), "version"),
        (_policy(version=True), "version"),
        ({"id": "x", "version": 1}, "rules"),
        (_policy(rules="rosh-high"), "rules"),
        (_policy(rules=["rosh-high", "rosh-hi"]), r"rules\[1\]"),
        (_policy(rules=["mappa", "mappa"]), r"rules\[1\]"),
        (_policy(rules=["crc-default"]), r"rules\[0\]"),
        (_policy(parameters={"rsr_threshold": "6.9"}), "parameters.rsr_threshold"),
        (_policy(parameters={"rsr_threshold": 101}), "parameters.rsr_threshold"),
        (_policy(parameters={"rsr_threshold": None}), "parameters.rsr_threshold"),
        (_policy(parameters={}), "parameters.rsr_threshold"),
        (_policy(parameters={"rsr_threshold": 6.9, "rosh": 1}), "parameters.rosh"),
        (_policy(parameters=[6.9]), "parameters"),
        (_policy(owner="commissioner"), "owner"),
    ],
)
def test_invalid_policy_names_the_field(data: Any, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        AllocationPolicy.from_json(data)


def test_empty_rule_list_sends_everything_to_the_crc() -> None:
    policy = AllocationPolicy.from_json({"id": "none", "version": 1, "rules": []})
    assert decide(facts(rosh="very_high", mappa_category=3), policy).organisation == "CRC"


def test_contract_area_codes() -> None:
    assert tuple(f"C{i:02d}" for i in range(1, 22)) == CONTRACT_AREA_CODES


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rosh": "hgih"}, "rosh"),
        ({"mappa_category": 0}, "mappa_category"),
        ({"mappa_category": "1"}, "mappa_category"),
        ({"rsr": -1}, "rsr"),
        ({"rsr": "7"}, "rsr"),
        ({"public_interest": "yes"}, "public_interest"),
        ({"liable_to_deportation": None}, "liable_to_deportation"),
        ({"home_contract_area": "C22"}, "home_contract_area"),
        ({"home_contract_area": "c08"}, "home_contract_area"),
        ({"court_contract_area": None}, "court_contract_area"),
        ({"court_contract_area": "C1"}, "court_contract_area"),
    ],
)
def test_invalid_facts_name_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        facts(**overrides)


facts_st = st.builds(
    AllocationFacts,
    rosh=st.sampled_from([None, "low", "medium", "high", "very_high"]),
    home_contract_area=st.one_of(st.none(), st.sampled_from(CONTRACT_AREA_CODES)),
    court_contract_area=st.sampled_from(CONTRACT_AREA_CODES),
    mappa_category=st.sampled_from([None, 1, 2, 3]),
    rsr=st.one_of(st.none(), st.floats(min_value=0, max_value=100)),
    public_interest=st.booleans(),
    liable_to_deportation=st.booleans(),
)


@given(facts_st)
def test_decision_invariants(f: AllocationFacts) -> None:
    decision = decide(f)
    assert decision.reasons
    ids = rule_ids(decision)
    assert (decision.organisation == "CRC") is (ids == ["crc-default"])
    assert decision.contract_area == (f.home_contract_area or f.court_contract_area)
    assert decision == decide(f)


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(),
    st.text(max_size=4),
    st.sampled_from(["C08", "high", "rsr-high"]),
    st.lists(st.text(max_size=4), max_size=2),
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries(
        {},
        optional=dict.fromkeys(
            (
                "rosh",
                "home_contract_area",
                "court_contract_area",
                "mappa_category",
                "rsr",
                "public_interest",
                "liable_to_deportation",
            ),
            ANYTHING,
        ),
    )
)
def test_any_facts_are_valid_or_a_value_error(overrides: dict[str, Any]) -> None:
    try:
        f = facts(**overrides)
    except ValueError:
        return
    assert decide(f).reasons


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        ANYTHING,
        st.dictionaries(
            st.sampled_from(["id", "version", "rules", "parameters", "x"]),
            st.one_of(ANYTHING, st.dictionaries(st.sampled_from(["rsr_threshold"]), ANYTHING)),
        ),
    )
)
def test_any_policy_is_valid_or_a_value_error(data: Any) -> None:
    with contextlib.suppress(ValueError):
        AllocationPolicy.from_json(data)
