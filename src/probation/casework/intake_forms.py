"""The steps of court intake, one form a page (GOV.UK wording; docs/adr/0011-court-intake.md).

Forms check what they can from the answers of earlier steps (the court's kind, the offences and
the conviction date), so that a sentence the court may not pass is refused on the sentence step,
with the message by the field. The services check it all again when the intake is submitted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone

from probation.core.errors import InvalidInput
from probation.core.forms import AsciiIntegerField, GovukDateField, clean_text, radio_choice
from probation.core.identifiers import normalise_pnc
from probation.core.limits import BIRTH_DATES, EVENT_DATES, check_ascii_digits
from probation.courts.checks import check_limits, check_sentence
from probation.courts.forms import SentenceForm
from probation.courts.models import (
    REQUIREMENT_UNITS,
    Court,
    Disposal,
    ModeOfTrial,
    Offence,
    RequirementKind,
)
from probation.people.models import Sex
from probation.people.names import name_key
from probation.risk.models import ReportType, RoshLevel

#: How many offences the offences step offers (the first is the main offence).
OFFENCE_ROWS = 5
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
PREVIOUS_ORDER = (
    ("ended", "The court ended it"),
    ("superseded", "The new sentence supersedes it"),
    ("alongside", "It runs alongside the new sentence"),
)
NEW_PERSON = "new"


def _name(value: str, label: str) -> str:
    value = clean_text(value, field_label=label, max_length=100)
    if not name_key(value):
        raise forms.ValidationError(f"{label} must include letters")
    return value


class PersonForm(forms.Form):
    forename = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={
            "required": "Enter the person's first name",
            "max_length": "First name must be 100 characters or fewer",
        },
    )
    surname = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={
            "required": "Enter the person's last name",
            "max_length": "Last name must be 100 characters or fewer",
        },
    )
    date_of_birth = GovukDateField(
        label="Date of birth", label_for_errors="the date of birth", policy=BIRTH_DATES
    )
    sex = radio_choice("Sex", Sex.choices, "Select the person's sex")
    pnc_number = forms.CharField(
        label="PNC number (optional)",
        required=False,
        max_length=20,
        error_messages={"max_length": "PNC number must be 20 characters or fewer"},
    )

    def clean_forename(self) -> str:
        return _name(self.cleaned_data["forename"], "First name")

    def clean_surname(self) -> str:
        return _name(self.cleaned_data["surname"], "Last name")

    def clean_pnc_number(self) -> str | None:
        text = self.cleaned_data["pnc_number"].strip()
        if not text:
            return None
        try:
            check_ascii_digits(text, label="a PNC number")
        except InvalidInput as error:
            raise forms.ValidationError(error.message) from None
        pnc = normalise_pnc(text)
        if pnc is None:
            raise forms.ValidationError(
                "Enter a PNC number like 2012/0123456X with a correct check letter"
            )
        return pnc


class MatchForm(forms.Form):
    """Is the person one of the existing records found, or new?"""

    match = forms.ChoiceField(
        label="Is this person one of these existing records?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the existing record, or say this is a new person",
            "invalid_choice": "Select the existing record, or say this is a new person",
        },
    )

    def __init__(
        self, *args: Any, matches: Sequence[Any] = (), pnc_taken: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pnc_taken = pnc_taken
        choices = [
            (
                m.person.crn,
                f"{m.person.forename} {m.person.surname}, born "
                f"{m.person.date_of_birth:%-d %B %Y}, CRN {m.person.crn}",
            )
            for m in matches
        ]
        label = "No, this is a new person" if matches else "Yes, this is a new person"
        field = self.fields["match"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [*choices, (NEW_PERSON, label)]
        if not matches:
            self.fields["match"].label = "No existing record matches. Is this a new person?"

    def clean_match(self) -> str:
        choice = str(self.cleaned_data["match"])
        if choice == NEW_PERSON and self.pnc_taken:
            raise forms.ValidationError(
                "The PNC number is already on another person's record: choose that record, or "
                "go back and check the PNC number"
            )
        return choice


class AddressForm(forms.Form):
    fixed_abode = radio_choice(
        "Does the person have a fixed address?",
        (("yes", "Yes"), ("no", "No, they are of no fixed abode")),
        "Select whether the person has a fixed address",
    )
    line_1 = forms.CharField(label="Address line 1", required=False, max_length=200)
    town = forms.CharField(label="Town or city", required=False, max_length=100)
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    contract_area = forms.ChoiceField(
        label="Contract area of the address",
        required=False,
        error_messages={"invalid_choice": "Select the contract area from the list"},
    )

    def __init__(self, *args: Any, areas: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["contract_area"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Choose a contract area")] + [
            (str(area.pk), area.name) for area in areas
        ]

    def clean_postcode(self) -> str:
        text = re.sub(r"\s+", " ", self.cleaned_data["postcode"].strip().upper())
        if text and not POSTCODE.match(text):
            raise forms.ValidationError("Enter a real postcode, like L2 2DH")
        if text and " " not in text:
            text = f"{text[:-3]} {text[-3:]}"
        return text

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("fixed_abode") != "yes":
            return data
        messages = {
            "line_1": "Enter the first line of the address",
            "town": "Enter the town or city",
            "postcode": "Enter the postcode",
            "contract_area": "Select the contract area of the address",
        }
        for name, message in messages.items():
            if name in data and not data[name]:
                self.add_error(name, message)
        for name, label in (("line_1", "Address line 1"), ("town", "Town or city")):
            try:
                data[name] = clean_text(data.get(name, ""), field_label=label)
            except forms.ValidationError as error:
                self.add_error(name, error)
        return data


class CourtForm(forms.Form):
    court = forms.ChoiceField(
        label="Court",
        error_messages={
            "required": "Select the court",
            "invalid_choice": "Select the court from the list",
        },
    )
    hearing_date = GovukDateField(
        label="Date of the hearing", label_for_errors="the date of the hearing", policy=EVENT_DATES
    )
    conviction_date = GovukDateField(
        label="Date of conviction", label_for_errors="the date of conviction", policy=EVENT_DATES
    )

    def __init__(self, *args: Any, courts: Sequence[Court] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["court"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Choose a court")] + [(str(court.pk), court.name) for court in courts]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        hearing, conviction = data.get("hearing_date"), data.get("conviction_date")
        if hearing and conviction and conviction > hearing:
            self.add_error(
                "conviction_date",
                "The date of conviction must be on or before the date of the hearing",
            )
        return data


def offence_label(offence: Offence) -> str:
    """The offence as the list shows it, with its OGRS3 category (which follows from it)."""
    return f"{offence.description} (OGRS3 category: {offence.get_ogrs3_category_display()})"


class OffencesForm(forms.Form):
    """One or more offences; the first is the main offence."""

    def __init__(
        self,
        *args: Any,
        offences: Sequence[Offence] = (),
        court_kind: str = "",
        conviction_date: dt.date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.offences = {str(o.pk): o for o in offences}
        self.court_kind = court_kind
        self.conviction_date = conviction_date
        choices = [("", "Choose an offence")] + [
            (key, offence_label(o)) for key, o in self.offences.items()
        ]
        for row in range(1, OFFENCE_ROWS + 1):
            which = "Main offence" if row == 1 else f"Other offence {row - 1} (optional)"
            self.fields[f"offence_{row}"] = forms.ChoiceField(
                label=which,
                required=row == 1,
                choices=choices,
                error_messages={
                    "required": "Select the main offence",
                    "invalid_choice": "Select the offence from the list",
                },
            )
            self.fields[f"offence_date_{row}"] = GovukDateField(
                label="Date of the main offence"
                if row == 1
                else f"Date of other offence {row - 1}",
                label_for_errors="the date of the offence",
                policy=EVENT_DATES,
                required=False,
            )

    def rows(self) -> list[tuple[Any, Any]]:
        return [
            (self[f"offence_{row}"], self[f"offence_date_{row}"])
            for row in range(1, OFFENCE_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for row in range(1, OFFENCE_ROWS + 1):
            self._clean_row(data, row)
        self._clean_court(data)
        return data

    def _clean_row(self, data: dict[str, Any], row: int) -> None:
        offence, day = data.get(f"offence_{row}"), data.get(f"offence_date_{row}")
        if f"offence_date_{row}" not in data:
            return  # the date already has its own error
        if offence and day is None:
            self.add_error(f"offence_date_{row}", "Enter the date of the offence")
        elif day is not None and not offence and f"offence_{row}" in data:
            self.add_error(f"offence_{row}", "Select the offence committed on this date")
        elif day is not None and self.conviction_date and day > self.conviction_date:
            self.add_error(
                f"offence_date_{row}",
                "The date of the offence must be on or before the date of conviction",
            )

    def _clean_court(self, data: dict[str, Any]) -> None:
        if self.court_kind != "magistrates":
            return
        for row in range(1, OFFENCE_ROWS + 1):
            offence = self.offences.get(data.get(f"offence_{row}") or "")
            if offence is not None and offence.mode_of_trial == ModeOfTrial.INDICTABLE:
                self.add_error(
                    f"offence_{row}",
                    f"{offence.description} is indictable only: a magistrates' court cannot "
                    "sentence it. Go back and choose the Crown Court",
                )

    def charged(self) -> list[tuple[Offence, dt.date]]:
        """The offences entered, main first."""
        found = []
        for row in range(1, OFFENCE_ROWS + 1):
            offence = self.offences.get(self.cleaned_data.get(f"offence_{row}") or "")
            if offence is not None:
                found.append((offence, self.cleaned_data[f"offence_date_{row}"]))
        return found


AMOUNT_LABELS = {
    "unpaid_work": "Unpaid work: hours",
    "rehabilitation_activity": "Rehabilitation activity: maximum days",
    "programme": "Accredited programme: sessions",
    "curfew": "Curfew: hours a day",
    "alcohol_abstinence_monitoring": "Alcohol abstinence monitoring: days",
    "attendance_centre": "Attendance centre: hours",
}


class IntakeSentenceForm(SentenceForm):
    """The sentence form of ``courts.forms`` with the operational period of a suspended
    sentence order and the amount of each requirement, checked against the sentencing limits
    of the court chosen on the court step."""

    suspended_for_days = AsciiIntegerField(
        label="Suspended for (days)",
        required=False,
        min_value=1,
        max_value=18250,
        error_messages={
            "invalid": "The period of suspension must be a whole number of days, like 365",
            "min_value": "The period of suspension must be at least 1 day",
            "max_value": "The period of suspension must be 18250 days or fewer",
        },
    )

    def __init__(
        self,
        *args: Any,
        court_kind: str = "crown",
        offence_modes: Sequence[str] = (),
        earliest: dt.date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.court_kind = court_kind
        self.offence_modes = list(offence_modes)
        self.earliest = earliest
        self.fields["disposal"].label = "Sentence"
        for kind in REQUIREMENT_UNITS:
            self.fields[f"amount_{kind}"] = AsciiIntegerField(
                label=AMOUNT_LABELS[kind],
                required=False,
                min_value=0,
                max_value=10_000,
                error_messages={
                    "invalid": "Enter a whole number, like 120",
                    "min_value": "Enter a number of 0 or more",
                    "max_value": "Enter a number of 10000 or fewer",
                },
            )

    def amount_fields(self) -> list[Any]:
        return [self[f"amount_{kind}"] for kind in REQUIREMENT_UNITS]

    def requirements_entered(self) -> list[tuple[str, int | None]]:
        data = self.cleaned_data
        return [
            (kind, data.get(f"amount_{kind}") if kind in REQUIREMENT_UNITS else None)
            for kind in data.get("requirements", [])
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        needed = ("disposal", "sentence_date", "length_days")
        if self.errors or any(data.get(name) is None for name in needed):
            return data
        if data["disposal"] != Disposal.SUSPENDED_SENTENCE_ORDER:
            data["suspended_for_days"] = None
        if self.earliest and data["sentence_date"] < self.earliest:
            self.add_error(
                "sentence_date",
                "The date of sentence must be on or after the date of conviction and of "
                "every offence",
            )
            return data
        try:
            check_sentence(
                disposal=data["disposal"],
                length_days=data["length_days"],
                remand_days=data.get("remand_days") or 0,
                requirements=self.requirements_entered(),
            )
            check_limits(
                court_kind=self.court_kind,
                offence_modes=self.offence_modes,
                disposal=data["disposal"],
                sentence_date=data["sentence_date"],
                length_days=data["length_days"],
                suspended_for_days=data.get("suspended_for_days"),
                requirements=self.requirements_entered(),
                complete=True,
            )
        except InvalidInput as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return data


NO_REPORT = "none"
ROSH_FIELDS = {
    "rosh_public": "Risk of serious harm to the public",
    "rosh_known_adult": "Risk of serious harm to a known adult",
    "rosh_children": "Risk of serious harm to children",
    "rosh_staff": "Risk of serious harm to staff",
}


class RiskForm(forms.Form):
    """The risk of serious harm the pre-sentence report found: the sift needs it to send the
    case anywhere but the NPS (rule ``rosh-missing``)."""

    report_type = radio_choice(
        "Pre-sentence report",
        [*ReportType.choices, (NO_REPORT, "There was no pre-sentence report")],
        "Select the type of pre-sentence report, or say there was none",
    )
    assessed_on = GovukDateField(
        label="Date of the report",
        label_for_errors="the date of the report",
        policy=EVENT_DATES,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in ROSH_FIELDS.items():
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=RoshLevel.choices,
                widget=forms.RadioSelect,
                required=False,
                error_messages={"invalid_choice": f"Select the {label.lower()}"},
            )

    def rosh_fields(self) -> list[Any]:
        return [self[name] for name in ROSH_FIELDS]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("report_type") in (None, NO_REPORT):
            return data
        if "assessed_on" in data and data["assessed_on"] is None:
            self.add_error("assessed_on", "Enter the date of the report")
        elif data.get("assessed_on") and data["assessed_on"] > timezone.localdate():
            self.add_error("assessed_on", "The date of the report must be today or in the past")
        for name, label in ROSH_FIELDS.items():
            if name in data and not data[name]:
                self.add_error(name, f"Select the {label.lower()}")
        return data


class PreviousOrderForm(forms.Form):
    previous = radio_choice(
        "What did the court say about the order the person is already on?",
        PREVIOUS_ORDER,
        "Select what happens to the order the person is already on",
    )


class SubmitForm(forms.Form):
    """The check-your-answers page's form: a one-use token, so that a double click records
    the intake once (probation/core/submissions.py)."""

    submission_token = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=64, strip=True
    )


__all__ = [
    "AddressForm",
    "CourtForm",
    "IntakeSentenceForm",
    "MatchForm",
    "OffencesForm",
    "PersonForm",
    "PreviousOrderForm",
    "RequirementKind",
    "RiskForm",
    "SubmitForm",
]
