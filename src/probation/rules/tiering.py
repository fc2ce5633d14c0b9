"""Tiering: the protect level (A-D) and change level (0-3) of a case.

Spec: ``docs/domain/tiering.md`` (points, cut-offs, the mandate-for-change rule, need weights
and the need-severity thresholds); requirement keys from ``docs/domain/sentences.md``.

Every number of the spec is a named table at the top of this module (``ROSH_POINTS``,
``PROTECT_LEVELS``, ``CHANGE_LEVELS``...), and the functions only read them. The RoSH
vocabulary (``ROSH_LEVELS``, lowest first, and :func:`highest_rosh`) is the platform's one
definition of the levels and their order.

A tier decides allocation timing, contact levels and workload points, and every change of tier
is kept with the facts that produced it, so the result carries its reasons: the factors that
scored, with their points, and a one-line explanation such as
``"B2: RoSH high 20; MAPPA level 1 5; 2 complexity factors 4 = 29 points → B; ..."``.

Like OGRS3, ``calculate`` is used to re-tier the whole caseload, so it is written as plain
look-ups and comparisons; every input is validated once, when :class:`TierFacts` is built.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from probation.rules import _validate
from probation.rules.reference import REQUIREMENT_KEYS, RESTRICTIVE_REQUIREMENTS

__all__ = [
    "ANSWER_SCORES",
    "CHANGE_LEVELS",
    "COMPLEXITY_FACTORS",
    "COMPLEXITY_FACTOR_POINTS",
    "IOM_POINTS",
    "MAPPA_LEVELS",
    "MAPPA_POINTS",
    "MISSING_ANSWERS",
    "NEED_THRESHOLDS",
    "NEED_WEIGHTS",
    "NO_ASSESSMENT_CHANGE_LEVEL",
    "NO_MANDATE_CHANGE_LEVEL",
    "OGRS_POINTS_PER",
    "PROTECT_LEVELS",
    "RESTRICTIVE_REQUIREMENTS",
    "ROSH_LEVELS",
    "ROSH_POINTS",
    "RSR_MAXIMUM",
    "RSR_POINTS",
    "SENTENCE_KINDS",
    "SEVERITIES",
    "SEVERITY_VALUES",
    "TIERS",
    "WOMEN_FACTOR_POINTS",
    "TierFacts",
    "TierResult",
    "TierSentence",
    "calculate",
    "highest_rosh",
    "need_severity",
]

SEXES: Final = ("male", "female")
#: RoSH (risk of serious harm) levels, lowest first: the platform's one definition of the levels
#: and their order (an assessment's overall RoSH is the highest across audiences,
#: :func:`highest_rosh`).
ROSH_LEVELS: Final[tuple[str, ...]] = ("low", "medium", "high", "very_high")
MAPPA_LEVELS: Final = (1, 2, 3)
SENTENCE_KINDS: Final = ("custodial", "community", "suspended")
SEVERITIES: Final = ("none", "standard", "severe")

#: Complexity factor keys (``tiering.md``); each distinct one present scores 2.
COMPLEXITY_FACTORS: Final[frozenset[str]] = frozenset(
    {
        "mental_health",
        "self_harm",
        "vulnerability",
        "child_concerns",
        "child_protection",
        "risk_to_children",
        "public_interest",
        "adult_at_risk",
        "street_gangs",
        "terrorism",
    }
)

#: Need section -> weight in change points (``tiering.md``).
NEED_WEIGHTS: Final[Mapping[str, int]] = types.MappingProxyType(
    {
        "accommodation": 1,
        "education_training_employment": 1,
        "relationships": 1,
        "lifestyle": 1,
        "drugs": 1,
        "alcohol": 1,
        "thinking_behaviour": 2,
        "attitudes": 2,
        "finance": 0,
        "emotional_wellbeing": 0,
    }
)

#: Need section -> (standard threshold, severe threshold) on the section's answer score.
NEED_THRESHOLDS: Final[Mapping[str, tuple[int, int]]] = types.MappingProxyType(
    {
        "accommodation": (2, 7),
        "education_training_employment": (3, 7),
        "relationships": (2, 5),
        "lifestyle": (2, 5),
        "drugs": (2, 8),
        "alcohol": (4, 7),
        "thinking_behaviour": (4, 7),
        "attitudes": (2, 7),
    }
)

#: Accepted assessment answers and their scores. Three answer families share one vocabulary:
#: yes/no questions, problem questions (no_problem/some/significant) and frequency questions
#: (never/previously/currently).
ANSWER_SCORES: Final[Mapping[str, int]] = types.MappingProxyType(
    {
        "yes": 2,
        "no": 0,
        "no_problem": 0,
        "some": 1,
        "significant": 2,
        "never": 0,
        "previously": 1,
        "currently": 2,
    }
)
#: Answers that mean "not known": they add nothing, and a section of only these is left out.
MISSING_ANSWERS: Final[frozenset[str | None]] = frozenset({None, "unknown"})

#: The 16 tiers, in the column order of the workload table (``workload.md``).
TIERS: Final[tuple[str, ...]] = tuple(f"{p}{c}" for p in "ABCD" for c in (3, 2, 1, 0))

# --- Points and cut-offs ------------------------------------------------------------------------
# The numbers of docs/domain/tiering.md, "Protect level" and "Change level", as data. Cut-off
# tables are (minimum, level) rows, highest first: the first row whose minimum is reached wins.

#: RSR percentage -> protect points: (minimum RSR, points) rows, highest first. An RSR below the
#: last row or above ``RSR_MAXIMUM`` scores 0 (docs/domain/tiering.md).
RSR_POINTS: Final[tuple[tuple[float, int], ...]] = ((7.0, 20), (3.0, 10))
#: The highest RSR that scores (docs/domain/tiering.md: "RSR ≥ 7.00 and ≤ 99.99").
RSR_MAXIMUM: Final = 99.99
#: RoSH level (None: not assessed) -> protect points (docs/domain/tiering.md).
ROSH_POINTS: Final[Mapping[str | None, int]] = types.MappingProxyType(
    {None: 0, "low": 0, "medium": 10, "high": 20, "very_high": 150}
)
#: MAPPA level (None: not managed under MAPPA) -> protect points (docs/domain/tiering.md).
MAPPA_POINTS: Final[Mapping[int | None, int]] = types.MappingProxyType(
    {None: 0, 1: 5, 2: 150, 3: 150}
)
#: Protect points of each distinct complexity factor (docs/domain/tiering.md).
COMPLEXITY_FACTOR_POINTS: Final = 2
#: Protect points of each women-only factor: parenting responsibilities, impulsivity or temper
#: control problems, previous enforcement activity (docs/domain/tiering.md).
WOMEN_FACTOR_POINTS: Final = 2
#: Protect points -> protect level: (minimum points, level) rows, highest first
#: (docs/domain/tiering.md: A at 150 or more, B at 20, C at 10, D below).
PROTECT_LEVELS: Final[tuple[tuple[int, str], ...]] = ((150, "A"), (20, "B"), (10, "C"), (0, "D"))

#: Change level without a mandate for change, and with a mandate but no assessment
#: (docs/domain/tiering.md, "Change level" steps 1 and 2).
NO_MANDATE_CHANGE_LEVEL: Final = 0
NO_ASSESSMENT_CHANGE_LEVEL: Final = 2
#: Need severity -> multiplier of the section's weight (docs/domain/tiering.md).
SEVERITY_VALUES: Final[Mapping[str, int]] = types.MappingProxyType(
    {"none": 0, "standard": 1, "severe": 2}
)
#: OGRS scores one change point per this many percent, rounded down (floor(ogrs / 10)).
OGRS_POINTS_PER: Final = 10
#: Change points for integrated offender management (docs/domain/tiering.md).
IOM_POINTS: Final = 2
#: Change points -> change level: (minimum points, level) rows, highest first
#: (docs/domain/tiering.md: 3 at 20 or more, 2 at 10, 1 below).
CHANGE_LEVELS: Final[tuple[tuple[int, int], ...]] = ((20, 3), (10, 2), (0, 1))

# Hot-path copies (plain dicts look up faster than mapping proxies) and reason texts.
_SEVERITY_VALUE: Final[dict[str, int]] = dict(SEVERITY_VALUES)
_ROSH_POINTS: Final[dict[str | None, int]] = dict(ROSH_POINTS)
_ROSH_RANK: Final[dict[str, int]] = {level: rank for rank, level in enumerate(ROSH_LEVELS)}
_ROSH_TEXT: Final[dict[str | None, str]] = {
    "medium": "RoSH medium",
    "high": "RoSH high",
    "very_high": "RoSH very high",
}
_MAPPA_POINTS: Final[dict[int | None, int]] = dict(MAPPA_POINTS)
_MAPPA_TEXT: Final[dict[int | None, str]] = {
    1: "MAPPA level 1",
    2: "MAPPA level 2",
    3: "MAPPA level 3",
}
_WOMEN_FACTORS: Final = (
    ("parenting_responsibilities", "parenting responsibilities"),
    ("impulsivity_or_temper", "impulsivity or temper control problems"),
    ("previous_enforcement", "previous enforcement activity"),
)
_NOT_MANDATE: Final[frozenset[str]] = RESTRICTIVE_REQUIREMENTS | {"unpaid_work"}
_CHANGE_TEXT: Final[dict[tuple[str, str], str]] = {
    (section, severity): f"{section} {severity}"
    for section in NEED_WEIGHTS
    for severity in ("standard", "severe")
}


_Level = TypeVar("_Level", int, str)


def _choices_text(values: Iterable[Any]) -> str:
    return ", ".join(sorted(str(v) for v in values))


@dataclass(frozen=True, slots=True)
class TierSentence:
    """One sentence of the case, as tiering sees it.

    ``kind`` is ``"custodial"``, ``"community"`` or ``"suspended"``; ``requirements`` are
    requirement keys from ``sentences.md`` (stored as a tuple so the fact is immutable).
    """

    kind: str
    active: bool
    requirements: Sequence[str] = ()

    def __post_init__(self) -> None:
        _validate.choice("kind", self.kind, SENTENCE_KINDS)
        _validate.boolean("active", self.active)
        reqs = self.requirements
        if isinstance(reqs, str) or not isinstance(reqs, Iterable):
            raise ValueError(f"requirements: must be a list of requirement keys, got {reqs!r}")
        reqs = tuple(reqs)
        for i, r in enumerate(reqs):
            _validate.choice(f"requirements[{i}]", r, REQUIREMENT_KEYS)
        object.__setattr__(self, "requirements", reqs)


@dataclass(frozen=True, slots=True)
class TierFacts:
    """The facts a tier is calculated from (names and defaults as ``tiering.md``).

    ``needs`` is None when there is no assessment, otherwise a mapping of need section to
    ``"none"``, ``"standard"`` or ``"severe"``; a section may be absent or None when it was left
    out (all its answers missing), and then scores nothing.
    """

    sex: str
    rsr: float | None = None
    ogrs: int | None = None
    rosh: str | None = None
    mappa_level: int | None = None
    complexity_factors: AbstractSet[str] = frozenset()
    parenting_responsibilities: bool = False
    impulsivity_or_temper: bool = False
    previous_enforcement: bool = False
    integrated_offender_management: bool = False
    unsupervised: bool = False
    sentences: Sequence[TierSentence] = ()
    needs: Mapping[str, str | None] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        _validate.choice("sex", self.sex, SEXES)
        if self.rsr is not None:
            _validate.number("rsr", self.rsr, minimum=0, maximum=100)
        if self.ogrs is not None:
            _validate.integer("ogrs", self.ogrs, minimum=0, maximum=100)
        _validate.choice("rosh", self.rosh, ROSH_LEVELS, allow_none=True)
        _validate.choice("mappa_level", self.mappa_level, MAPPA_LEVELS, allow_none=True)
        object.__setattr__(self, "complexity_factors", _checked_factors(self.complexity_factors))
        for name in (
            "parenting_responsibilities",
            "impulsivity_or_temper",
            "previous_enforcement",
            "integrated_offender_management",
            "unsupervised",
        ):
            _validate.boolean(name, getattr(self, name))
        object.__setattr__(self, "sentences", _checked_sentences(self.sentences))
        if self.needs is not None:
            object.__setattr__(self, "needs", _checked_needs(self.needs))


def _checked_factors(factors: Any) -> frozenset[str]:
    if isinstance(factors, str) or not isinstance(factors, Iterable):
        raise ValueError(
            f"complexity_factors: must be a set of keys ({_choices_text(COMPLEXITY_FACTORS)})"
            f", got {factors!r}"
        )
    for f in factors:
        if not isinstance(f, str) or f not in COMPLEXITY_FACTORS:
            raise ValueError(
                f"complexity_factors: unknown factor {f!r}; "
                f"must be among {_choices_text(COMPLEXITY_FACTORS)}"
            )
    return frozenset(factors)


def _checked_sentences(sentences: Any) -> tuple[TierSentence, ...]:
    if isinstance(sentences, str) or not isinstance(sentences, Iterable):
        raise ValueError(f"sentences: must be a list of TierSentence, got {sentences!r}")
    sentences = tuple(sentences)
    for i, s in enumerate(sentences):
        if not isinstance(s, TierSentence):
            raise ValueError(f"sentences[{i}]: must be a TierSentence, got {s!r}")
    return sentences


def _checked_needs(needs: Any) -> Mapping[str, str | None]:
    if not isinstance(needs, Mapping):
        raise ValueError(f"needs: must be None or a mapping of section to severity, got {needs!r}")
    for section, severity in needs.items():
        if section not in NEED_WEIGHTS:
            raise ValueError(
                f"needs: unknown section {section!r}; must be among {_choices_text(NEED_WEIGHTS)}"
            )
        _validate.choice(f"needs[{section!r}]", severity, SEVERITIES, allow_none=True)
    return types.MappingProxyType(dict(needs))


@dataclass(frozen=True, slots=True)
class TierResult:
    """A tier with its points and the factors that produced them.

    ``change_basis`` says which change rule applied: ``"no_mandate"`` (level 0),
    ``"no_assessment"`` (level 2; ``change_points`` is then 0 because nothing was scored) or
    ``"points"``. In ``protect_reasons`` the lower of RSR and RoSH, when both score, is listed
    with 0 points, so that the points of the reasons always add up to ``protect_points``.
    """

    tier: str
    protect_level: str
    protect_points: int
    change_level: int
    change_points: int
    protect_reasons: tuple[tuple[str, int], ...]
    change_reasons: tuple[tuple[str, int], ...]
    change_basis: str

    @property
    def reasons(self) -> tuple[tuple[str, int], ...]:
        """All scored factors as (factor, points): protect factors first, then change."""
        return self.protect_reasons + self.change_reasons

    @property
    def explanation(self) -> str:
        """E.g. ``"B2: RoSH high 20; MAPPA level 1 5 = 25 points → B; ... = 12 points → 2"``."""
        if self.protect_reasons:
            protect = "; ".join(f"{f} {p}" for f, p in self.protect_reasons)
        else:
            protect = "no protect factors"
        protect += f" = {self.protect_points} points → {self.protect_level}"
        if self.change_basis == "points":
            change = "; ".join(f"{f} {p}" for f, p in self.change_reasons) or "no change factors"
            change += f" = {self.change_points} points → {self.change_level}"
        else:
            change = f"{self.change_reasons[0][0]} → {self.change_level}"
        suffix = "; currently unsupervised (S)" if self.tier.endswith("S") else ""
        return f"{self.tier}: {protect}; {change}{suffix}"


def highest_rosh(levels: Iterable[str]) -> str:
    """The highest of RoSH ``levels`` in the order of :data:`ROSH_LEVELS`: an assessment's overall
    RoSH from its audiences (``docs/domain/allocation.md``: "the highest across audiences").

    >>> highest_rosh(["low", "high", "medium"])
    'high'
    """
    try:
        return max(levels, key=_ROSH_RANK.__getitem__)
    except (KeyError, TypeError) as error:
        raise ValueError(
            f"levels: each must be one of {', '.join(ROSH_LEVELS)}, got {error.args[0]!r}"
        ) from None
    except ValueError:
        raise ValueError("levels: must not be empty") from None


def _first_reached(points: float, table: Sequence[tuple[Any, _Level]], default: _Level) -> _Level:
    """The level of the first (minimum, level) row whose minimum ``points`` reach."""
    for minimum, level in table:
        if points >= minimum:
            return level
    return default


def _rsr_points(rsr: float | None) -> int:
    if rsr is None or rsr > RSR_MAXIMUM:
        return 0
    return _first_reached(rsr, RSR_POINTS, 0)


def _has_mandate(sentences: Sequence[TierSentence]) -> bool:
    for s in sentences:
        if not s.active:
            continue
        if s.kind == "custodial":
            return True
        for r in s.requirements:
            if r not in _NOT_MANDATE:
                return True
    return False


def _harm_points(rsr: float | None, rosh: str | None, reasons: list[tuple[str, int]]) -> int:
    """RSR and RoSH: only the higher counts; on a tie RoSH (the assessed judgement) is the one
    shown as counted, and the other is listed with 0 points."""
    rsr_pts = _rsr_points(rsr)
    rosh_pts = _ROSH_POINTS[rosh]
    if rsr_pts and rosh_pts:
        if rosh_pts >= rsr_pts:
            reasons.append((_ROSH_TEXT[rosh], rosh_pts))
            reasons.append((f"RSR {rsr:.2f}% (lower than RoSH, not counted)", 0))
            return rosh_pts
        reasons.append((f"RSR {rsr:.2f}%", rsr_pts))
        reasons.append((f"{_ROSH_TEXT[rosh]} (lower than RSR, not counted)", 0))
        return rsr_pts
    if rsr_pts:
        reasons.append((f"RSR {rsr:.2f}%", rsr_pts))
        return rsr_pts
    if rosh_pts:
        reasons.append((_ROSH_TEXT[rosh], rosh_pts))
    return rosh_pts


def _protect(facts: TierFacts) -> tuple[int, str, tuple[tuple[str, int], ...]]:
    """Protect points, level and reasons."""
    reasons: list[tuple[str, int]] = []
    points = _harm_points(facts.rsr, facts.rosh, reasons)
    mappa = facts.mappa_level
    if mappa is not None:
        mappa_pts = _MAPPA_POINTS[mappa]
        reasons.append((_MAPPA_TEXT[mappa], mappa_pts))
        points += mappa_pts
    n_factors = len(facts.complexity_factors)
    if n_factors:
        label = "complexity factor" if n_factors == 1 else "complexity factors"
        reasons.append((f"{n_factors} {label}", COMPLEXITY_FACTOR_POINTS * n_factors))
        points += COMPLEXITY_FACTOR_POINTS * n_factors
    if facts.sex == "female":
        for name, text in _WOMEN_FACTORS:
            if getattr(facts, name):
                reasons.append((text, WOMEN_FACTOR_POINTS))
                points += WOMEN_FACTOR_POINTS
    return points, _first_reached(points, PROTECT_LEVELS, "D"), tuple(reasons)


def _change_points(
    facts: TierFacts, needs: Mapping[str, str | None]
) -> tuple[int, list[tuple[str, int]]]:
    reasons: list[tuple[str, int]] = []
    points = 0
    for section, severity in needs.items():
        if severity is None:
            continue
        pts = NEED_WEIGHTS[section] * _SEVERITY_VALUE[severity]
        if pts:
            reasons.append((_CHANGE_TEXT[section, severity], pts))
            points += pts
    ogrs = facts.ogrs
    if ogrs is not None and ogrs >= OGRS_POINTS_PER:
        ogrs_pts = ogrs // OGRS_POINTS_PER
        reasons.append((f"OGRS {ogrs}%", ogrs_pts))
        points += ogrs_pts
    if facts.integrated_offender_management:
        reasons.append(("integrated offender management", IOM_POINTS))
        points += IOM_POINTS
    return points, reasons


def _change(facts: TierFacts) -> tuple[int, int, tuple[tuple[str, int], ...], str]:
    """Change level, points, reasons and basis (``no_mandate``, ``no_assessment``, ``points``)."""
    if not _has_mandate(facts.sentences):
        return NO_MANDATE_CHANGE_LEVEL, 0, (("no mandate for change", 0),), "no_mandate"
    needs = facts.needs
    if needs is None:
        reason = ("mandate for change but no assessment", 0)
        return NO_ASSESSMENT_CHANGE_LEVEL, 0, (reason,), "no_assessment"
    points, reasons = _change_points(facts, needs)
    return _first_reached(points, CHANGE_LEVELS, 1), points, tuple(reasons), "points"


def calculate(facts: TierFacts) -> TierResult:
    """Calculate the tier of a case from ``facts`` (``docs/domain/tiering.md``)."""
    points, protect, reasons = _protect(facts)
    level, change_points, change_reasons, basis = _change(facts)
    tier = f"{protect}{level}S" if facts.unsupervised else f"{protect}{level}"
    return TierResult(
        tier,
        protect,
        points,
        level,
        change_points,
        reasons,
        change_reasons,
        basis,
    )


def need_severity(section: str, answers: Mapping[str, str | None]) -> str | None:
    """Severity of one assessment section from its answers (``tiering.md``).

    ``answers`` maps each question to its answer. Accepted answers (see :data:`ANSWER_SCORES`):
    ``"yes"`` 2 / ``"no"`` 0; ``"significant"`` 2 / ``"some"`` 1 / ``"no_problem"`` 0;
    ``"currently"`` 2 / ``"previously"`` 1 / ``"never"`` 0. ``None`` or ``"unknown"`` mean the
    answer is missing and add nothing. The section's score is the sum; the result is
    ``"severe"`` at or above the second threshold, ``"standard"`` at or above the first,
    ``"none"`` below it, and ``None`` when every answer is missing (the section is left out).
    """
    _validate.choice("section", section, NEED_THRESHOLDS)
    if not isinstance(answers, Mapping):
        raise ValueError(f"answers: must be a mapping of question to answer, got {answers!r}")
    score = 0
    answered = False
    for question, answer in answers.items():
        if answer is None or answer == "unknown":
            continue
        points = ANSWER_SCORES.get(answer) if isinstance(answer, str) else None
        if points is None:
            raise ValueError(
                f"answers[{question!r}]: must be one of "
                f"{', '.join(ANSWER_SCORES)}, unknown or None, got {answer!r}"
            )
        score += points
        answered = True
    if not answered:
        return None
    standard, severe = NEED_THRESHOLDS[section]
    if score >= severe:
        return "severe"
    if score >= standard:
        return "standard"
    return "none"
