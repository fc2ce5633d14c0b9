"""The case search form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from probation.core.forms import AsciiIntegerField, clean_text
from probation.core.submissions import new_submission_token
from probation.people.selectors import SearchQuery, parse_search


class CaseSearchForm(forms.Form):
    q = forms.CharField(
        label="Name, CRN or PNC number",
        max_length=200,
        error_messages={
            "required": "Enter a name, CRN or PNC number",
            "max_length": "Search must be 200 characters or fewer",
        },
    )

    def clean_q(self) -> SearchQuery:
        text = clean_text(self.cleaned_data["q"], field_label="Search", max_length=200)
        query = parse_search(text)
        if query.pnc == "":
            raise forms.ValidationError(
                "Enter a PNC number like 2012/0123456X with a correct check letter"
            )
        if not (query.crn or query.pnc or query.surname):
            raise forms.ValidationError("Enter a name, CRN or PNC number using letters or digits")
        return query


class CaseChangeForm(forms.Form):
    """Hidden fields every form that changes a case carries (probation/people/locking.py): the
    case version the form was shown, and a one-use submission token."""

    case_version = AsciiIntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    submission_token = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=64, strip=True
    )

    def change_guards(self) -> dict[str, Any]:
        """The service arguments that refuse a stale form and record a double POST once."""
        return {
            "expected_version": self.cleaned_data.get("case_version"),
            "submission_token": self.cleaned_data.get("submission_token") or "",
        }

    def show_current_version(self, version: int) -> None:
        """After a conflict: keep what the user entered, but carry the version now current, so
        that sending the form again (having checked the case) goes through."""
        data = dict(self.data.lists()) if hasattr(self.data, "lists") else dict(self.data)
        data["case_version"] = [str(version)]
        query = QueryDict(mutable=True)
        for key, values in data.items():
            query.setlist(key, values if isinstance(values, list) else [values])
        self.data = query


def case_change_initial(case: Any) -> dict[str, Any]:
    """Initial values of the hidden fields for a form about to be shown for ``case``."""
    return {"case_version": case.version, "submission_token": new_submission_token()}
