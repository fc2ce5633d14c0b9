"""The sentence workflow: courts records the sentence, risk recomputes the tier and, for a
community or suspended sentence order, allocation sifts the case, in one transaction
(docs/adr/0008-layers-and-cross-app-workflows.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from probation.allocation import services as allocation_services
from probation.allocation.models import SiftDecision
from probation.casework.services import sentence_record
from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.courts.models import Sentence
from probation.risk import services as risk_services
from probation.risk.models import TierCalculation
from tests.allocation.helpers import assess

pytestmark = pytest.mark.django_db


def test_recording_a_sentence_recomputes_the_tier(convicted_case, court_officer):
    sentence = sentence_record(
        case=convicted_case,
        by_user=court_officer,
        disposal="community_order",
        sentence_date=dt.date(2025, 3, 3),
        length_days=365,
        requirements=[("unpaid_work", 100)],
    )
    calculation = TierCalculation.objects.get(case=convicted_case, trigger="sentence")
    convicted_case.refresh_from_db()
    assert convicted_case.tier == calculation.tier
    assert calculation.facts["sentences"] == [
        {"kind": "community", "active": True, "requirements": ["unpaid_work"]}
    ]
    recorded = AuditEvent.objects.get(action=AuditAction.SENTENCE_RECORDED)
    assert recorded.subject_id == str(sentence.pk)
    assert recorded.after["requirements"] == [
        {"kind": "unpaid_work", "amount": 100, "starts_on": "2025-03-03", "ends_on": "2026-03-03"}
    ]
    assert AuditEvent.objects.filter(action=AuditAction.TIER_RECALCULATED).exists()


@pytest.mark.parametrize(
    ("module", "step"),
    [(risk_services, "tier_recompute"), (allocation_services, "case_sift")],
    ids=["tier", "sift"],
)
def test_a_failed_later_step_leaves_nothing_behind(
    module, step, convicted_case, court_officer, monkeypatch
):
    """The workflow is one transaction: if the tier or the sift fails, no sentence, tier,
    sift or audit event of it remains."""

    def broken(**kwargs):
        raise RuntimeError(f"{step} down")

    monkeypatch.setattr(module, step, broken)
    with pytest.raises(RuntimeError):
        sentence_record(
            case=convicted_case,
            by_user=court_officer,
            disposal="community_order",
            sentence_date=dt.date(2025, 3, 3),
            length_days=365,
        )
    assert not Sentence.objects.filter(case=convicted_case).exists()
    assert not TierCalculation.objects.filter(case=convicted_case).exists()
    assert not SiftDecision.objects.filter(case=convicted_case).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.SENTENCE_RECORDED).exists()


def test_a_community_order_is_sifted_to_its_organisation(convicted_case, court_officer):
    assess(convicted_case, rosh="high")
    sentence_record(
        case=convicted_case,
        by_user=court_officer,
        disposal="community_order",
        sentence_date=dt.date(2025, 3, 3),
        length_days=365,
    )
    convicted_case.refresh_from_db()
    sift = SiftDecision.objects.get(case=convicted_case, trigger="sentence")
    assert convicted_case.responsible_organisation == sift.organisation
    assert sift.organisation.code == "NPS" and sift.reasons[0][0] == "rosh-high"
    assert convicted_case.responsible_officer is None
    actions = list(
        AuditEvent.objects.filter(crn=convicted_case.person.crn)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.SENTENCE_RECORDED,
        AuditAction.TIER_RECALCULATED,
        AuditAction.CASE_SIFTED,
    ]


def test_a_suspended_sentence_order_is_sifted_too(convicted_case, court_officer):
    assess(convicted_case, rosh="low")
    sentence_record(
        case=convicted_case,
        by_user=court_officer,
        disposal="suspended_sentence_order",
        sentence_date=dt.date(2025, 3, 3),
        length_days=180,
    )
    convicted_case.refresh_from_db()
    assert convicted_case.responsible_organisation.code == "CRC-C08"


def test_a_custodial_sentence_is_not_sifted_at_sentence(convicted_case, court_officer):
    sentence_record(
        case=convicted_case,
        by_user=court_officer,
        disposal="custody",
        sentence_date=dt.date(2025, 3, 3),
        length_days=365,
    )
    assert not SiftDecision.objects.filter(case=convicted_case).exists()
