"""FreeTextField: free text as people type it, stripped, bounded, and without control characters
(probation/core/forms.py)."""

from __future__ import annotations

import pytest
from django import forms

from probation.core.forms import FreeTextField


class _Form(forms.Form):
    reason = FreeTextField(
        label="Why?",
        max_length=10,
        required=True,
        required_message="Enter why",
        called="The reason",
    )
    notes = FreeTextField(label="Notes", max_length=10, rows=4)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reason": ""}, "reason", "Enter why"),
        ({"reason": "   "}, "reason", "Enter why"),
        ({"reason": "x" * 11}, "reason", "Why? must be 10 characters or fewer"),
        ({"reason": "bell\x07"}, "reason", "The reason must not contain control characters"),
        (
            {"reason": "ok", "notes": "nul\x00"},
            "notes",
            "Notes must not contain control characters",
        ),
    ],
)
def test_refusals_have_govuk_messages(data, field, message):
    form = _Form(data)
    assert not form.is_valid()
    assert form.errors[field] == [message]


def test_text_is_stripped_and_line_breaks_and_tabs_kept():
    form = _Form({"reason": "  a\tb ", "notes": "one\r\ntwo"})
    assert form.is_valid()
    assert form.cleaned_data == {"reason": "a\tb", "notes": "one\r\ntwo"}
    assert isinstance(form.fields["notes"].widget, forms.Textarea)
    assert isinstance(form.fields["reason"].widget, forms.TextInput)
