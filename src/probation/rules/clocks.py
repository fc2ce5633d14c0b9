"""The clocks: when each step of allocating, supervising and enforcing a case is due.

Spec: ``docs/domain/allocation.md``, section 3 "Clocks (policy defaults, configurable)". The
spec's table is data here (:data:`CLOCKS`), one :class:`Clock` a row, counted in working days by
:func:`probation.rules.dates.add_working_days`; the bank holidays are passed in, so the rules
stay pure. Each row of the spec's table is a row here, with a function of its own.

"1 working day after" a date is the next working day after it; "10 working days before" counts
back the same way.
"""

from __future__ import annotations

import datetime as _dt
import types
from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Final

from probation.rules import _validate
from probation.rules.dates import add_working_days
from probation.rules.tiering import TIERS

__all__ = [
    "ABSENCE_JUDGEMENT_DUE",
    "ASSIGNMENT_DUE",
    "ASSIGNMENT_DUE_TIER_A",
    "BREACH_REFERRAL_DUE",
    "BREACH_REVIEW_DUE",
    "CLOCKS",
    "ESCALATION_REVIEW_DUE",
    "FIRST_APPOINTMENT_DUE",
    "FIRST_APPOINTMENT_DUE_TIER_A",
    "RECALL_DECISION_DUE",
    "SFO_NOTIFICATION_DUE",
    "SIFT_DUE_COMMUNITY",
    "SIFT_DUE_CUSTODY_BEFORE_RELEASE",
    "TRANSFER_DECISION_DUE",
    "TRANSFER_IN_DUE",
    "Clock",
    "absence_judgement_due",
    "assignment_due",
    "breach_referral_due",
    "breach_review_due",
    "due",
    "escalation_review_due",
    "first_appointment_due",
    "recall_decision_due",
    "sfo_notification_due",
    "sift_due",
    "transfer_decision_due",
    "transfer_in_due",
]

#: Sift decision: working days after sentence (community and suspended sentence orders).
SIFT_DUE_COMMUNITY: Final = 1
#: Sift decision: working days before release (custody).
SIFT_DUE_CUSTODY_BEFORE_RELEASE: Final = 10
#: Practitioner assigned: working days after the sift ...
ASSIGNMENT_DUE: Final = 3
#: ... and for a tier A case.
ASSIGNMENT_DUE_TIER_A: Final = 1
#: NPS review of a risk escalation: working days after the referral.
ESCALATION_REVIEW_DUE: Final = 1
#: An NPS practitioner assigned after a confirmed escalation: working days after confirmation.
TRANSFER_IN_DUE: Final = 5
#: A transfer between contract areas accepted or rejected: working days after the request
#: (the platform's policy, not the spec's: ``docs/adr/0013-transfers.md``).
TRANSFER_DECISION_DUE: Final = 5
#: First appointment held: working days after sentence (community) or release (custody) ...
FIRST_APPOINTMENT_DUE: Final = 5
#: ... and for a tier A case.
FIRST_APPOINTMENT_DUE_TIER_A: Final = 2
#: An absence judged acceptable or unacceptable: working days after the appointment
#: (``enforcement.md``, "Recording compliance").
ABSENCE_JUDGEMENT_DUE: Final = 2
#: A breach referral made: working days after the failure that triggered it (``enforcement.md``).
BREACH_REFERRAL_DUE: Final = 10
#: An NPS enforcement officer's decision on a breach referral (proceedings started or returned):
#: working days after the referral (the platform's policy: ``docs/adr/0018-supervision-and-
#: enforcement.md``).
BREACH_REVIEW_DUE: Final = 5
#: The NPS decision on a recall request: working days after the request (the platform's policy,
#: ADR 0018: a recall is urgent).
RECALL_DECISION_DUE: Final = 1
#: A serious further offence notified: working days after the charge (``enforcement.md``).
SFO_NOTIFICATION_DUE: Final = 5


@dataclass(frozen=True, slots=True)
class Clock:
    """One row of the clock table: the step that is due, the event it is counted from, and the
    working days from it (negative: before it), with a shorter figure for tier A if any."""

    step: str
    counted_from: str
    working_days: int
    working_days_tier_a: int | None = None

    def working_days_for(self, tier: str | None) -> int:
        """The working days for a case of ``tier`` (None or "" when not yet tiered)."""
        _validate.choice("tier", tier or None, TIERS, allow_none=True)
        if self.working_days_tier_a is not None and tier and tier.startswith("A"):
            return self.working_days_tier_a
        return self.working_days


#: The clock table of ``allocation.md`` section 3, by clock id.
CLOCKS: Final[Mapping[str, Clock]] = types.MappingProxyType(
    {
        "sift-community": Clock("sift decision", "sentence", SIFT_DUE_COMMUNITY),
        "sift-custody": Clock("sift decision", "release", -SIFT_DUE_CUSTODY_BEFORE_RELEASE),
        "assignment": Clock("practitioner assigned", "sift", ASSIGNMENT_DUE, ASSIGNMENT_DUE_TIER_A),
        "escalation-review": Clock(
            "NPS review of a risk escalation", "referral", ESCALATION_REVIEW_DUE
        ),
        "transfer-in": Clock(
            "transfer in after confirmed escalation", "confirmation", TRANSFER_IN_DUE
        ),
        "transfer-decision": Clock(
            "transfer accepted or rejected", "request", TRANSFER_DECISION_DUE
        ),
        "first-appointment": Clock(
            "first appointment held",
            "sentence or release",
            FIRST_APPOINTMENT_DUE,
            FIRST_APPOINTMENT_DUE_TIER_A,
        ),
        "absence-judgement": Clock(
            "absence judged acceptable or unacceptable", "appointment", ABSENCE_JUDGEMENT_DUE
        ),
        "breach-referral": Clock("breach referral made", "failure", BREACH_REFERRAL_DUE),
        "breach-review": Clock(
            "breach referral decided by an enforcement officer", "referral", BREACH_REVIEW_DUE
        ),
        "recall-decision": Clock("recall request decided", "request", RECALL_DECISION_DUE),
        "sfo-notification": Clock(
            "serious further offence notified", "charge", SFO_NOTIFICATION_DUE
        ),
    }
)


def due(
    clock_id: str, start: _dt.date, *, holidays: Set[_dt.date], tier: str | None = None
) -> _dt.date:
    """The day the step of clock ``clock_id`` is due, counted from ``start``."""
    _validate.choice("clock_id", clock_id, tuple(CLOCKS))
    clock = CLOCKS[clock_id]
    return add_working_days(start, clock.working_days_for(tier), holidays=holidays)


def sift_due(
    *,
    holidays: Set[_dt.date],
    sentenced_on: _dt.date | None = None,
    release_on: _dt.date | None = None,
) -> _dt.date:
    """When the sift decision is due: 1 working day after sentence for a community case (give
    ``sentenced_on``), 10 working days before release for a custodial one (give ``release_on``).

    >>> sift_due(sentenced_on=_dt.date(2025, 12, 24), holidays={_dt.date(2025, 12, 25)})
    datetime.date(2025, 12, 26)
    """
    if (sentenced_on is None) == (release_on is None):
        raise ValueError("sentenced_on: give either sentenced_on (community) or release_on")
    if sentenced_on is not None:
        return due("sift-community", sentenced_on, holidays=holidays)
    assert release_on is not None
    return due("sift-custody", release_on, holidays=holidays)


def assignment_due(*, sifted_on: _dt.date, tier: str | None, holidays: Set[_dt.date]) -> _dt.date:
    """When a practitioner must be assigned: 3 working days after the sift, 1 for tier A.

    >>> assignment_due(sifted_on=_dt.date(2026, 11, 30), tier="C2", holidays=frozenset())
    datetime.date(2026, 12, 3)
    >>> assignment_due(sifted_on=_dt.date(2026, 11, 30), tier="A1", holidays=frozenset())
    datetime.date(2026, 12, 1)
    """
    _validate.date("sifted_on", sifted_on)
    return due("assignment", sifted_on, holidays=holidays, tier=tier)


def first_appointment_due(
    *, starts_on: _dt.date, tier: str | None, holidays: Set[_dt.date]
) -> _dt.date:
    """When the first appointment must be held: 5 working days after the sentence (community)
    or the release (custody), given as ``starts_on``; 2 for tier A.

    >>> first_appointment_due(starts_on=_dt.date(2026, 11, 30), tier="B2", holidays=frozenset())
    datetime.date(2026, 12, 7)
    >>> first_appointment_due(starts_on=_dt.date(2026, 11, 30), tier="A2", holidays=frozenset())
    datetime.date(2026, 12, 2)
    """
    _validate.date("starts_on", starts_on)
    return due("first-appointment", starts_on, holidays=holidays, tier=tier)


def transfer_decision_due(*, requested_on: _dt.date, holidays: Set[_dt.date]) -> _dt.date:
    """When the receiving organisation must accept or reject a transfer between contract areas:
    5 working days after the request, whatever the tier.

    >>> transfer_decision_due(requested_on=_dt.date(2026, 11, 30), holidays=frozenset())
    datetime.date(2026, 12, 7)
    """
    _validate.date("requested_on", requested_on)
    return due("transfer-decision", requested_on, holidays=holidays)


def escalation_review_due(*, referred_on: _dt.date, holidays: Set[_dt.date]) -> _dt.date:
    """When the NPS must review a risk escalation: 1 working day after the referral.

    >>> escalation_review_due(referred_on=_dt.date(2026, 12, 4), holidays=frozenset())
    datetime.date(2026, 12, 7)
    """
    _validate.date("referred_on", referred_on)
    return due("escalation-review", referred_on, holidays=holidays)


def transfer_in_due(*, confirmed_on: _dt.date, holidays: Set[_dt.date]) -> _dt.date:
    """When an NPS practitioner must be assigned after an escalation is confirmed: 5 working
    days after the confirmation.

    >>> transfer_in_due(confirmed_on=_dt.date(2026, 11, 30), holidays=frozenset())
    datetime.date(2026, 12, 7)
    """
    _validate.date("confirmed_on", confirmed_on)
    return due("transfer-in", confirmed_on, holidays=holidays)


def absence_judgement_due(*, appointment_on: _dt.date, holidays: Set[_dt.date]) -> _dt.date:
    """When an absence must be judged acceptable or unacceptable: 2 working days after the
    appointment that was missed.

    >>> absence_judgement_due(appointment_on=_dt.date(2026, 12, 4), holidays=frozenset())
    datetime.date(2026, 12, 8)
    """
    _validate.date("appointment_on", appointment_on)
    return due("absence-judgement", appointment_on, holidays=holidays)


def breach_referral_due(*, failure_on: _dt.date, holidays: Set[_dt.date]) -> _dt.date:
    """When a breach referral must be made: 10 working days after the failure that triggered it.

    >>> breach_referral_due(failure_on=_dt.date(2026, 11, 30), holidays=frozenset())
    datetime.date(2026, 12, 14)
    """
    _validate.date("failure_on", failure_on)
    return due("breach-referral", failure_on, holidays=holidays)


def breach_review_due(*, referred_on: _dt.date, holidays: Set[_dt.date]) -> _dt.date:
    """When an enforcement officer must start proceedings or return a breach referral: 5 working
    days after the referral.

    >>> breach_review_due(referred_on=_dt.date(2026, 11, 30), holidays=frozenset())
    datetime.date(2026, 12, 7)
    """
    _validate.date("referred_on", referred_on)
    return due("breach-review", referred_on, holidays=holidays)


def recall_decision_due(*, requested_on: _dt.date, holidays: Set[_dt.date]) -> _dt.date:
    """When the NPS must decide a recall request: 1 working day after the request.

    >>> recall_decision_due(requested_on=_dt.date(2026, 12, 4), holidays=frozenset())
    datetime.date(2026, 12, 7)
    """
    _validate.date("requested_on", requested_on)
    return due("recall-decision", requested_on, holidays=holidays)


def sfo_notification_due(*, charged_on: _dt.date, holidays: Set[_dt.date]) -> _dt.date:
    """When a serious further offence must be notified: 5 working days after the charge.

    >>> sfo_notification_due(charged_on=_dt.date(2026, 11, 30), holidays=frozenset())
    datetime.date(2026, 12, 7)
    """
    _validate.date("charged_on", charged_on)
    return due("sfo-notification", charged_on, holidays=holidays)
