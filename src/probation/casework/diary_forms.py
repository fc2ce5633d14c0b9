"""Forms of the diary and contact pages: booking an appointment, recording what happened at it
(one short form: one required choice, radios first), judging an absence, and recording an
unplanned contact. The services check the rules; these forms only turn what was typed into
values, refusing what cannot be one (a time like "25:99", digits of other scripts, oversized
text) with a GOV.UK message."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone

from probation.core.forms import AsciiIntegerField, FreeTextField, GovukDateField, radio_choice
from probation.core.limits import DatePolicy
from probation.people.forms import CaseChangeForm
from probation.supervision import services
from probation.supervision.models import ContactType, Outcome

#: Dates an appointment or contact may be typed with: the services apply the exact bounds (12
#: months back or ahead); this only keeps impossible years out.
CONTACT_DATES = DatePolicy("contact dates", earliest=dt.date(2000, 1, 1), years_ahead=2)
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")

LENGTHS = [
    (15, "15 minutes"),
    (30, "30 minutes"),
    (45, "45 minutes"),
    (60, "1 hour"),
    (90, "1 hour 30 minutes"),
    (120, "2 hours"),
    (180, "3 hours"),
    (240, "4 hours"),
    (360, "6 hours"),
    (420, "7 hours"),
    (480, "8 hours"),
]
REPEATS = [("0", "Does not repeat"), ("1", "Every week"), ("2", "Every 2 weeks")]

#: The outcomes offered for a booked appointment, in the order a practitioner meets them; an
#: absence can be left to judge within 2 working days.
OUTCOME_CHOICES = [
    (Outcome.ATTENDED_COMPLIED, "Attended and complied"),
    (Outcome.ATTENDED_FAILED_TO_COMPLY, "Attended but failed to comply (for example, behaviour)"),
    (Outcome.UNACCEPTABLE_ABSENCE, "Did not attend: unacceptable absence"),
    (Outcome.ACCEPTABLE_ABSENCE, "Did not attend: acceptable absence (give the reason)"),
    (Outcome.AWAITING_JUDGEMENT, "Did not attend: decide later (within 2 working days)"),
    (Outcome.RESCHEDULED, "Rescheduled by probation (not a failure)"),
]


def _text(label: str, max_length: int, *, rows: int = 0, called: str = "") -> FreeTextField:
    return FreeTextField(label=label, max_length=max_length, called=called, rows=rows)


class TimeField(forms.CharField):
    """A time of day typed as 24-hour "14:30" (or "14.30"), digits 0 to 9 only."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 5)
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Enter the start time, like 14:30",
                "max_length": "Enter the start time, like 14:30",
            },
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> dt.time | None:
        text = super().clean(value)
        if not text:
            return None
        match = _TIME.match(text) if text.isascii() else None
        if match is None:
            raise forms.ValidationError("Enter the start time as a 24-hour time, like 14:30")
        return dt.time(int(match.group(1)), int(match.group(2)))


def _aware(day: dt.date, at: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, at))


class _WhenMixin:
    """Date, start time and length, combined into aware ``starts_at`` and ``ends_at``."""

    cleaned_data: dict[str, Any]

    def when(self) -> tuple[dt.datetime, dt.datetime]:
        starts_at = _aware(self.cleaned_data["day"], self.cleaned_data["starts_at"])
        return starts_at, starts_at + dt.timedelta(minutes=self.cleaned_data["length"])


def _length_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=LENGTHS,
        coerce=int,
        initial=60,
        error_messages={
            "required": "Choose how long it lasts",
            "invalid_choice": "Choose how long it lasts",
        },
    )


class BookingForm(_WhenMixin, CaseChangeForm):
    contact_type = radio_choice(
        "Type of appointment", ContactType.choices, "Choose the type of appointment"
    )
    day = GovukDateField(
        label="Date", label_for_errors="the date of the appointment", policy=CONTACT_DATES
    )
    starts_at = TimeField(label="Start time")
    length = _length_field("How long")
    location = _text("Location (optional)", services.LOCATION_MAX, called="The location")
    repeat = radio_choice("Does it repeat?", REPEATS, "Choose whether the appointment repeats")
    times = AsciiIntegerField(
        label="How many appointments in all, including the first",
        required=False,
        min_value=2,
        max_value=services.MAX_OCCURRENCES,
        error_messages={
            "invalid": "Enter how many appointments in all, like 6",
            "min_value": "A repeating appointment happens at least 2 times",
            "max_value": f"A repeating appointment happens at most {services.MAX_OCCURRENCES} "
            "times",
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("repeat") in ("1", "2")
            and not data.get("times")
            and "times" not in self.errors
        ):
            self.add_error("times", "Enter how many appointments in all, like 6")
        return data

    def run(self) -> dict[str, Any]:
        """The service arguments of the run: one appointment, or ``times`` of them."""
        repeat = int(self.cleaned_data["repeat"])
        times = self.cleaned_data.get("times") or 1
        return {
            "repeat_weeks": times - 1 if repeat else 0,
            "repeat_every": repeat or 1,
        }


class HoursField(forms.CharField):
    """Hours credited, like 6.5: digits 0 to 9 and at most 2 decimal places."""

    def clean(self, value: Any) -> Decimal | None:
        text = super().clean(value)
        if not text:
            return None
        if not text.isascii() or not re.fullmatch(r"\d{1,2}(\.\d{1,2})?", text):
            raise forms.ValidationError("Enter the hours as a number, like 6.5")
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise forms.ValidationError("Enter the hours as a number, like 6.5") from None


class OutcomeForm(CaseChangeForm):
    """What happened: one required choice; the reason only for an acceptable absence; hours
    only for unpaid work (prefilled with the session's length)."""

    outcome = radio_choice("What happened?", OUTCOME_CHOICES, "Choose what happened")
    hours_credited = HoursField(label="Hours credited", required=False, max_length=5)
    absence_reason = _text("Reason for the absence", services.REASON_MAX, called="The reason")
    notes = _text("Notes (optional)", services.NOTES_MAX, rows=4, called="The notes")

    def __init__(self, *args: Any, unpaid_work: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unpaid_work = unpaid_work
        if not unpaid_work:
            del self.fields["hours_credited"]


class JudgeForm(CaseChangeForm):
    acceptable = radio_choice(
        "Was the absence acceptable?",
        [("yes", "Yes, acceptable"), ("no", "No, unacceptable (a failure to comply)")],
        "Choose whether the absence was acceptable",
    )
    reason = _text("Reason for the absence", services.REASON_MAX, called="The reason")
    evidence = _text("Evidence (optional)", services.REASON_MAX, called="The evidence")


class UnplannedContactForm(_WhenMixin, CaseChangeForm):
    contact_type = radio_choice(
        "Type of contact", ContactType.choices, "Choose the type of contact"
    )
    outcome = radio_choice(
        "What happened?",
        [c for c in OUTCOME_CHOICES if c[0] != Outcome.RESCHEDULED],
        "Choose what happened",
    )
    day = GovukDateField(
        label="Date", label_for_errors="the date of the contact", policy=CONTACT_DATES
    )
    starts_at = TimeField(label="Start time")
    length = _length_field("How long")
    absence_reason = _text("Reason for the absence", services.REASON_MAX)
    notes = _text("Notes (optional)", services.NOTES_MAX, rows=4)
