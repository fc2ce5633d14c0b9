"""The sentence form (GOV.UK wording)."""

from __future__ import annotations

from django import forms

from probation.core.forms import AsciiIntegerField, GovukDateField, radio_choice
from probation.courts.models import Disposal, RequirementKind
from probation.people.forms import CaseChangeForm


class SentenceForm(CaseChangeForm):
    disposal = radio_choice("Sentence", Disposal.choices, "Select the sentence")
    sentence_date = GovukDateField(
        label="Date of sentence", label_for_errors="the date of sentence"
    )
    length_days = AsciiIntegerField(
        label="Length in days",
        min_value=1,
        max_value=18250,
        error_messages={
            "required": "Enter the length of the sentence in days",
            "invalid": "Length must be a whole number of days, like 182",
            "min_value": "Length must be at least 1 day",
            "max_value": "Length must be 18250 days or fewer",
        },
    )
    remand_days = AsciiIntegerField(
        label="Days on remand to credit",
        min_value=0,
        max_value=18250,
        required=False,
        error_messages={
            "invalid": "Days on remand must be a whole number, like 14",
            "min_value": "Days on remand cannot be negative",
            "max_value": "Days on remand must be 18250 or fewer",
        },
    )
    requirements = forms.MultipleChoiceField(
        label="Requirements (community and suspended sentence orders)",
        choices=RequirementKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Select requirements from the list"},
    )
