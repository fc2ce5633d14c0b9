"""The six-digit code from an authenticator app."""

from __future__ import annotations

from django import forms

from probation.core.forms import clean_text


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def clean_code(self) -> str:
        text = clean_text(self.cleaned_data["code"], field_label="Code", max_length=20)
        code = text.replace(" ", "")
        if len(code) != 6 or not (code.isascii() and code.isdigit()):
            raise forms.ValidationError("Enter the 6 digits of the code, like 123456")
        return code
