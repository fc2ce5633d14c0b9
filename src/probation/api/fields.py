"""Serializer fields that apply the input policy of ``probation.core.limits``.

DRF's own fields read too much: ``IntegerField`` and ``FloatField`` accept "٣" (Python's
``int()`` and ``float()`` do), ``DateField`` accepts year 1 and year 9999 and, through Django's
``parse_date``, dates in Arabic-Indic digits and "2025-1-6"; and a query parameter sent empty (``?status=``) is
read as if it were absent. These fields refuse all of that as field errors, so the answer is a
400 problem naming the field, never a 500 from a calculation that overflowed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from rest_framework import serializers

from probation.core.errors import InvalidInput
from probation.core.limits import DatePolicy, check_ascii_digits, check_date

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def _ascii_digits(text: str, label: str) -> None:
    try:
        check_ascii_digits(text, label=label)
    except InvalidInput as error:
        raise serializers.ValidationError(error.message, code="not_ascii_digits") from None


class AsciiIntegerField(serializers.IntegerField):
    """A whole number; as text, in the digits 0 to 9 only."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str):
            _ascii_digits(data, "a whole number")
        return int(super().to_internal_value(data))


class AsciiFloatField(serializers.FloatField):
    """A finite number; as text, in the digits 0 to 9 only."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, str):
            _ascii_digits(data, "a number")
        value = float(super().to_internal_value(data))
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class PolicyDateField(serializers.DateField):
    """A date written YYYY-MM-DD in ASCII digits, within a :class:`DatePolicy`.

    ``label`` names the date in messages, in lower case ("date of sentence"). The allowed range
    is added to the field's help text, so the OpenAPI schema tells clients before they ask.
    """

    def __init__(self, *, policy: DatePolicy, label: str, **kwargs: Any) -> None:
        self.policy = policy
        self.date_label = label  # not ``label``: DRF's Field has one of its own
        ahead = "today" if policy.years_ahead == 0 else f"{policy.years_ahead} years from today"
        kwargs.setdefault(
            "help_text",
            f"The {label}, YYYY-MM-DD, from {policy.earliest.isoformat()} to {ahead}.",
        )
        kwargs["input_formats"] = ["%Y-%m-%d"]
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> dt.date:
        if isinstance(value, str):
            _ascii_digits(value, f"the {self.date_label}")
            if not _ISO_DATE.fullmatch(value):
                raise serializers.ValidationError(
                    f"Enter the {self.date_label} as a date like 2025-01-06 (YYYY-MM-DD)",
                    code="invalid",
                )
        date = super().to_internal_value(value)
        try:
            check_date(date, self.policy, field=self.field_name or "", label=self.date_label)
        except InvalidInput as error:
            raise serializers.ValidationError(error.message, code="out_of_range") from None
        return date


class NonBlankQueryMixin:
    """A query parameter that is present must have a value: ``?status=`` is refused.

    (DRF reads an empty value of an optional field as "not sent", so a client with a bug that
    sends ``?status=`` would silently get every case instead of hearing about it.)
    """

    def get_value(self, dictionary: Any) -> Any:
        name = getattr(self, "field_name", None)
        if hasattr(dictionary, "getlist") and name in dictionary:
            return dictionary.get(name)
        return super().get_value(dictionary)  # type: ignore[misc]


class QueryChoiceField(NonBlankQueryMixin, serializers.ChoiceField):
    """A query parameter with a fixed set of values; sent empty, it is refused."""

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            choices = ", ".join(str(key) for key in self.choices)
            raise serializers.ValidationError(
                f"Enter one of {choices}, or leave {self.field_name} out.",
                code="invalid_choice",
            ) from None


class QueryCharField(NonBlankQueryMixin, serializers.CharField):
    """A free-text query parameter; sent empty, it is refused unless ``allow_blank``."""
