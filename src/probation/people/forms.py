"""The case search form."""

from __future__ import annotations

from django import forms

from probation.core.forms import clean_text
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
