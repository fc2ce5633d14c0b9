"""Custody dates computed when a custodial sentence is recorded (docs/domain/sentences.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from probation.core.errors import InvalidInput
from probation.courts.services import sentence_record
from probation.risk.models import TierCalculation
from tests.factories import (
    UserFactory,
    organisation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def court_officer(db):
    return UserFactory(organisation=organisation("NPS"), roles=["court_officer"])


def test_six_month_custody_gets_licence_then_supervision(convicted_case, court_officer):
    sentence = sentence_record(
        case=convicted_case,
        by_user=court_officer,
        disposal="custody",
        sentence_date=dt.date(2025, 3, 3),
        length_days=182,
    )
    # release at the halfway point: 3 Mar 2025 + ceil(182/2) - 1 = 3 Mar + 90 days = 1 Jun 2025
    assert sentence.release_date == dt.date(2025, 6, 1)
    assert sentence.sentence_expiry_date == dt.date(2025, 8, 31)
    assert sentence.licence_end == dt.date(2025, 8, 31)
    assert sentence.supervision_end == dt.date(2026, 6, 1)
    assert sentence.date_reasons
    assert sentence.release_date <= sentence.licence_end <= sentence.supervision_end
    assert not TierCalculation.objects.filter(case=convicted_case).exists(), (
        "courts knows nothing of tiers: the casework workflow recomputes them"
    )


def test_remand_brings_release_forward(convicted_case, court_officer):
    sentence = sentence_record(
        case=convicted_case,
        by_user=court_officer,
        disposal="custody",
        sentence_date=dt.date(2025, 3, 3),
        length_days=182,
        remand_days=30,
    )
    assert sentence.release_date == dt.date(2025, 5, 2)


def test_community_order_gets_an_expected_end_and_requirements(convicted_case, court_officer):
    sentence = sentence_record(
        case=convicted_case,
        by_user=court_officer,
        disposal="community_order",
        sentence_date=dt.date(2025, 3, 3),
        length_days=365,
        requirements=[("unpaid_work", 120), ("curfew", 8)],
    )
    assert sentence.expected_end_date == dt.date(2026, 3, 2)
    assert sentence.release_date is None
    assert sorted(r.kind for r in sentence.requirements.all()) == ["curfew", "unpaid_work"]


def test_indeterminate_sentence_has_no_computed_release(convicted_case, court_officer):
    sentence = sentence_record(
        case=convicted_case,
        by_user=court_officer,
        disposal="custody_indeterminate",
        sentence_date=dt.date(2025, 3, 3),
        length_days=3650,
    )
    assert sentence.release_date is None
    assert "Parole Board" in sentence.date_reasons[0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"length_days": 0}, "length_days"),
        ({"remand_days": 400}, "remand_days"),
        ({"sentence_date": dt.date(2024, 1, 1)}, "sentence_date"),
        ({"disposal": "fine"}, "disposal"),
        ({"requirements": [("unpaid_work", 100)]}, "requirements"),
    ],
)
def test_bad_sentence_input_is_refused(convicted_case, court_officer, changes, field):
    args = {"disposal": "custody", "sentence_date": dt.date(2025, 3, 3), "length_days": 182}
    with pytest.raises(InvalidInput) as refused:
        sentence_record(case=convicted_case, by_user=court_officer, **{**args, **changes})
    assert refused.value.field == field
    assert not convicted_case.sentences.exists()


def test_only_court_officers_record_sentences(convicted_case, nps_practitioner):
    with pytest.raises(PermissionDenied):
        sentence_record(
            case=convicted_case,
            by_user=nps_practitioner,
            disposal="custody",
            sentence_date=dt.date(2025, 3, 3),
            length_days=182,
        )


@pytest.mark.parametrize(
    ("disposal", "sentence_date", "requirements"),
    [
        ("custody", dt.date(9999, 12, 31), ()),  # was an OverflowError: a 500
        ("community_order", dt.date(9999, 6, 1), (("unpaid_work", 100),)),  # was add_months' 500
        ("community_order", dt.date(1, 1, 1), ()),
    ],
)
def test_a_sentence_dated_outside_the_plausible_range_is_a_field_error(
    convicted_case, court_officer, disposal, sentence_date, requirements
):
    with pytest.raises(InvalidInput) as refused:
        sentence_record(
            case=convicted_case,
            by_user=court_officer,
            disposal=disposal,
            sentence_date=sentence_date,
            length_days=365,
            requirements=requirements,
        )
    assert refused.value.field == "sentence_date"
    assert "must be between 1 January 1900 and" in refused.value.message
