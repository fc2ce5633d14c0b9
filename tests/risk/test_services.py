"""Assessment at court, OGRS3 from the case record, and the tier kept as a history."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from probation.core.errors import CaseNotAvailable, InvalidInput
from probation.core.models import AuditEvent
from probation.risk.models import Registration, TierCalculation
from probation.risk.services import (
    assessment_record,
    ogrs3_for_case,
    registration_add,
    registration_end,
    tier_recompute,
)
from tests.factories import UserFactory, organisation

pytestmark = pytest.mark.django_db

BASE = {
    "assessed_on": dt.date(2025, 1, 6),
    "report_type": "fast",
    "rosh_public": "medium",
    "rosh_known_adult": "high",
    "rosh_children": "low",
    "rosh_staff": "low",
}


def test_ogrs3_comes_from_the_case_history(sentenced_case):
    result = ogrs3_for_case(sentenced_case)
    # Independent restatement of domain/ogrs3.md for this case: age 34 at conviction and at
    # follow-up (male 30-34: -1.326); 5 sanctions (S = 0.46306); first at 16:
    # copas = ln(5 / (10 + 34 - 16)) = ln(5/28); offence theft 0.6612.
    copas = round(math.log(5 / 28), 5)
    x = -1.326 + 0.46306 + 1.25112 * copas + 0.6612
    assert result.two_year == math.floor(100 / (1 + math.exp(-(x + 2.1217))) + 0.5)
    assert result.one_year == math.floor(100 / (1 + math.exp(-(x + 1.40256))) + 0.5)


def test_assessment_records_ogrs3_severities_and_tier_with_explanation(
    sentenced_case, court_officer
):
    assessment = assessment_record(
        case=sentenced_case,
        by_user=court_officer,
        mappa_category=2,
        mappa_level=1,
        rsr=Decimal("2.5"),
        answers={
            "thinking_behaviour": {"impulsivity": "significant", "temper_control": "significant"}
        },
        registrations=["mental_health", "self_harm"],
        **BASE,
    )
    assert assessment.rosh == "high"
    assert assessment.ogrs3_two_year == ogrs3_for_case(sentenced_case).two_year
    assert assessment.need_severities == {"thinking_behaviour": "standard"}
    sentenced_case.refresh_from_db()
    entry = TierCalculation.objects.get(case=sentenced_case)
    # RoSH high 20 + MAPPA level 1 5 + two complexity factors 4 = 29 → B.
    assert entry.protect_points == 29
    assert entry.tier.startswith("B")
    assert sentenced_case.tier == entry.tier
    assert "RoSH high 20" in entry.explanation
    assert "MAPPA level 1 5" in entry.explanation
    assert entry.explanation.startswith(entry.tier)
    actions = list(
        AuditEvent.objects.filter(crn=sentenced_case.person.crn).values_list("action", flat=True)
    )
    assert "assessment.recorded" in actions
    assert actions.count("registration.added") == 2
    assert "tier.recalculated" in actions


def test_changing_a_registration_changes_the_tier_and_adds_history(sentenced_case, court_officer):
    assessment_record(case=sentenced_case, by_user=court_officer, registrations=[], **BASE)
    first = TierCalculation.objects.get(case=sentenced_case)
    registration_add(case=sentenced_case, kind="street_gangs", by_user=court_officer)
    registration_add(case=sentenced_case, kind="terrorism", by_user=court_officer)
    history = list(TierCalculation.objects.filter(case=sentenced_case).order_by("id"))
    assert len(history) == 3
    assert history[-1].protect_points == first.protect_points + 4
    registration_end(
        registration=Registration.objects.get(case=sentenced_case, kind="terrorism"),
        by_user=court_officer,
    )
    assert TierCalculation.objects.filter(case=sentenced_case).count() == 4


def test_tier_is_not_duplicated_when_nothing_changed(sentenced_case, court_officer):
    first = tier_recompute(case=sentenced_case, by_user=court_officer, trigger="manual")
    again = tier_recompute(case=sentenced_case, by_user=court_officer, trigger="manual")
    assert first.pk == again.pk


def test_no_assessment_with_a_mandate_is_change_level_2(sentenced_case, court_officer):
    entry = tier_recompute(case=sentenced_case, by_user=court_officer, trigger="manual")
    assert entry.tier == "D2"


def test_closed_case_is_unsupervised(sentenced_case, court_officer):
    sentenced_case.status = "closed"
    sentenced_case.save()
    assert tier_recompute(
        case=sentenced_case, by_user=court_officer, trigger="manual"
    ).tier.endswith("S")


def test_crc_court_officer_of_another_area_cannot_assess(sentenced_case):
    outsider = UserFactory(organisation=organisation("CRC-C12"), roles=["court_officer"])
    with pytest.raises(CaseNotAvailable):
        assessment_record(case=sentenced_case, by_user=outsider, **BASE)


def test_auditor_cannot_assess(sentenced_case, auditor):
    with pytest.raises(PermissionDenied):
        assessment_record(case=sentenced_case, by_user=auditor, **BASE)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mappa_category": 1}, "mappa_level"),
        ({"assessed_on": dt.date(2999, 1, 1)}, "assessed_on"),
        ({"answers": {"drugs": {"drug_misuse": "sometimes"}}}, "answers"),
    ],
)
def test_bad_assessment_input_is_refused_and_nothing_is_written(
    sentenced_case, court_officer, changes, field
):
    with pytest.raises(InvalidInput) as refused:
        assessment_record(case=sentenced_case, by_user=court_officer, **{**BASE, **changes})
    assert refused.value.field == field
    assert not TierCalculation.objects.exists()
    assert not AuditEvent.objects.filter(action="assessment.recorded").exists()


def test_duplicate_active_registration_is_refused(sentenced_case, court_officer):
    registration_add(case=sentenced_case, kind="vulnerability", by_user=court_officer)
    with pytest.raises(InvalidInput):
        registration_add(case=sentenced_case, kind="vulnerability", by_user=court_officer)
