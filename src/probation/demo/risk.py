"""Risk in the demo world: an assessment at sentence, registrations, and every case's tier.

:func:`make_risk` makes every risk decision about one person from that person's own generator (a
salted one, so adding risk did not change the other decisions). What the rules compute is computed,
never drawn: OGRS3 from the person's own generated criminal history and current offence
(:func:`probation.risk.facts.ogrs3_facts` and :func:`probation.rules.ogrs3.calculate`, exactly as
the risk app reads them from the record) and need severities from the answers
(:func:`probation.risk.services.need_severities`). The profile then sifts the case with
:mod:`probation.rules.allocation`, so high and very high RoSH, MAPPA and high RSR cases are the
NPS's, as the sift says.

:func:`step_risk` writes the assessments and registrations of a chunk; the chunk's tiers follow
(:func:`probation.demo.allocation.step_tiers`, with :mod:`probation.risk.batch`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from probation.demo import data
from probation.demo.world import BATCH_SIZE, BuildContext, Chunk, Weighted, days
from probation.risk.facts import HistoryFacts, ogrs3_facts
from probation.risk.models import Assessment, Registration
from probation.risk.questionnaire import SECTIONS, YES_NO
from probation.risk.services import need_severities
from probation.rules import ogrs3
from probation.rules.allocation import DEFAULT_POLICY, HIGH_ROSH_LEVELS, AllocationFacts, decide
from probation.rules.custody import (
    CUSTODIAL_DISPOSALS,
    EXTENDED_OR_INDETERMINATE,
    TWELVE_MONTHS_DAYS,
)
from probation.rules.tiering import ROSH_LEVELS, highest_rosh

RISK_SALT = 1
# Share of cases with an assessment at sentence: the rest have none (tier change level 2, and the
# NPS keeps them until they are assessed).
ASSESSED_RATE = 0.9
# Share of cases with at least one registration (complexity factor or IOM), before the offence
# adjusts it.
REGISTERED_RATE = 0.25
SEXUAL_REGISTERED_RATE = 0.7
MAPPA_REGISTERED_RATE = 0.6
# The sift's RSR threshold (docs/domain/allocation.md): the demo CRC caseloads stay under it.
RSR_NPS_THRESHOLD: float = DEFAULT_POLICY.parameters["rsr_threshold"]
AUDIENCES = ("public", "known_adult", "children", "staff")

_ROSH = {disposal: Weighted(table) for disposal, table in data.ROSH_BY_DISPOSAL.items()}
_ROSH_SEXUAL = Weighted(data.ROSH_SEXUAL)
_MAPPA_LEVEL = {rosh: Weighted(table) for rosh, table in data.MAPPA_LEVEL_BY_ROSH.items()}
_LOWER_BY = Weighted({0: 25.0, 1: 40.0, 2: 25.0, 3: 10.0})
_REPORT = Weighted({"oral": 15.0, "fast": 60.0, "standard": 25.0})
_REGISTRATION_COUNT = Weighted({1: 60.0, 2: 28.0, 3: 12.0})
_RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(ogrs3.Ogrs3Result))
_FACT_FIELDS = tuple(f.name for f in dataclasses.fields(ogrs3.Ogrs3Facts))


@dataclass
class AssessmentDraft:
    assessed_on: dt.date
    assessed_by_id: int | None
    report_type: str
    rosh: dict[str, str]  # audience → level
    mappa_category: int | None
    mappa_level: int | None
    rsr: Decimal | None
    parenting_responsibilities: bool
    previous_enforcement: bool
    answers: dict[str, dict[str, str]]
    need_severities: dict[str, str]
    ogrs3: ogrs3.Ogrs3Result | None
    ogrs3_detail: dict[str, Any] | None

    @property
    def overall_rosh(self) -> str:
        return highest_rosh(self.rosh.values())


@dataclass
class RegistrationDraft:
    kind: str
    registered_on: dt.date
    ended_on: dt.date | None


@dataclass
class RiskDraft:
    assessment: AssessmentDraft | None
    registrations: list[RegistrationDraft]

    @property
    def rosh(self) -> str | None:
        return self.assessment.overall_rosh if self.assessment else None

    @property
    def mappa_category(self) -> int | None:
        return self.assessment.mappa_category if self.assessment else None

    @property
    def rsr(self) -> float | None:
        if self.assessment is None or self.assessment.rsr is None:
            return None
        return float(self.assessment.rsr)

    @property
    def public_interest(self) -> bool:
        return any(r.kind == "public_interest" for r in self.registrations)

    @property
    def beyond_pso(self) -> bool:
        """A PSO or PQiP may not hold the case (docs/domain/allocation.md, role boundaries)."""
        return (
            self.rosh in HIGH_ROSH_LEVELS
            or self.mappa_category is not None
            or any(r.kind == "child_protection" and r.ended_on is None for r in self.registrations)
        )


def _ogrs3(
    *,
    sex: str,
    date_of_birth: dt.date,
    category: str,
    conviction_date: dt.date,
    follow_up_start: dt.date | None,
    sanction_dates: list[dt.date],
) -> tuple[ogrs3.Ogrs3Result, dict[str, Any]]:
    """OGRS3 read from the person's history as the risk app reads it from the record."""
    facts = ogrs3_facts(
        HistoryFacts(
            sex=sex,
            date_of_birth=date_of_birth,
            conviction_date=conviction_date,
            follow_up_start=follow_up_start,
            offence_category=category,
            sanction_dates=sanction_dates,
        )
    )
    assert facts is not None  # a conviction and a category are always given
    score = ogrs3.calculate(facts)
    # As probation.core.audit.to_jsonable makes it for the risk service, field by field (faster).
    detail: dict[str, Any] = {f: getattr(score, f) for f in _RESULT_FIELDS}
    detail["facts"] = {
        f: value.isoformat() if isinstance(value, dt.date) else value
        for f in _FACT_FIELDS
        for value in (getattr(facts, f),)
    }
    return score, detail


def _audiences(rng: random.Random, overall: str, category: str) -> dict[str, str]:
    """RoSH per audience: the audience most at risk has the overall level, the others less."""
    if category == "sexual_child":
        primary = "children"
    elif category in ("violence", "sexual_not_child") and rng.random() < 0.45:
        primary = "known_adult"
    else:
        primary = "public"
    top = ROSH_LEVELS.index(overall)
    levels = {}
    for audience in AUDIENCES:
        if audience == primary:
            levels[audience] = overall
            continue
        lower = _LOWER_BY.pick(rng) + (1 if audience == "staff" else 0)
        levels[audience] = ROSH_LEVELS[max(0, top - lower)]
    return levels


def _answers(
    rng: random.Random, *, likelihood: float, category: str, no_fixed_abode: bool
) -> dict[str, dict[str, str]]:
    """Needs answers drawn from the questionnaire's vocabulary: more and worse problems for people
    more likely to reoffend, problems that go with the offence, some answers not known."""
    person = rng.gauss(0.0, 0.15)  # some people have many needs, some few
    answers: dict[str, dict[str, str]] = {}
    for section in SECTIONS:
        if rng.random() < data.UNKNOWN_SECTION_RATE:
            answers[section.key] = {q.key: "unknown" for q in section.questions}
            continue
        level = data.NEED_BASE[section.key] + 0.9 * (likelihood - 0.38) + person
        level += rng.gauss(0.0, 0.18)
        categories, boost = data.NEED_BY_CATEGORY.get(section.key, (frozenset(), 0.0))
        if category in categories:
            level += boost
        if section.key == "accommodation" and no_fixed_abode:
            level += 0.5
        section_answers: dict[str, str] = {}
        for question in section.questions:
            if rng.random() < data.UNKNOWN_ANSWER_RATE:
                section_answers[question.key] = "unknown"
                continue
            u = level + rng.gauss(0.0, 0.22)
            if section.key == "accommodation" and question.key == "no_fixed_abode":
                section_answers[question.key] = "yes" if no_fixed_abode else "no"
            elif question.answers is YES_NO:
                section_answers[question.key] = "yes" if u >= 0.5 else "no"
            else:
                index = 0 if u < 0.35 else 1 if u < 0.65 else 2
                section_answers[question.key] = question.answers[index][0]
        answers[section.key] = section_answers
    return answers


def _registrations(
    rng: random.Random,
    *,
    as_of: dt.date,
    sex: str,
    age: float,
    category: str,
    likelihood: float,
    mappa_category: int | None,
    sentence_date: dt.date,
    closed_on: dt.date | None,
    crc_only: bool,
) -> list[RegistrationDraft]:
    """Some cases are registered (complexity factors, IOM) soon after sentence; the registrations
    of a closed case ended with it, and a few others have ended since."""
    rate = SEXUAL_REGISTERED_RATE if category in data.SEXUAL_CATEGORIES else REGISTERED_RATE
    if mappa_category is not None:
        rate = max(rate, MAPPA_REGISTERED_RATE)
    if rng.random() >= rate:
        return []
    weights = _registration_weights(
        sex=sex,
        age=age,
        category=category,
        likelihood=likelihood,
        mappa_category=mappa_category,
        crc_only=crc_only,
    )
    drafts = []
    end = closed_on or as_of
    for _ in range(_REGISTRATION_COUNT.pick(rng)):
        kind = Weighted({k: w for k, w in weights.items() if w > 0}).pick(rng)
        weights[kind] = 0.0
        registered_on = sentence_date + days(
            rng.randrange(0, 1 + min(60, (end - sentence_date).days))
        )
        ended_on: dt.date | None = None
        if closed_on is not None:
            ended_on = closed_on
        elif rng.random() < 0.1 and as_of > registered_on:
            ended_on = registered_on + days(rng.randrange(1, 1 + (as_of - registered_on).days))
        drafts.append(RegistrationDraft(kind, registered_on, ended_on))
    return drafts


def _registration_weights(
    *,
    sex: str,
    age: float,
    category: str,
    likelihood: float,
    mappa_category: int | None,
    crc_only: bool,
) -> dict[str, float]:
    """How likely each kind of registration is, given the person and the offence."""
    weights = dict(data.REGISTRATION_WEIGHTS)
    if category in data.SEXUAL_CATEGORIES:
        weights["child_protection"] *= 6
        weights["risk_to_children"] *= 12 if category == "sexual_child" else 4
    if category in data.ACQUISITIVE_CATEGORIES:
        weights["integrated_offender_management"] *= 1 + 2 * likelihood
    else:
        weights["integrated_offender_management"] *= 0.3
    if age < 30 and category in ("violence", "robbery", "drug_possession_supply"):
        weights["street_gangs"] *= 3
    if sex == "female":
        for kind in ("self_harm", "vulnerability", "child_concerns"):
            weights[kind] *= 2
        weights["street_gangs"] *= 0.2
    if mappa_category is not None:
        weights["terrorism"] = 1.5
    if crc_only:
        weights["public_interest"] = 0.0  # the sift would give the case to the NPS
    return weights


def _mappa(
    rng: random.Random,
    *,
    overall: str,
    category: str,
    disposal: str,
    length_days: int | None,
    crc_only: bool,
) -> tuple[int | None, int | None]:
    """MAPPA category and level: sexual offenders, violent offenders sentenced to 12 months or
    more, a few other dangerous offenders; none for the demo CRC caseloads."""
    mappa_category: int | None = None
    roll = rng.random()
    if category in data.SEXUAL_CATEGORIES:
        mappa_category = 1 if roll < 0.9 else None
    elif disposal in EXTENDED_OR_INDETERMINATE:
        mappa_category = 2 if roll < 0.5 else None
    elif category in ("violence", "robbery") and _long_custody(disposal, length_days):
        mappa_category = 2 if roll < 0.12 else None
    elif overall in HIGH_ROSH_LEVELS and roll < 0.01:
        mappa_category = 3
    if crc_only or mappa_category is None:
        return None, None
    mappa_level = _MAPPA_LEVEL[overall].pick(rng)
    if mappa_category == 3:
        mappa_level = max(2, mappa_level)  # category 3 is managed at level 2 or 3
    return mappa_category, mappa_level


def _rsr(rng: random.Random, overall: str, *, crc_only: bool) -> Decimal | None:
    """RSR for most people, higher with RoSH; under the sift's threshold for the demo CRC."""
    if rng.random() >= data.RSR_RATE:
        return None
    mean = data.RSR_MEAN_BY_ROSH[overall]
    value = min(15.0, rng.gammavariate(2.0, mean / 2))
    if crc_only:
        value = min(value, RSR_NPS_THRESHOLD - 0.9)
    return Decimal(f"{value:.2f}")


def make_risk(
    ctx: BuildContext,
    index: int,
    *,
    area: str,
    sex: str,
    date_of_birth: dt.date,
    category: str,
    disposal: str,
    length_days: int | None,
    sentence_date: dt.date,
    conviction_date: dt.date,
    release_date: dt.date | None,
    sanction_dates: list[dt.date],
    no_fixed_abode: bool,
    closed_on: dt.date | None,
    organisation: str | None = None,
) -> RiskDraft:
    """Every risk decision about person ``index``. ``organisation`` ("CRC" or "NPS") is given for
    the people with a part in the demonstration, and the facts are kept such that the sift agrees.
    """
    rng = ctx.person_rng(index, RISK_SALT)
    crc_only = organisation == "CRC"
    sexual = category in data.SEXUAL_CATEGORIES
    custodial = disposal in CUSTODIAL_DISPOSALS
    age = (sentence_date - date_of_birth).days / 365.25

    score, detail = _ogrs3(
        sex=sex,
        date_of_birth=date_of_birth,
        category=category,
        conviction_date=conviction_date,
        follow_up_start=release_date if custodial else sentence_date,
        sanction_dates=sanction_dates,
    )
    likelihood = score.two_year / 100

    overall = (_ROSH_SEXUAL if sexual else _ROSH[disposal]).pick(rng)
    if crc_only and overall in HIGH_ROSH_LEVELS:
        overall = "medium"

    mappa_category, mappa_level = _mappa(
        rng,
        overall=overall,
        category=category,
        disposal=disposal,
        length_days=length_days,
        crc_only=crc_only,
    )
    rsr = _rsr(rng, overall, crc_only=crc_only)

    registrations = _registrations(
        rng,
        as_of=ctx.as_of,
        sex=sex,
        age=age,
        category=category,
        likelihood=likelihood,
        mappa_category=mappa_category,
        sentence_date=sentence_date,
        closed_on=closed_on,
        crc_only=crc_only,
    )
    assessed = crc_only or rng.random() < ASSESSED_RATE
    if not assessed:
        return RiskDraft(assessment=None, registrations=registrations)

    rosh = _audiences(rng, overall, category)
    report_type = _REPORT.pick(rng)
    if sexual or disposal in EXTENDED_OR_INDETERMINATE or _long_custody(disposal, length_days):
        report_type = "standard"
    answers = _answers(rng, likelihood=likelihood, category=category, no_fixed_abode=no_fixed_abode)
    previous = len([d for d in sanction_dates if d < conviction_date])
    court = ctx.staff.court.get(area)
    assessment = AssessmentDraft(
        assessed_on=sentence_date,
        assessed_by_id=court.pick(rng) if court else None,
        report_type=report_type,
        rosh=rosh,
        mappa_category=mappa_category,
        mappa_level=mappa_level,
        rsr=rsr,
        parenting_responsibilities=sex == "female" and rng.random() < 0.5,
        previous_enforcement=rng.random() < (0.3 if previous >= 2 else 0.05),
        answers=answers,
        need_severities=need_severities(answers),
        ogrs3=score,
        ogrs3_detail=detail,
    )
    draft = RiskDraft(assessment=assessment, registrations=registrations)
    if organisation == "NPS" and not _nps_by_sift(draft, area):
        top = highest_rosh(rosh.values())
        rosh[next(audience for audience, level in rosh.items() if level == top)] = "high"
    return draft


def _long_custody(disposal: str, length_days: int | None) -> bool:
    """Custody of 12 months or more."""
    return disposal in CUSTODIAL_DISPOSALS and (length_days or 0) >= TWELVE_MONTHS_DAYS


def _nps_by_sift(draft: RiskDraft, area: str) -> bool:
    """Whether the sift (the default policy) gives the case to the NPS."""
    facts = AllocationFacts(
        rosh=draft.rosh,
        home_contract_area=area,
        court_contract_area=area,
        mappa_category=draft.mappa_category,
        rsr=draft.rsr,
        public_interest=draft.public_interest,
    )
    return decide(facts).organisation == "NPS"


# --- Build steps ---------------------------------------------------------------------------------


def step_risk(ctx: BuildContext, chunk: Chunk) -> None:
    """The chunk's assessments and registrations, from the profiles' risk drafts."""
    assessments: list[Assessment] = []
    registrations: list[Registration] = []
    for profile, case in zip(chunk.profiles, chunk.cases, strict=True):
        risk: RiskDraft = profile.risk
        a = risk.assessment
        if a is not None:
            score = a.ogrs3
            assessments.append(
                Assessment(
                    case=case,
                    assessed_on=a.assessed_on,
                    assessed_by_id=a.assessed_by_id,
                    report_type=a.report_type,
                    rosh_public=a.rosh["public"],
                    rosh_known_adult=a.rosh["known_adult"],
                    rosh_children=a.rosh["children"],
                    rosh_staff=a.rosh["staff"],
                    mappa_category=a.mappa_category,
                    mappa_level=a.mappa_level,
                    rsr=a.rsr,
                    parenting_responsibilities=a.parenting_responsibilities,
                    previous_enforcement=a.previous_enforcement,
                    answers=a.answers,
                    need_severities=a.need_severities,
                    ogrs3_one_year=score.one_year if score else None,
                    ogrs3_two_year=score.two_year if score else None,
                    ogrs3_band=score.band if score else "",
                    ogrs3_detail=a.ogrs3_detail,
                )
            )
        registrations.extend(
            Registration(case=case, kind=r.kind, registered_on=r.registered_on, ended_on=r.ended_on)
            for r in risk.registrations
        )
    Assessment.objects.bulk_create(assessments, batch_size=BATCH_SIZE)
    Registration.objects.bulk_create(registrations, batch_size=BATCH_SIZE)
    ctx.counts["assessments"] += len(assessments)
    ctx.counts["registrations"] += len(registrations)
