"""Risk in the demo world: assessments, registrations, custody dates and tiers, all by the rules.

One world of a few hundred people, built once for the module on a fixed reference date inside a
transaction that is rolled back afterwards (as in ``test_world.py``). Figures are fixed for the
seed, so the tolerances cannot be flaky.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import Count, Max, Q

from probation.courts.models import Sentence
from probation.demo import data
from probation.demo.builder import BuildResult
from probation.people.models import Case
from probation.risk.batch import recompute_all_tiers
from probation.risk.models import Assessment, Registration, TierCalculation
from probation.risk.questionnaire import SECTIONS_BY_KEY
from probation.risk.services import current_tier_facts, need_severities, ogrs3_for_case
from probation.rules import tiering
from probation.rules.allocation import AllocationFacts, decide
from probation.rules.custody import CustodyFacts, custody_dates
from tests.demo.worlds import AS_OF, rolled_back_world

pytestmark = pytest.mark.django_db

PEOPLE = 400


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[BuildResult]:
    yield from rolled_back_world(django_db_blocker, people=PEOPLE)


def latest_assessments() -> dict[int, Assessment]:
    latest: dict[int, Assessment] = {}
    for assessment in Assessment.objects.order_by("case_id", "-assessed_on", "-id"):
        latest.setdefault(assessment.case_id, assessment)
    return latest


def test_tiers_cover_every_protect_and_change_level(world: Any) -> None:
    history = TierCalculation.objects.all()
    assert set(history.values_list("protect_level", flat=True)) == set("ABCD")
    assert set(history.values_list("change_level", flat=True)) == {0, 1, 2, 3}
    tiers = Counter(Case.objects.values_list("tier", flat=True))
    assert "" not in tiers  # every case has a tier
    assert any(t.endswith("S") for t in tiers)  # closed cases are unsupervised
    assert sum(n for t, n in tiers.items() if t.startswith("A")) < PEOPLE * 0.1


def test_every_case_has_one_history_entry_matching_its_tier(world: Any) -> None:
    assert TierCalculation.objects.count() == Case.objects.count() == PEOPLE
    latest = dict(TierCalculation.objects.values_list("case_id", "tier"))
    assert latest == dict(Case.objects.values_list("id", "tier"))
    assert not TierCalculation.objects.exclude(calculated_by=None).exists()  # system
    assert world.counts["tier_calculations"] == PEOPLE


def test_tiers_agree_with_the_single_case_rule(world: Any) -> None:
    for case in Case.objects.select_related("person").order_by("id")[::20]:
        assert tiering.calculate(current_tier_facts(case)).tier == case.tier, case.pk


def test_unassessed_active_cases_with_a_mandate_are_change_level_two(world: Any) -> None:
    unassessed = Case.objects.filter(status="active", assessments__isnull=True)
    assert 0.04 * PEOPLE < unassessed.count() < 0.16 * PEOPLE
    levels = Counter(
        TierCalculation.objects.filter(case__in=unassessed).values_list("change_level", flat=True)
    )
    assert set(levels) <= {0, 2} and levels[2] > levels[0]


def test_recompute_after_the_build_changes_nothing(world: Any) -> None:
    report = recompute_all_tiers()
    assert report.cases == PEOPLE and report.changed == 0
    assert sum(report.by_tier.values()) == PEOPLE
    # Another process lists a set in another order: still nothing changed.
    entry = (
        TierCalculation.objects.annotate(n=Count("case__registrations"))
        .filter(n__gte=2, case__status="active")
        .exclude(facts__complexity_factors=[])
        .first()
    )
    if entry is not None:
        entry.facts["complexity_factors"].reverse()
        entry.save(update_fields=["facts"])
        assert recompute_all_tiers().changed == 0


def test_ogrs3_is_computed_from_each_persons_own_history(world: Any) -> None:
    assessed = Assessment.objects.filter(case__status="active").select_related("case__person")
    assert assessed.count() > 0.8 * Case.objects.filter(status="active").count()
    assert not assessed.filter(ogrs3_two_year__isnull=True).exists()
    for assessment in assessed.order_by("id")[::15][:20]:
        score = ogrs3_for_case(assessment.case)
        assert score is not None
        assert (score.one_year, score.two_year, score.band) == (
            assessment.ogrs3_one_year,
            assessment.ogrs3_two_year,
            assessment.ogrs3_band,
        )
        assert assessment.ogrs3_detail["x"] == score.x
        assert assessment.ogrs3_detail["facts"]["total_sanctions"] == (
            assessment.case.sanctions.filter(
                sanction_date__lt=assessment.ogrs3_detail["facts"]["conviction_date"]
            ).count()
            + 1
        )
    bands = set(Assessment.objects.values_list("ogrs3_band", flat=True))
    assert {"low", "medium", "high"} <= bands


def test_needs_use_the_questionnaire_and_severities_follow_the_rule(world: Any) -> None:
    answered = Counter()
    for answers, severities in Assessment.objects.values_list("answers", "need_severities"):
        assert severities == need_severities(answers)
        for section, questions in answers.items():
            vocabulary = {
                q.key: {a for a, _ in q.answers} for q in SECTIONS_BY_KEY[section].questions
            }
            assert questions.keys() == vocabulary.keys()
            for question, answer in questions.items():
                assert answer in vocabulary[question] | {"unknown"}
                answered[answer] += 1
    assert answered["unknown"] and answered["significant"] and answered["currently"]
    severities = Counter(
        s
        for row in Assessment.objects.values_list("need_severities", flat=True)
        for s in row.values()
    )
    assert severities["none"] and severities["standard"] and severities["severe"]


def test_rosh_mappa_and_rsr_have_a_realistic_mix(world: Any) -> None:
    assessments = list(Assessment.objects.all())
    n = len(assessments)
    rosh = Counter(a.rosh for a in assessments)
    assert 0.25 < rosh["low"] / n < 0.45
    assert 0.35 < rosh["medium"] / n < 0.55
    assert 0.10 < rosh["high"] / n < 0.25
    assert 0 < rosh["very_high"] / n < 0.07
    mappa = [a for a in assessments if a.mappa_category is not None]
    assert 0.02 < len(mappa) / n < 0.09
    assert all(a.mappa_level is not None for a in mappa)
    assert Counter(a.mappa_level for a in mappa).most_common(1)[0][0] == 1
    rsr = sorted(float(a.rsr) for a in assessments if a.rsr is not None)
    assert rsr[0] >= 0 and rsr[-1] <= 15 and rsr[len(rsr) // 2] < 4
    sexual = Assessment.objects.filter(
        case__court_events__offences__is_main=True,
        case__court_events__offences__offence__ogrs3_category__in=data.SEXUAL_CATEGORIES,
    )
    assert set(sexual.exclude(mappa_category=None).values_list("mappa_category", flat=True)) == {1}
    women = [a for a in assessments if a.case.person.sex == "female"]
    parenting = sum(a.parenting_responsibilities for a in women)
    assert 0.3 < parenting / len(women) < 0.7
    assert not any(a.parenting_responsibilities for a in assessments if a.case.person.sex == "male")
    assert all(a.assessed_on == a.case.opened_on for a in assessments)  # dated at sentence


def test_responsibility_follows_the_sift(world: Any) -> None:
    latest = latest_assessments()
    public_interest = set(
        Registration.objects.filter(kind="public_interest").values_list("case_id", flat=True)
    )
    # Cases an escalation or a transfer moved after the sift, or whose sift before release is
    # still due (held by the NPS meanwhile), are left out.
    moved = Case.objects.filter(
        Q(escalations__isnull=False) | Q(transfers__state="accepted") | Q(sifts__isnull=True)
    )
    cases = Case.objects.exclude(pk__in=moved).select_related(
        "responsible_organisation", "contract_area"
    )
    assert cases.count() > PEOPLE * 0.9
    for case in cases:
        assessment = latest.get(case.pk)
        if assessment is not None and (
            assessment.rosh in ("high", "very_high") or assessment.mappa_category is not None
        ):
            assert case.responsible_organisation.code == "NPS", case.pk
        decision = decide(
            AllocationFacts(
                rosh=assessment.rosh if assessment else None,
                home_contract_area=case.contract_area.code,  # the same as the court's
                court_contract_area=case.contract_area.code,
                mappa_category=assessment.mappa_category if assessment else None,
                rsr=float(assessment.rsr) if assessment and assessment.rsr is not None else None,
                public_interest=case.pk in public_interest,
            )
        )
        assert (case.responsible_organisation.code == "NPS") == (decision.organisation == "NPS"), (
            case.pk
        )
    nps = Case.objects.filter(responsible_organisation__code="NPS")
    nps_assessed = [latest[c] for c in nps.values_list("id", flat=True) if c in latest]
    high = sum(a.rosh in ("high", "very_high") for a in nps_assessed)
    assert high > len(nps_assessed) / 2  # NPS cases skew high


def test_cases_beyond_a_psos_role_boundary_are_held_by_probation_officers(world: Any) -> None:
    latest = latest_assessments()
    child_protection = set(
        Registration.objects.filter(kind="child_protection", ended_on=None).values_list(
            "case_id", flat=True
        )
    )
    held = Case.objects.filter(responsible_officer__isnull=False).select_related(
        "responsible_officer"
    )
    for case in held:
        assessment = latest.get(case.pk)
        beyond = case.pk in child_protection or (
            assessment is not None
            and (assessment.rosh in ("high", "very_high") or assessment.mappa_category is not None)
        )
        if beyond:
            assert case.responsible_officer.grade == "PO", case.pk


def test_registrations_are_one_to_three_distinct_kinds(world: Any) -> None:
    per_case = Counter(Registration.objects.values_list("case_id", flat=True))
    assert 0.15 * PEOPLE < len(per_case) < 0.4 * PEOPLE
    assert set(per_case.values()) <= {1, 2, 3}
    assert not (
        Registration.objects.values("case_id", "kind").annotate(n=Count("id")).filter(n__gt=1)
    )
    kinds = set(Registration.objects.values_list("kind", flat=True))
    assert {"mental_health", "integrated_offender_management", "child_protection"} <= kinds
    closed = Registration.objects.filter(case__status="closed")
    assert not closed.filter(ended_on=None).exists()
    assert not Registration.objects.filter(registered_on__gt=AS_OF).exists()


def test_custody_dates_are_the_rules(world: Any) -> None:
    custody = Sentence.objects.filter(
        disposal__in=["custody", "custody_extended", "custody_indeterminate"]
    ).select_related("case__person")
    latest_offence = dict(
        Sentence.objects.values_list("id").annotate(
            latest=Max("court_event__offences__offence_date")
        )
    )
    phases: Counter[str] = Counter()
    for s in custody:
        if s.disposal == "custody_indeterminate":
            assert (s.release_date, s.sentence_expiry_date, s.licence_end, s.supervision_end) == (
                None,
                None,
                None,
                None,
            )
            assert s.date_reasons and "Parole Board" in s.date_reasons[0]
            continue
        expected = custody_dates(
            CustodyFacts(
                sentence_date=s.sentence_date,
                length_days=s.length_days,
                remand_days=s.remand_days,
                offence_date=latest_offence[s.pk],
                date_of_birth=s.case.person.date_of_birth,
                extended=s.disposal == "custody_extended",
            )
        )
        assert s.release_date == expected.release_date
        assert s.sentence_expiry_date == expected.sentence_expiry_date
        assert s.licence_end == expected.licence_end
        assert s.supervision_end == expected.supervision_end
        assert s.date_reasons == list(expected.reasons)
        chain = [s.sentence_date, s.release_date, s.licence_end, s.supervision_end]
        present = [d for d in chain if d is not None]
        assert present == sorted(present), s.pk
        assert s.expected_end_date == (s.supervision_end or s.licence_end or s.release_date)
        if s.case.status == "active":
            assert s.expected_end_date >= AS_OF
            if s.release_date > AS_OF:
                phases["custody"] += 1
            elif s.licence_end and s.licence_end >= AS_OF:
                phases["licence"] += 1
            else:
                phases["post-sentence supervision"] += 1
    assert all(phases[p] for p in ("custody", "licence", "post-sentence supervision")), phases
    assert Sentence.objects.filter(remand_days__gt=0).exists()
    assert not Sentence.objects.filter(
        ~Q(disposal__startswith="custody"), Q(remand_days__gt=0) | ~Q(date_reasons=[])
    ).exists()
