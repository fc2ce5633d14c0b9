"""Audit search: by case (CRN), user and date range, optionally of one kind of event."""

from __future__ import annotations

from typing import Any

from django import forms

from probation.core.forms import GovukDateField, clean_text
from probation.core.identifiers import normalise_crn
from probation.core.models import AuditAction

ANY_EVENT = ("", "Any event")


class AuditSearchForm(forms.Form):
    crn = forms.CharField(label="CRN", required=False, max_length=50)
    username = forms.CharField(label="Username", required=False, max_length=150)
    date_from = GovukDateField(label="From", required=False, label_for_errors="a from date")
    date_to = GovukDateField(label="To", required=False, label_for_errors="a to date")
    action = forms.ChoiceField(
        label="Event",
        required=False,
        choices=[ANY_EVENT, *AuditAction.choices],
        error_messages={"invalid_choice": "Select an event from the list"},
    )

    def clean_crn(self) -> str:
        value = clean_text(self.cleaned_data.get("crn", ""), field_label="CRN", max_length=50)
        if not value:
            return ""
        crn = normalise_crn(value)
        if crn is None:
            raise forms.ValidationError(
                "Enter a CRN as a letter followed by 6 digits, like X123456"
            )
        return crn

    def clean_username(self) -> str:
        return clean_text(
            self.cleaned_data.get("username", ""), field_label="Username", max_length=150
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The to date must be the same as or after the from date")
        if (
            not any(data.get(k) for k in ("crn", "username", "date_from", "date_to"))
            and not self.errors
        ):
            raise forms.ValidationError("Enter a CRN, a username or a date range to search")
        return data
