"""The bulk recompute agrees with the single-case service."""

from __future__ import annotations

import datetime as dt

import pytest

from probation.core.models import AuditEvent
from probation.risk.batch import recompute_all_tiers
from probation.risk.models import Assessment, Registration, TierCalculation
from probation.risk.services import current_tier_facts
from probation.rules import tiering
from tests.factories import CaseFactory, PersonFactory, RequirementFactory, SentenceFactory

pytestmark = pytest.mark.django_db


def make_varied_cases():
    cases = []
    for i, (rosh, mappa, sex, reqs, regs) in enumerate(
        [
            ("very_high", 2, "male", ["programme"], ["terrorism"]),
            (
                "high",
                None,
                "female",
                ["unpaid_work"],
                ["mental_health", "integrated_offender_management"],
            ),
            ("medium", 1, "male", ["curfew"], []),
            ("low", None, "female", ["rehabilitation_activity"], ["child_concerns"]),
            (None, None, "male", [], []),
        ]
    ):
        case = CaseFactory(person=PersonFactory(sex=sex))
        if reqs:
            sentence = SentenceFactory(case=case)
            for kind in reqs:
                RequirementFactory(sentence=sentence, kind=kind)
        if rosh:
            Assessment.objects.create(
                case=case,
                assessed_on=dt.date(2025, 1, i + 1),
                report_type="fast",
                rosh_public=rosh,
                rosh_known_adult="low",
                rosh_children="low",
                rosh_staff="low",
                mappa_category=mappa,
                mappa_level=mappa,
                ogrs3_two_year=40 + i * 10,
                parenting_responsibilities=True,
                answers={"thinking_behaviour": {"impulsivity": "some"}},
                need_severities={"drugs": "severe", "attitudes": "standard"},
            )
        for kind in regs:
            Registration.objects.create(case=case, kind=kind, registered_on=dt.date(2025, 1, 1))
        cases.append(case)
    return cases


def test_bulk_recompute_matches_the_single_case_rule(nps_practitioner):
    cases = make_varied_cases()
    progress = []
    report = recompute_all_tiers(
        by_user=nps_practitioner, chunk_size=2, progress=lambda d, t: progress.append((d, t))
    )
    assert report.cases == report.changed == len(cases)
    assert progress[-1] == (len(cases), len(cases))
    for case in cases:
        case.refresh_from_db()
        expected = tiering.calculate(current_tier_facts(case))
        assert case.tier == expected.tier
        entry = TierCalculation.objects.get(case=case)
        assert entry.explanation == expected.explanation
    assert AuditEvent.objects.filter(action="tier.recalculated").count() == len(cases)
    assert len({c.tier for c in cases}) >= 4


def test_second_recompute_changes_nothing(nps_practitioner):
    make_varied_cases()
    recompute_all_tiers(by_user=nps_practitioner)
    report = recompute_all_tiers(by_user=nps_practitioner)
    assert report.changed == 0
    assert TierCalculation.objects.count() == 5


def test_single_case_recompute_after_bulk_adds_no_row(nps_practitioner):
    from probation.risk.services import tier_recompute

    cases = make_varied_cases()
    recompute_all_tiers(by_user=nps_practitioner)
    for case in cases:
        tier_recompute(case=case, by_user=nps_practitioner, trigger="manual")
    assert TierCalculation.objects.count() == len(cases)


def test_facts_to_json_matches_the_generic_serialiser():
    from probation.core.audit import to_jsonable
    from probation.risk.facts import facts_to_json

    facts = tiering.TierFacts(
        sex="female",
        rsr=4.2,
        ogrs=61,
        rosh="high",
        mappa_level=1,
        complexity_factors=frozenset({"terrorism", "self_harm", "mental_health"}),
        parenting_responsibilities=True,
        sentences=(
            tiering.TierSentence(
                kind="community", active=True, requirements=("programme", "curfew")
            ),
        ),
        needs={"drugs": "severe", "alcohol": None},
    )
    assert facts_to_json(facts) == to_jsonable(facts)
