"""Forms for the court assessment and registrations (GOV.UK wording)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone

from probation.core.forms import GovukDateField, radio_choice
from probation.people.forms import CaseChangeForm
from probation.risk.models import (
    Assessment,
    MappaCategory,
    MappaLevel,
    RegistrationKind,
    ReportType,
    RoshLevel,
)
from probation.risk.questionnaire import SECTIONS, UNKNOWN, field_name

ROSH_AUDIENCES = (
    ("rosh_public", "the public"),
    ("rosh_known_adult", "a known adult"),
    ("rosh_children", "children"),
    ("rosh_staff", "staff"),
)


class AssessmentForm(CaseChangeForm):
    """The pre-sentence assessment. OGRS3 is not a field: it comes from the case record."""

    # No later than today (clean_assessed_on says so in those words); the service checks the
    # earliest plausible date.
    assessed_on = GovukDateField(
        label="Date of assessment", label_for_errors="the date of assessment", policy=None
    )
    report_type = radio_choice("Type of report", ReportType.choices, "Select the type of report")
    mappa_category = forms.TypedChoiceField(
        label="MAPPA category",
        choices=[("", "Not MAPPA eligible"), *MappaCategory.choices],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "Select a MAPPA category from the list"},
    )
    mappa_level = forms.TypedChoiceField(
        label="MAPPA level",
        choices=[("", "None"), *MappaLevel.choices],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "Select a MAPPA level from the list"},
    )
    rsr = forms.CharField(
        label="RSR score (%)",
        required=False,
        max_length=10,
        help_text="Risk of Serious Recidivism, as calculated, for example 4.25",
    )
    registrations = forms.MultipleChoiceField(
        label="Registrations",
        choices=RegistrationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Select registrations from the list"},
    )
    # Sent with the checkboxes: no box ticked means "no registrations", but a POST without the
    # checkboxes at all (a script, an old form) must not end every registration.
    registrations_shown = forms.CharField(widget=forms.HiddenInput, required=False, initial="1")
    parenting_responsibilities = forms.BooleanField(
        label="Has parenting responsibilities", required=False
    )
    previous_enforcement = forms.BooleanField(
        label="Has been breached or recalled before", required=False
    )

    def __init__(
        self, *args: Any, previous_answers: dict[str, dict[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # The last assessment's needs answers: one that is not on the POST at all is kept, never
        # silently dropped (a pre-filled radio is always sent, so only a script or an old form
        # leaves one out; "unknown", when sent, is kept as given).
        self.previous_answers = previous_answers or {}
        for name, audience in ROSH_AUDIENCES:
            self.fields[name] = radio_choice(
                f"Risk of serious harm to {audience}",
                RoshLevel.choices,
                f"Select the risk of serious harm to {audience}",
            )
        for section in SECTIONS:
            for question in section.questions:
                self.fields[field_name(section.key, question.key)] = radio_choice(
                    question.text,
                    [*question.answers, UNKNOWN],
                    f"Select an answer for '{question.text}'",
                    required=False,
                )

    def clean_rsr(self) -> Decimal | None:
        text = (self.cleaned_data.get("rsr") or "").strip().rstrip("%").strip()
        if not text:
            return None
        if not text.isascii():  # Decimal("٣") is 3: only the digits 0 to 9 are a number here
            raise forms.ValidationError("RSR must be a number, like 4.25")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError("RSR must be a number, like 4.25") from None
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
            raise forms.ValidationError("RSR must be between 0 and 100")
        return value.quantize(Decimal("0.01"))

    def clean_assessed_on(self) -> dt.date:
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date of assessment must be today or in the past")
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("mappa_category") is None) != (data.get("mappa_level") is None) and not (
            self.has_error("mappa_category") or self.has_error("mappa_level")
        ):
            self.add_error("mappa_level", "Select both a MAPPA category and a level, or neither")
        if not data.get("registrations_shown"):
            data["registrations"] = None  # not on the form that was sent: leave them as they are
        return data

    def answers(self) -> dict[str, dict[str, str]]:
        result: dict[str, dict[str, str]] = {}
        for section in SECTIONS:
            for question in section.questions:
                name = field_name(section.key, question.key)
                if name in self.data:
                    answer = self.cleaned_data.get(name)
                else:
                    answer = (self.previous_answers.get(section.key) or {}).get(question.key)
                if answer:
                    result.setdefault(section.key, {})[question.key] = answer
        return result

    def sections(self) -> list[dict[str, Any]]:
        """Need sections with their bound fields, for the template."""
        return [
            {
                "section": section,
                "fields": [self[field_name(section.key, q.key)] for q in section.questions],
            }
            for section in SECTIONS
        ]

    def rosh_fields(self) -> list[Any]:
        return [self[name] for name, _ in ROSH_AUDIENCES]


def assessment_initial(assessment: Assessment | None) -> dict[str, Any]:
    """The assessment form's starting values for a review: the last assessment's answers, all
    but its date (a review is a new assessment, made on its own day). Blank when there is none."""
    if assessment is None:
        return {}
    initial: dict[str, Any] = {
        "report_type": assessment.report_type,
        "mappa_category": assessment.mappa_category,
        "mappa_level": assessment.mappa_level,
        "rsr": "" if assessment.rsr is None else str(assessment.rsr),
        "parenting_responsibilities": assessment.parenting_responsibilities,
        "previous_enforcement": assessment.previous_enforcement,
    }
    for name, _ in ROSH_AUDIENCES:
        initial[name] = getattr(assessment, name)
    answers = assessment.answers or {}
    for section in SECTIONS:
        for question in section.questions:
            answer = (answers.get(section.key) or {}).get(question.key)
            if answer:
                initial[field_name(section.key, question.key)] = answer
    return initial


class RegistrationAddForm(CaseChangeForm):
    kind = radio_choice("Registration", RegistrationKind.choices, "Select a registration to add")
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=500,
        error_messages={"max_length": "Notes must be 500 characters or fewer"},
    )
