"""The sift: does the NPS or a CRC supervise a case, and in which contract area.

Spec: ``docs/domain/allocation.md``, section 1 "The sift"; contract area codes from
``docs/domain/reference-data.md``.

The sift is a *policy*, not a constant: a commissioner compares a proposed policy with the
current one on the whole caseload before adopting it, and every decision records the policy id
and version it was made under. So the rules are named (rule ids), a policy is data (which rules,
in which order, with which parameters), and :func:`decide` evaluates a policy against facts.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from probation.rules import _validate
from probation.rules.reference import CONTRACT_AREA_CODES, CONTRACT_AREAS
from probation.rules.tiering import ROSH_LEVELS

__all__ = [
    "CONTRACT_AREA_CODES",
    "DEFAULT_POLICY",
    "HIGH_ROSH_LEVELS",
    "ORGANISATIONS",
    "PARAMETERS",
    "RULE_IDS",
    "AllocationDecision",
    "AllocationFacts",
    "AllocationPolicy",
    "decide",
]

ORGANISATIONS: Final = ("NPS", "CRC")
MAPPA_CATEGORIES: Final = (1, 2, 3)
#: The RoSH levels the NPS keeps (rule ``rosh-high``) and a PSO or PQiP may not hold (the role
#: boundaries of ``docs/domain/allocation.md``).
HIGH_ROSH_LEVELS: Final[frozenset[str]] = frozenset({"high", "very_high"})

#: Rule ids a policy may use, in the order of the default policy (``allocation.md``).
RULE_IDS: Final[tuple[str, ...]] = (
    "rosh-high",
    "mappa",
    "rsr-high",
    "public-interest",
    "deportation",
    "rosh-missing",
)
#: The reason id recorded when no rule fires and the case goes to the CRC.
CRC_DEFAULT: Final = "crc-default"
#: Policy parameters and the rules that need them.
PARAMETERS: Final[Mapping[str, str]] = types.MappingProxyType({"rsr_threshold": "rsr-high"})


@dataclass(frozen=True, slots=True, kw_only=True)
class AllocationFacts:
    """The facts the sift is decided on (names as ``allocation.md``).

    ``rosh`` None means *not assessed* (which keeps the case in the NPS under ``tr-2014``), and
    ``home_contract_area`` None means no fixed abode; neither has a default, so that neither
    can be left out by accident.
    """

    rosh: str | None
    home_contract_area: str | None
    court_contract_area: str
    mappa_category: int | None = None
    rsr: float | None = None
    public_interest: bool = False
    liable_to_deportation: bool = False

    def __post_init__(self) -> None:
        _validate.choice("rosh", self.rosh, ROSH_LEVELS, allow_none=True)
        _validate.choice("mappa_category", self.mappa_category, MAPPA_CATEGORIES, allow_none=True)
        if self.rsr is not None:
            _validate.number("rsr", self.rsr, minimum=0, maximum=100)
        _validate.boolean("public_interest", self.public_interest)
        _validate.boolean("liable_to_deportation", self.liable_to_deportation)
        if self.home_contract_area is not None:
            _area("home_contract_area", self.home_contract_area, " or None (no fixed abode)")
        _area("court_contract_area", self.court_contract_area, "")


def _area(field: str, value: object, extra: str) -> None:
    if not isinstance(value, str) or value not in CONTRACT_AREAS:
        raise ValueError(f"{field}: must be a contract area code C01..C21{extra}, got {value!r}")


@dataclass(frozen=True, slots=True)
class AllocationPolicy:
    """A sift policy: an id, a version, the rule ids in evaluation order, and parameters.

    The NPS keeps a case if any rule fires; reasons are listed in the order of ``rules``. A rule
    is switched off by leaving its id out of ``rules``.
    """

    id: str
    version: int
    rules: tuple[str, ...]
    parameters: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise ValueError(f"id: must be a non-empty string, got {self.id!r}")
        _validate.integer("version", self.version, minimum=1)
        object.__setattr__(self, "rules", _checked_rules(self.rules))
        object.__setattr__(self, "parameters", _checked_parameters(self.parameters, self.rules))

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> AllocationPolicy:
        """Build a policy from its JSON form (a string or an already-parsed mapping).

        Raises ``ValueError`` naming the offending field for malformed JSON, missing or unknown
        keys, unknown rule ids and invalid parameters.
        """
        if isinstance(data, str | bytes):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise ValueError(f"policy: not valid JSON ({exc})") from None
        if not isinstance(data, Mapping):
            raise ValueError(f"policy: must be a JSON object, got {data!r}")
        known = ("id", "version", "rules", "parameters")
        for key in data:
            if key not in known:
                raise ValueError(f"{key}: unknown policy key; known: {', '.join(known)}")
        for key in ("id", "version", "rules"):
            if key not in data:
                raise ValueError(f"{key}: missing from the policy")
        rules = data["rules"]
        if isinstance(rules, str) or not isinstance(rules, Sequence):
            raise ValueError(f"rules: must be a list of rule ids, got {rules!r}")
        return cls(
            id=data["id"],
            version=data["version"],
            rules=tuple(rules),
            parameters=data.get("parameters", {}),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form, as accepted by :meth:`from_json`."""
        return {
            "id": self.id,
            "version": self.version,
            "rules": list(self.rules),
            "parameters": dict(self.parameters),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())


def _checked_rules(rules: Any) -> tuple[str, ...]:
    if isinstance(rules, str) or not isinstance(rules, Sequence):
        raise ValueError(f"rules: must be a list of rule ids, got {rules!r}")
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        _validate.choice(f"rules[{i}]", rule, RULE_IDS)
        if rule in seen:
            raise ValueError(f"rules[{i}]: rule {rule!r} is listed twice")
        seen.add(rule)
    return tuple(rules)


def _checked_parameters(params: Any, rules: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(params, Mapping):
        raise ValueError(f"parameters: must be a mapping, got {params!r}")
    for name in params:
        if name not in PARAMETERS:
            raise ValueError(
                f"parameters.{name}: unknown parameter; known: {', '.join(PARAMETERS)}"
            )
    if "rsr_threshold" in params:
        _validate.number(
            "parameters.rsr_threshold", params["rsr_threshold"], minimum=0, maximum=100
        )
    for name, rule in PARAMETERS.items():
        if rule in rules and name not in params:
            raise ValueError(f"parameters.{name}: required by rule {rule!r}")
    return types.MappingProxyType(dict(params))


#: The default policy ``tr-2014`` version 1 (``allocation.md``).
DEFAULT_POLICY: Final = AllocationPolicy.from_json(
    {
        "id": "tr-2014",
        "version": 1,
        "rules": list(RULE_IDS),
        "parameters": {"rsr_threshold": 6.9},
    }
)


@dataclass(frozen=True, slots=True)
class AllocationDecision:
    """The sift's outcome and why. ``reasons`` is never empty; ``policy`` is (id, version)."""

    organisation: str
    contract_area: str
    reasons: tuple[tuple[str, str], ...]
    policy: tuple[str, int]


_Rule = Callable[[AllocationFacts, Mapping[str, Any]], "str | None"]


def _rosh_high(f: AllocationFacts, _p: Mapping[str, Any]) -> str | None:
    if f.rosh in HIGH_ROSH_LEVELS:
        level = "very high" if f.rosh == "very_high" else "high"
        return f"RoSH is {level}: the NPS supervises high and very high risk of serious harm."
    return None


def _mappa(f: AllocationFacts, _p: Mapping[str, Any]) -> str | None:
    if f.mappa_category is not None:
        return f"MAPPA category {f.mappa_category}: the NPS supervises MAPPA cases."
    return None


def _rsr_high(f: AllocationFacts, p: Mapping[str, Any]) -> str | None:
    threshold = p["rsr_threshold"]
    if f.rsr is not None and f.rsr >= threshold:
        return f"RSR {f.rsr:g}% is at or above the policy threshold of {threshold:g}%."
    return None


def _public_interest(f: AllocationFacts, _p: Mapping[str, Any]) -> str | None:
    if f.public_interest:
        return "The case is flagged as of exceptional public interest."
    return None


def _deportation(f: AllocationFacts, _p: Mapping[str, Any]) -> str | None:
    if f.liable_to_deportation:
        return "The person is a foreign national liable to deportation."
    return None


def _rosh_missing(f: AllocationFacts, _p: Mapping[str, Any]) -> str | None:
    if f.rosh is None:
        return "RoSH has not been assessed: the NPS keeps the case until it is assessed."
    return None


_RULES: Final[Mapping[str, _Rule]] = types.MappingProxyType(
    {
        "rosh-high": _rosh_high,
        "mappa": _mappa,
        "rsr-high": _rsr_high,
        "public-interest": _public_interest,
        "deportation": _deportation,
        "rosh-missing": _rosh_missing,
    }
)
assert set(_RULES) == set(RULE_IDS)


def decide(facts: AllocationFacts, policy: AllocationPolicy = DEFAULT_POLICY) -> AllocationDecision:
    """Sift one case under ``policy``: NPS if any rule fires, otherwise the CRC of the area.

    The contract area is the home address's, or the sentencing court's when there is no fixed
    abode; it is recorded for NPS cases too, for reporting.
    """
    if facts.home_contract_area is not None:
        area = facts.home_contract_area
        whose = "the home address"
    else:
        area = facts.court_contract_area
        whose = "the sentencing court (no fixed abode)"
    params = policy.parameters
    reasons: list[tuple[str, str]] = []
    for rule_id in policy.rules:
        sentence = _RULES[rule_id](facts, params)
        if sentence is not None:
            reasons.append((rule_id, sentence))
    if reasons:
        organisation = "NPS"
    else:
        organisation = "CRC"
        reasons.append(
            (
                CRC_DEFAULT,
                f"No NPS rule applies: the case goes to the CRC for {area} "
                f"({CONTRACT_AREAS[area]}), the contract area of {whose}.",
            )
        )
    return AllocationDecision(organisation, area, tuple(reasons), (policy.id, policy.version))
