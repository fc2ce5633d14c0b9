"""Sentencing limits: what a court may impose, checked before a sentence is recorded.

Spec: ``docs/domain/sentences.md`` (the disposals table and the requirement keys, with the
figures it gives: a community order up to 3 years; a suspended sentence order of 14 days to
2 years' custody suspended for 6 months to 2 years; unpaid work 40-300 hours; curfew 2-16 hours
a day, up to 20 from 2020; alcohol abstinence monitoring up to 120 days). Where the spec is
silent the choices are the platform's and are recorded in ``docs/adr/0011-court-intake.md``:

- a magistrates' court may impose at most 6 months' custody for one offence, and 12 months in
  aggregate when it sentences two or more either-way offences (the Criminal Justice Act 2003 /
  Magistrates' Courts Act 1980 limits before 2022); it passes no extended or indeterminate
  sentence and sentences no indictable-only offence;
- rehabilitation activity: at least 1 day and no more days than the order lasts;
- attendance centre: 12-36 hours; programme: at least 1 session;
- curfew up to 20 hours a day for a sentence passed on or after 1 December 2020 (the Sentencing
  Code's commencement), 16 before.

Months are calendar months (:func:`probation.rules.dates.add_months`): a term of "6 months" from
3 March ends on 2 September, so it may last ``(add_months(start, 6) - start).days`` days.

:func:`sentencing_refusals` returns every limit the sentence breaks, as :class:`Refusal` rows
(the form field, the rule id and a GOV.UK error message), in the order of the form; an empty
tuple means the sentence is within the limits. Pure: no Django, no clock.
"""

from __future__ import annotations

import datetime as _dt
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from probation.rules.custody import CUSTODIAL_DISPOSALS, DISPOSALS
from probation.rules.dates import add_months
from probation.rules.reference import REQUIREMENT_KEYS

CourtKind = Literal["magistrates", "crown"]
COURT_KINDS: Final[tuple[str, ...]] = ("magistrates", "crown")

#: How an offence may be tried (the platform's offence list records it for each offence).
MODES_OF_TRIAL: Final[tuple[str, ...]] = ("summary", "either_way", "indictable")

#: A magistrates' court's custody limit, in calendar months: one offence, and two or more
#: either-way offences in aggregate.
MAGISTRATES_CUSTODY_MONTHS: Final = 6
MAGISTRATES_AGGREGATE_MONTHS: Final = 12
#: Sentences a magistrates' court may not pass.
CROWN_COURT_ONLY: Final[frozenset[str]] = frozenset({"custody_extended", "custody_indeterminate"})

COMMUNITY_ORDER_MAX_MONTHS: Final = 36
SSO_CUSTODY_MIN_DAYS: Final = 14
SSO_CUSTODY_MAX_MONTHS: Final = 24
SSO_OPERATIONAL_MIN_MONTHS: Final = 6
SSO_OPERATIONAL_MAX_MONTHS: Final = 24

#: The date from which a curfew may last up to 20 hours a day (ADR 0011).
LONGER_CURFEW_FROM: Final = _dt.date(2020, 12, 1)


@dataclass(frozen=True)
class AmountLimit:
    """The bounds of one requirement's amount, in its unit (``None``: no upper bound here)."""

    unit: str
    minimum: int
    maximum: int | None


#: Requirement key -> the limits of its amount. Requirements not listed carry no amount.
REQUIREMENT_LIMITS: Final[Mapping[str, AmountLimit]] = types.MappingProxyType(
    {
        "unpaid_work": AmountLimit("hours", 40, 300),
        "rehabilitation_activity": AmountLimit("days", 1, None),  # at most the order's days
        "programme": AmountLimit("sessions", 1, None),
        "curfew": AmountLimit("hours a day", 2, 16),  # 20 from LONGER_CURFEW_FROM
        "alcohol_abstinence_monitoring": AmountLimit("days", 1, 120),
        "attendance_centre": AmountLimit("hours", 12, 36),
    }
)

REQUIREMENT_NAMES: Final[Mapping[str, str]] = types.MappingProxyType(
    {
        "unpaid_work": "Unpaid work",
        "rehabilitation_activity": "Rehabilitation activity",
        "programme": "An accredited programme",
        "curfew": "A curfew",
        "alcohol_abstinence_monitoring": "Alcohol abstinence monitoring",
        "attendance_centre": "Attendance centre",
    }
)


@dataclass(frozen=True)
class SentencingFacts:
    """What the court imposed, and where.

    ``requirements`` are ``(key, amount)`` pairs, the amount in the key's unit or ``None`` when
    not recorded. ``complete`` says the whole order is being recorded (court intake): then a
    community or suspended sentence order must have a requirement, every requirement with a
    unit its amount, and a suspended sentence order its operational period. The older page that
    records only the kinds of requirement passes ``complete=False``, and what it does not
    record is not checked.
    """

    court_kind: str
    disposal: str
    sentence_date: _dt.date
    length_days: int
    suspended_for_days: int | None = None
    either_way_offences: int = 0
    indictable_offences: int = 0
    requirements: tuple[tuple[str, int | None], ...] = field(default_factory=tuple)
    complete: bool = False

    def __post_init__(self) -> None:
        if self.court_kind not in COURT_KINDS:
            raise ValueError(f"court_kind: {self.court_kind!r} is not one of {COURT_KINDS}")
        if self.disposal not in DISPOSALS:
            raise ValueError(f"disposal: {self.disposal!r} is not a disposal")
        if not isinstance(self.sentence_date, _dt.date) or isinstance(
            self.sentence_date, _dt.datetime
        ):
            raise ValueError("sentence_date: must be a date")
        for name in ("length_days", "either_way_offences", "indictable_offences"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}: must be a whole number, 0 or more")
        if self.suspended_for_days is not None and (
            isinstance(self.suspended_for_days, bool)
            or not isinstance(self.suspended_for_days, int)
            or self.suspended_for_days < 0
        ):
            raise ValueError("suspended_for_days: must be a whole number, 0 or more, or None")
        for key, _amount in self.requirements:
            if key not in REQUIREMENT_KEYS:
                raise ValueError(f"requirements: {key!r} is not a requirement key")


@dataclass(frozen=True)
class Refusal:
    """One limit broken: the form field to show it by, the rule id and the message."""

    field: str
    rule: str
    message: str


def days_in_months(start: _dt.date, months: int) -> int:
    """How many days a term of ``months`` calendar months from ``start`` lasts."""
    return (add_months(start, months) - start).days


def magistrates_custody_limit_days(*, sentence_date: _dt.date, either_way_offences: int) -> int:
    """The longest custodial term a magistrates' court may impose, in days."""
    months = (
        MAGISTRATES_AGGREGATE_MONTHS if either_way_offences >= 2 else MAGISTRATES_CUSTODY_MONTHS
    )
    return days_in_months(sentence_date, months)


def _magistrates(facts: SentencingFacts) -> list[Refusal]:
    if facts.court_kind != "magistrates":
        return []
    if facts.indictable_offences:
        return [
            Refusal(
                "court",
                "indictable-only",
                "A magistrates' court cannot sentence an indictable-only offence: "
                "choose the Crown Court",
            )
        ]
    if facts.disposal in CROWN_COURT_ONLY:
        return [
            Refusal(
                "disposal",
                "crown-court-only",
                "Only the Crown Court can pass an extended, life or IPP sentence",
            )
        ]
    if facts.disposal not in CUSTODIAL_DISPOSALS and facts.disposal != "suspended_sentence_order":
        return []
    limit = magistrates_custody_limit_days(
        sentence_date=facts.sentence_date, either_way_offences=facts.either_way_offences
    )
    if facts.length_days <= limit:
        return []
    if facts.either_way_offences >= 2:
        message = (
            "A magistrates' court can impose at most 12 months' custody in total for two or "
            f"more either-way offences ({limit} days from this sentence date)"
        )
    else:
        message = (
            "A magistrates' court can impose at most 6 months' custody for one offence "
            f"({limit} days from this sentence date)"
        )
    return [Refusal("length_days", "magistrates-custody-limit", message)]


def _community_order(facts: SentencingFacts) -> list[Refusal]:
    limit = days_in_months(facts.sentence_date, COMMUNITY_ORDER_MAX_MONTHS)
    if facts.length_days > limit:
        return [
            Refusal(
                "length_days",
                "community-order-length",
                f"A community order can last at most 3 years ({limit} days from this "
                "sentence date)",
            )
        ]
    return []


def _suspended_sentence_order(facts: SentencingFacts) -> list[Refusal]:
    refusals = []
    top = days_in_months(facts.sentence_date, SSO_CUSTODY_MAX_MONTHS)
    if not SSO_CUSTODY_MIN_DAYS <= facts.length_days <= top:
        refusals.append(
            Refusal(
                "length_days",
                "sso-custodial-term",
                f"The custodial term of a suspended sentence order must be between 14 days "
                f"and 2 years ({top} days from this sentence date)",
            )
        )
    period = facts.suspended_for_days
    if period is None:
        if facts.complete:
            refusals.append(
                Refusal(
                    "suspended_for_days",
                    "sso-operational-period",
                    "Enter how many days the sentence is suspended for",
                )
            )
        return refusals
    low = days_in_months(facts.sentence_date, SSO_OPERATIONAL_MIN_MONTHS)
    high = days_in_months(facts.sentence_date, SSO_OPERATIONAL_MAX_MONTHS)
    if not low <= period <= high:
        refusals.append(
            Refusal(
                "suspended_for_days",
                "sso-operational-period",
                f"A sentence can be suspended for between 6 months and 2 years ({low} to "
                f"{high} days from this sentence date)",
            )
        )
    return refusals


def _amount_limit(key: str, facts: SentencingFacts) -> AmountLimit:
    limit = REQUIREMENT_LIMITS[key]
    if key == "curfew" and facts.sentence_date >= LONGER_CURFEW_FROM:
        return AmountLimit(limit.unit, limit.minimum, 20)
    if key == "rehabilitation_activity":
        order_days = facts.suspended_for_days or facts.length_days
        return AmountLimit(limit.unit, limit.minimum, order_days)
    return limit


def _requirement(key: str, amount: int | None, facts: SentencingFacts) -> Refusal | None:
    field = f"amount_{key}"
    if key not in REQUIREMENT_LIMITS:
        return None
    name = REQUIREMENT_NAMES[key]
    limit = _amount_limit(key, facts)
    if amount is None:
        if facts.complete:
            return Refusal(field, "requirement-amount", f"Enter the {limit.unit} of {name.lower()}")
        return None
    if amount < limit.minimum or (limit.maximum is not None and amount > limit.maximum):
        if limit.maximum is None:
            words = f"at least {limit.minimum} {limit.unit}"
        else:
            words = f"between {limit.minimum} and {limit.maximum} {limit.unit}"
        if key == "rehabilitation_activity":
            words += " (no more days than the order lasts)"
        return Refusal(field, "requirement-amount", f"{name} must be {words}")
    return None


def _requirements(facts: SentencingFacts) -> list[Refusal]:
    if facts.disposal in CUSTODIAL_DISPOSALS:
        if facts.requirements:
            return [
                Refusal(
                    "requirements",
                    "custody-no-requirements",
                    "A custodial sentence has no community requirements",
                )
            ]
        return []
    refusals = []
    if facts.complete and not facts.requirements:
        refusals.append(
            Refusal(
                "requirements",
                "requirement-needed",
                "Select at least one requirement: a community or suspended sentence order "
                "has one or more",
            )
        )
    for key, amount in facts.requirements:
        if (refusal := _requirement(key, amount, facts)) is not None:
            refusals.append(refusal)
    return refusals


def sentencing_refusals(facts: SentencingFacts) -> tuple[Refusal, ...]:
    """Every sentencing limit ``facts`` break, in the order of the sentence form."""
    refusals = _magistrates(facts)
    if facts.disposal == "community_order":
        refusals += _community_order(facts)
    elif facts.disposal == "suspended_sentence_order":
        refusals += _suspended_sentence_order(facts)
    refusals += _requirements(facts)
    return tuple(refusals)
