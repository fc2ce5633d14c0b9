"""The sign-in form with GOV.UK wording, refusing an over-long username before anyone looks it up."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class GovukAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password",
        "inactive": "This account is inactive",
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        username = self.fields["username"]
        username.error_messages["required"] = "Enter your username"
        # AuthenticationForm sets max_length after the field is built, so Django never checks
        # it: a 10,000-character username reached authenticate() and the failed-sign-in
        # record (at most 255 characters), a database error on PostgreSQL.
        limit = getattr(username, "max_length", None) or 150
        username.validators.append(
            MaxLengthValidator(limit, message=f"Username must be {limit} characters or fewer")
        )
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["password"].widget = forms.PasswordInput(
            attrs={"autocomplete": "current-password"}
        )
