"""Form building blocks that follow the GOV.UK Design System.

Dates are entered as three boxes (day, month, year) as the design system asks, and every error
message says what to do ("Enter a date from, like 27 3 2024").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator

from probation.core.errors import InvalidInput
from probation.core.limits import ALLOWED_CONTROLS, EVENT_DATES, DatePolicy, check_date

MAX_TEXT = 200


class GovukDateWidget(forms.MultiWidget):
    template_name = "core/widgets/date_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = [forms.TextInput(attrs={"inputmode": "numeric"}) for _ in range(3)]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date as day, month and year. Errors name the part that is wrong."""

    widget = GovukDateWidget

    def __init__(
        self,
        *,
        label_for_errors: str = "a date",
        policy: DatePolicy | None = EVENT_DATES,
        **kwargs: Any,
    ) -> None:
        self.label_for_errors = label_for_errors
        self.policy = policy  # the plausible range (probation/core/limits.py)
        fields = (
            forms.CharField(max_length=2),
            forms.CharField(max_length=2),
            forms.CharField(max_length=4),
        )
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields, **kwargs)

    def clean(self, value: Any) -> dt.date | None:
        parts = [str(p or "").strip()[:10] for p in (value or ["", "", ""])]
        if not any(parts):
            if self.required:
                raise ValidationError(f"Enter {self.label_for_errors}")
            return None
        names = ("day", "month", "year")
        missing = [n for n, p in zip(names, parts, strict=True) if not p]
        if missing:
            raise ValidationError(
                f"{self.label_for_errors.capitalize()} must include a {missing[0]}"
            )
        if (
            not all(p.isascii() and p.isdigit() for p in parts)
            or len(parts[2]) != 4
            or len(parts[0]) > 2
            or len(parts[1]) > 2
        ):
            raise ValidationError(
                f"{self.label_for_errors.capitalize()} must be a real date, like 27 3 2024"
            )
        try:
            day = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise ValidationError(
                f"{self.label_for_errors.capitalize()} must be a real date, like 27 3 2024"
            ) from None
        if self.policy is not None:
            label = self.label_for_errors.removeprefix("the ").removeprefix("a ")
            try:
                check_date(day, self.policy, field="", label=label)
            except InvalidInput as error:
                raise ValidationError(error.message) from None
        return day

    def compress(self, data_list: list[Any]) -> Any:  # pragma: no cover - clean() does the work
        return data_list


def clean_text(value: str, *, field_label: str, max_length: int = MAX_TEXT) -> str:
    """Strip a free-text value and refuse control characters and oversized input."""
    value = (value or "").strip()
    if len(value) > max_length:
        raise ValidationError(f"{field_label} must be {max_length} characters or fewer")
    if any(ord(ch) < 32 for ch in value):
        raise ValidationError(f"{field_label} must not contain control characters")
    return value


def radio_choice(label: str, choices: Any, message: str, **kwargs: Any) -> forms.ChoiceField:
    """A required choice shown as GOV.UK radios, with one message for missing and invalid."""
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": message, "invalid_choice": message},
        **kwargs,
    )


class AsciiIntegerField(forms.IntegerField):
    """A whole number written with the digits 0 to 9 only.

    Django's ``IntegerField`` takes digits of every script (``int("٣٦٥")`` is 365), so a length
    typed in Arabic-Indic or full-width digits was recorded as if typed in ASCII.
    """

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str) and any(ch.isnumeric() and not ch.isascii() for ch in value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class FreeTextField(forms.CharField):
    """Free text, as people type it: stripped, at most ``max_length`` characters, and refused
    when it holds a control character other than a line break or a tab (pasted from elsewhere,
    or sent by a script), each with a GOV.UK message. ``called`` is how the control-character
    message names the field ("The reason"), the label otherwise."""

    def __init__(
        self,
        *,
        label: str,
        max_length: int,
        required: bool = False,
        required_message: str = "",
        called: str = "",
        rows: int = 0,
        **kwargs: Any,
    ) -> None:
        self.called = called or label
        errors = {"max_length": f"{label} must be {max_length} characters or fewer"}
        if required_message:
            errors["required"] = required_message
        super().__init__(
            label=label,
            required=required,
            max_length=max_length,
            widget=forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput,
            error_messages=errors,
            **kwargs,
        )
        # A NUL is a control character like the others: one message for all of them.
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ] + [ProhibitNullCharactersValidator(f"{self.called} must not contain control characters")]

    def clean(self, value: Any) -> str:
        text: str = super().clean(value)
        if any(ord(ch) < 32 and ch not in ALLOWED_CONTROLS for ch in text):
            raise ValidationError(f"{self.called} must not contain control characters")
        return text
