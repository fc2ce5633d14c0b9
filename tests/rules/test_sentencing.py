"""Sentencing limits (docs/domain/sentences.md; the choices in docs/adr/0011-court-intake.md),
one row per case, the edges on both sides."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from probation.rules.sentencing import (
    SentencingFacts,
    days_in_months,
    magistrates_custody_limit_days,
    sentencing_refusals,
)

DAY = dt.date(2025, 3, 3)  # 6 months on: 3 Sep 2025 (184 days); 12 months: 3 Mar 2026 (365)
SIX_MONTHS = 184
TWELVE_MONTHS = 365
TWO_YEARS = 730  # 3 Mar 2025 -> 3 Mar 2027
THREE_YEARS = 1096  # -> 3 Mar 2028 (2028 is a leap year)


def facts(**changes: Any) -> SentencingFacts:
    base: dict[str, Any] = {
        "court_kind": "crown",
        "disposal": "community_order",
        "sentence_date": DAY,
        "length_days": 365,
        "requirements": (("unpaid_work", 100),),
        "complete": True,
    }
    return SentencingFacts(**{**base, **changes})


def rules_of(f: SentencingFacts) -> list[tuple[str, str]]:
    return [(r.field, r.rule) for r in sentencing_refusals(f)]


def test_month_arithmetic_is_by_calendar_months() -> None:
    assert days_in_months(DAY, 6) == SIX_MONTHS
    assert days_in_months(DAY, 12) == TWELVE_MONTHS
    assert days_in_months(DAY, 24) == TWO_YEARS
    assert days_in_months(DAY, 36) == THREE_YEARS
    assert magistrates_custody_limit_days(sentence_date=DAY, either_way_offences=1) == SIX_MONTHS
    assert magistrates_custody_limit_days(sentence_date=DAY, either_way_offences=2) == 365


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # magistrates' custody: 6 months for one offence, 12 in aggregate for 2+ either-way
        ({"court_kind": "magistrates", "disposal": "custody", "length_days": SIX_MONTHS,
          "requirements": (), "either_way_offences": 1}, []),
        ({"court_kind": "magistrates", "disposal": "custody", "length_days": SIX_MONTHS + 1,
          "requirements": (), "either_way_offences": 1},
         [("length_days", "magistrates-custody-limit")]),
        ({"court_kind": "magistrates", "disposal": "custody", "length_days": SIX_MONTHS + 1,
          "requirements": (), "either_way_offences": 0},
         [("length_days", "magistrates-custody-limit")]),
        ({"court_kind": "magistrates", "disposal": "custody", "length_days": TWELVE_MONTHS,
          "requirements": (), "either_way_offences": 2}, []),
        ({"court_kind": "magistrates", "disposal": "custody", "length_days": TWELVE_MONTHS + 1,
          "requirements": (), "either_way_offences": 3},
         [("length_days", "magistrates-custody-limit")]),
        # the Crown Court has no such limit
        ({"court_kind": "crown", "disposal": "custody", "length_days": 3650, "requirements": ()},
         []),
        ({"court_kind": "magistrates", "disposal": "custody_extended", "length_days": 100,
          "requirements": ()}, [("disposal", "crown-court-only")]),
        ({"court_kind": "magistrates", "disposal": "custody_indeterminate", "length_days": 100,
          "requirements": ()}, [("disposal", "crown-court-only")]),
        ({"court_kind": "magistrates", "indictable_offences": 1},
         [("court", "indictable-only")]),
        # the magistrates' limit applies to a suspended sentence's custodial term too
        ({"court_kind": "magistrates", "disposal": "suspended_sentence_order",
          "length_days": SIX_MONTHS + 1, "suspended_for_days": 365, "either_way_offences": 1},
         [("length_days", "magistrates-custody-limit")]),
        # community order up to 3 years
        ({"length_days": THREE_YEARS}, []),
        ({"length_days": THREE_YEARS + 1}, [("length_days", "community-order-length")]),
        # suspended sentence order: 14 days .. 2 years, suspended for 6 months .. 2 years
        ({"disposal": "suspended_sentence_order", "length_days": 14,
          "suspended_for_days": SIX_MONTHS}, []),
        ({"disposal": "suspended_sentence_order", "length_days": 13, "suspended_for_days": 365},
         [("length_days", "sso-custodial-term")]),
        ({"disposal": "suspended_sentence_order", "length_days": TWO_YEARS,
          "suspended_for_days": TWO_YEARS}, []),
        ({"disposal": "suspended_sentence_order", "length_days": TWO_YEARS + 1,
          "suspended_for_days": 365}, [("length_days", "sso-custodial-term")]),
        ({"disposal": "suspended_sentence_order", "length_days": 100,
          "suspended_for_days": SIX_MONTHS - 1},
         [("suspended_for_days", "sso-operational-period")]),
        ({"disposal": "suspended_sentence_order", "length_days": 100,
          "suspended_for_days": TWO_YEARS + 1},
         [("suspended_for_days", "sso-operational-period")]),
        ({"disposal": "suspended_sentence_order", "length_days": 100,
          "suspended_for_days": None}, [("suspended_for_days", "sso-operational-period")]),
        # unpaid work 40-300 hours
        ({"requirements": (("unpaid_work", 40),)}, []),
        ({"requirements": (("unpaid_work", 300),)}, []),
        ({"requirements": (("unpaid_work", 39),)}, [("amount_unpaid_work", "requirement-amount")]),
        ({"requirements": (("unpaid_work", 301),)},
         [("amount_unpaid_work", "requirement-amount")]),
        ({"requirements": (("unpaid_work", None),)},
         [("amount_unpaid_work", "requirement-amount")]),
        # rehabilitation activity: 1 day up to the days of the order
        ({"requirements": (("rehabilitation_activity", 1),)}, []),
        ({"requirements": (("rehabilitation_activity", 365),)}, []),
        ({"requirements": (("rehabilitation_activity", 0),)},
         [("amount_rehabilitation_activity", "requirement-amount")]),
        ({"requirements": (("rehabilitation_activity", 366),)},
         [("amount_rehabilitation_activity", "requirement-amount")]),
        # curfew 2-16 hours a day before 1 December 2020, up to 20 after
        ({"requirements": (("curfew", 20),)}, []),
        ({"requirements": (("curfew", 21),)}, [("amount_curfew", "requirement-amount")]),
        ({"requirements": (("curfew", 1),)}, [("amount_curfew", "requirement-amount")]),
        ({"sentence_date": dt.date(2019, 6, 1), "requirements": (("curfew", 16),)}, []),
        ({"sentence_date": dt.date(2019, 6, 1), "requirements": (("curfew", 17),)},
         [("amount_curfew", "requirement-amount")]),
        # alcohol abstinence monitoring up to 120 days; attendance centre 12-36 hours
        ({"requirements": (("alcohol_abstinence_monitoring", 120),)}, []),
        ({"requirements": (("alcohol_abstinence_monitoring", 121),)},
         [("amount_alcohol_abstinence_monitoring", "requirement-amount")]),
        ({"requirements": (("attendance_centre", 11),)},
         [("amount_attendance_centre", "requirement-amount")]),
        ({"requirements": (("attendance_centre", 36),)}, []),
        # requirements with no unit carry no amount to check
        ({"requirements": (("prohibited_activity", None),)}, []),
        # a complete order needs a requirement; a custodial sentence has none
        ({"requirements": ()}, [("requirements", "requirement-needed")]),
        ({"disposal": "custody", "requirements": (("curfew", 8),)},
         [("requirements", "custody-no-requirements")]),
        # several limits at once, in the order of the form
        ({"court_kind": "magistrates", "disposal": "suspended_sentence_order", "length_days": 200,
          "suspended_for_days": 30, "requirements": (("unpaid_work", 500),),
          "either_way_offences": 1},
         [("length_days", "magistrates-custody-limit"),
          ("suspended_for_days", "sso-operational-period"),
          ("amount_unpaid_work", "requirement-amount")]),
    ],
)  # fmt: skip
def test_sentencing_limits(changes: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert rules_of(facts(**changes)) == expected


@pytest.mark.parametrize(
    "changes",
    [
        {"requirements": ()},
        {"requirements": (("unpaid_work", None),)},
        {"disposal": "suspended_sentence_order", "length_days": 100, "suspended_for_days": None},
    ],
)
def test_an_incomplete_record_is_not_refused_for_what_it_does_not_record(
    changes: dict[str, Any],
) -> None:
    """The older sentence page records only the kinds of requirement (complete=False)."""
    assert rules_of(facts(complete=False, **changes)) == []


def test_messages_say_what_to_do() -> None:
    (refusal,) = sentencing_refusals(
        facts(court_kind="magistrates", disposal="custody", length_days=200, requirements=())
    )
    assert refusal.message == (
        "A magistrates' court can impose at most 6 months' custody for one offence "
        "(184 days from this sentence date)"
    )
    (hours,) = sentencing_refusals(facts(requirements=(("unpaid_work", 10),)))
    assert hours.message == "Unpaid work must be between 40 and 300 hours"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"court_kind": "county"}, "court_kind"),
        ({"disposal": "fine"}, "disposal"),
        ({"sentence_date": dt.datetime(2025, 3, 3)}, "sentence_date"),  # noqa: DTZ001
        ({"length_days": -1}, "length_days"),
        ({"length_days": True}, "length_days"),
        ({"suspended_for_days": -5}, "suspended_for_days"),
        ({"requirements": (("tagging", 1),)}, "requirements"),
    ],
)
def test_bad_facts_raise_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        facts(**changes)
