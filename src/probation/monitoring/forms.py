"""Forms of the EM order and device pages: making an order (what it enforces, dates, the curfew
location and its weekly windows), changing its curfew windows, adding a zone pasted as GeoJSON
or drawn as a circle, ending the order, and the device steps.

The services check the rules; these forms only turn what was typed into values (a time like
"25:99", a latitude in other digits, oversized GeoJSON are refused here with a GOV.UK message).
Every form works without JavaScript: the week is a table of seven rows of "from" and "to".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Final

from django import forms
from django.http import QueryDict
from django.utils import timezone

from probation.core.errors import InvalidInput
from probation.core.forms import AsciiIntegerField, FreeTextField, GovukDateField, radio_choice
from probation.core.limits import DatePolicy, check_ascii_digits
from probation.courts.models import Requirement
from probation.monitoring.models import DeviceKind, DeviceState, ZoneKind
from probation.monitoring.services import (
    CONDITION_MAX,
    MAX_CURFEW_BUFFER_M,
    MIN_CURFEW_BUFFER_M,
    WEEKDAYS,
    ZONE_NAME_MAX,
)
from probation.people.forms import CaseChangeForm
from probation.rules import geo

#: Dates an order may be typed with; the services apply the exact bounds (the sentence's).
ORDER_DATES: Final = DatePolicy("order dates", earliest=dt.date(2000, 1, 1), years_ahead=10)
#: Pasted GeoJSON: generous for a drawn zone, far below what would load the server.
GEOJSON_MAX: Final = 200_000
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_NUMBER = re.compile(r"^[+-]?\d{1,3}(\.\d{1,10})?$")


class TimeField(forms.CharField):
    """A time of day typed as 24-hour "19:00" (or "19.00"), digits 0 to 9 only."""

    def __init__(self, *, called: str = "the time", **kwargs: Any) -> None:
        self.called = called
        kwargs.setdefault("max_length", 5)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "error_messages", {"max_length": f"Enter {called} as a 24-hour time, like 19:00"}
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> dt.time | None:
        text = super().clean(value)
        if not text:
            return None
        match = _TIME.match(text) if text.isascii() else None
        if match is None:
            raise forms.ValidationError(f"Enter {self.called} as a 24-hour time, like 19:00")
        return dt.time(int(match.group(1)), int(match.group(2)))


class CoordinateField(forms.CharField):
    """A latitude or longitude in decimal degrees, like 53.4084 or -2.9916."""

    def __init__(self, *, called: str, **kwargs: Any) -> None:
        self.called = called
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "error_messages", {"max_length": f"Enter the {called} in degrees, like 53.4084"}
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> float | None:
        text = super().clean(value)
        if not text:
            return None
        if not text.isascii() or not _NUMBER.match(text):
            raise forms.ValidationError(
                f"Enter the {self.called} in decimal degrees, like 53.4084 or -2.9916"
            )
        return float(text)


def _metres(label: str, *, minimum: int, maximum: int, initial: int | None = None) -> Any:
    return AsciiIntegerField(
        label=label,
        min_value=minimum,
        max_value=maximum,
        initial=initial,
        required=initial is None,
        error_messages={
            "required": f"Enter the {label.lower().split(' (')[0]} in metres",
            "invalid": f"Enter the {label.lower().split(' (')[0]} as a whole number of metres",
            "min_value": f"The {label.lower().split(' (')[0]} must be at least {minimum:,} metres",
            "max_value": f"The {label.lower().split(' (')[0]} must be at most {maximum:,} metres",
        },
    )


class WeekTableMixin:
    """Seven rows of "from" and "to" (``from_0`` … ``to_6``, Monday first); a row left empty has
    no window. A "to" at or before its "from" runs past midnight."""

    cleaned_data: dict[str, Any]
    fields: dict[str, Any]

    def add_week_fields(self) -> None:
        for day, name in enumerate(WEEKDAYS):
            self.fields[f"from_{day}"] = TimeField(label=f"{name} from", called=f"the {name} start")
            self.fields[f"to_{day}"] = TimeField(label=f"{name} to", called=f"the {name} end")

    def week_rows(self) -> list[dict[str, Any]]:
        """The table's rows, for the template."""
        form: Any = self
        return [
            {"day": name, "cells": [form[f"from_{day}"], form[f"to_{day}"]]}
            for day, name in enumerate(WEEKDAYS)
        ]

    def check_week(self) -> None:
        form: Any = self
        for day, name in enumerate(WEEKDAYS):
            starts = self.cleaned_data.get(f"from_{day}")
            ends = self.cleaned_data.get(f"to_{day}")
            if (starts is None) != (ends is None) and not (
                form.has_error(f"from_{day}") or form.has_error(f"to_{day}")
            ):
                missing = f"to_{day}" if ends is None else f"from_{day}"
                form.add_error(missing, f"Enter both times for {name}, or neither")

    def windows(self) -> list[tuple[int, dt.time, dt.time]]:
        found = []
        for day in range(7):
            starts = self.cleaned_data.get(f"from_{day}")
            ends = self.cleaned_data.get(f"to_{day}")
            if starts is not None and ends is not None:
                found.append((day, starts, ends))
        return found


def requirement_choice(requirement: Requirement) -> str:
    sentence = requirement.sentence
    amount = f" ({requirement.amount} {requirement.unit})" if requirement.amount else ""
    return (
        f"{requirement.get_kind_display()} requirement{amount} of the "
        f"{sentence.get_disposal_display().lower()} of {sentence.sentence_date.day} "
        f"{sentence.sentence_date:%B %Y}"
    )


class OrderForm(WeekTableMixin, CaseChangeForm):
    """Make an EM order: what it enforces, its dates, the curfew location and the weekly
    windows, and what else is monitored."""

    enforces = forms.ChoiceField(
        label="What does the order enforce?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what the order enforces",
            "invalid_choice": "Choose what the order enforces",
        },
    )
    condition = FreeTextField(
        label="The words of the condition",
        max_length=CONDITION_MAX,
        rows=3,
        called="The condition",
    )
    starts_on = GovukDateField(
        label="Start date", label_for_errors="the start date", policy=ORDER_DATES
    )
    ends_on = GovukDateField(label="End date", label_for_errors="the end date", policy=ORDER_DATES)
    curfew_latitude = CoordinateField(label="Latitude", called="latitude")
    curfew_longitude = CoordinateField(label="Longitude", called="longitude")
    curfew_address = forms.TypedChoiceField(
        label="Curfew address (optional)",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose one of this person's addresses"},
    )
    curfew_buffer_m = _metres(
        "Buffer around the curfew address (metres)",
        minimum=MIN_CURFEW_BUFFER_M,
        maximum=MAX_CURFEW_BUFFER_M,
        initial=50,
    )
    trail_monitoring = forms.BooleanField(label="Trail monitoring (GPS)", required=False)
    alcohol_monitoring = forms.BooleanField(label="Alcohol monitoring", required=False)

    def __init__(
        self,
        *args: Any,
        requirements: list[Requirement],
        addresses: list[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.requirements = {f"requirement-{r.pk}": r for r in requirements}
        enforces: Any = self.fields["enforces"]
        enforces.choices = [
            *((key, requirement_choice(r)) for key, r in self.requirements.items()),
            ("licence_condition", "A licence condition"),
            ("bail_condition", "A bail condition"),
        ]
        address: Any = self.fields["curfew_address"]
        address.choices = [("", "None chosen"), *((a.pk, str(a)) for a in addresses)]
        self.add_week_fields()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("curfew_buffer_m") is None and not self.has_error("curfew_buffer_m"):
            data["curfew_buffer_m"] = 50
        self.check_week()
        return data

    def source(self) -> tuple[str, Requirement | None]:
        choice = self.cleaned_data["enforces"]
        if choice in self.requirements:
            return "requirement", self.requirements[choice]
        return choice, None


class OrderChangeForm(forms.Form):
    """Hidden fields every form that changes an order carries: the order version it was shown,
    and a one-use submission token."""

    order_version = AsciiIntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1
    )
    submission_token = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=64, strip=True
    )

    def change_guards(self) -> dict[str, Any]:
        return {
            "expected_version": self.cleaned_data.get("order_version"),
            "submission_token": self.cleaned_data.get("submission_token") or "",
        }

    def show_current_version(self, version: int) -> None:
        """After a conflict: keep what the user entered, but carry the order version now
        current, so that sending the form again (having checked the order) goes through."""
        data = QueryDict(mutable=True)
        for key in self.data:
            data.setlist(
                key, self.data.getlist(key) if hasattr(self.data, "getlist") else [self.data[key]]
            )
        data[self.add_prefix("order_version")] = str(version)
        self.data = data


class CurfewForm(WeekTableMixin, OrderChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_week_fields()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.check_week()
        return data


class _ZoneForm(WeekTableMixin, OrderChangeForm):
    kind = radio_choice("Kind of zone", ZoneKind.choices, "Choose the kind of zone")
    name = FreeTextField(
        label="Name of the zone",
        max_length=ZONE_NAME_MAX,
        required=True,
        required_message="Enter the name of the zone",
    )
    buffer_m = _metres("Buffer (metres)", minimum=0, maximum=int(geo.MAX_BUFFER_M), initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_week_fields()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("buffer_m") is None and not self.has_error("buffer_m"):
            data["buffer_m"] = 0
        self.check_week()
        return data


class GeoJsonZoneForm(_ZoneForm):
    geojson = FreeTextField(
        label="GeoJSON",
        max_length=GEOJSON_MAX,
        required=True,
        required_message="Paste the zone as GeoJSON",
        rows=8,
    )

    def zone_geojson(self) -> str:
        return str(self.cleaned_data["geojson"])


class CircleZoneForm(_ZoneForm):
    latitude = CoordinateField(
        label="Latitude of the centre",
        called="latitude",
        required=True,
        error_messages={"required": "Enter the latitude of the centre"},
    )
    longitude = CoordinateField(
        label="Longitude of the centre",
        called="longitude",
        required=True,
        error_messages={"required": "Enter the longitude of the centre"},
    )
    radius_m = _metres("Radius (metres)", minimum=1, maximum=int(geo.MAX_ZONE_RADIUS_M))

    def zone_geojson(self) -> dict[str, Any]:
        """The circle as a GeoJSON Feature: a Point with its radius."""
        data = self.cleaned_data
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [data["longitude"], data["latitude"]]},
            "properties": {"radius_m": data["radius_m"]},
        }


class ProximityForm(OrderChangeForm):
    """Protect a victim: their own device (by serial number) or a fixed place, with an
    exclusion radius and a hysteresis margin."""

    victim_device = forms.CharField(
        label="Serial number of the victim's device",
        required=False,
        max_length=40,
        error_messages={"max_length": "The serial number must be 40 characters or fewer"},
    )
    latitude = CoordinateField(label="Latitude of the place", called="latitude")
    longitude = CoordinateField(label="Longitude of the place", called="longitude")
    radius_m = _metres("Exclusion radius (metres)", minimum=1, maximum=int(geo.MAX_ZONE_RADIUS_M))
    hysteresis_m = _metres("Hysteresis (metres)", minimum=0, maximum=5000, initial=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("hysteresis_m") is None and not self.has_error("hysteresis_m"):
            data["hysteresis_m"] = 100
        data["victim_device"] = str(data.get("victim_device") or "").strip().upper()
        return data


class EndOrderForm(OrderChangeForm):
    on = GovukDateField(
        label="Last day of the order", label_for_errors="the last day", policy=ORDER_DATES
    )


class ZoneRemoveForm(OrderChangeForm):
    zone = AsciiIntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


# -- devices ----------------------------------------------------------------------------------


class DeviceStepForm(forms.Form):
    """A device step: when it happened (not for a return to stock), and the order to fit to."""

    device_version = AsciiIntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1
    )
    day = GovukDateField(
        label="Date", label_for_errors="the date", policy=ORDER_DATES, required=False
    )
    time = TimeField(label="Time", called="the time")
    order = AsciiIntegerField(
        label="EM order number",
        required=False,
        min_value=1,
        max_value=2**62,
        error_messages={
            "invalid": "Enter the EM order number, like 1042",
            "min_value": "Enter the EM order number, like 1042",
            "max_value": "Enter the EM order number, like 1042",
        },
    )

    def __init__(self, *args: Any, step: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step = step

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.step != "return_to_stock":
            if data.get("day") is None and not self.has_error("day"):
                self.add_error("day", "Enter the date it happened")
            if data.get("time") is None and not self.has_error("time"):
                self.add_error("time", "Enter the time it happened, like 14:30")
        if self.step == "fit" and data.get("order") is None and not self.has_error("order"):
            self.add_error("order", "Enter the EM order number, like 1042")
        return data

    def at(self) -> dt.datetime | None:
        day, time = self.cleaned_data.get("day"), self.cleaned_data.get("time")
        if day is None or time is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day, time))


class DeviceAddForm(forms.Form):
    serial = forms.CharField(
        label="Serial number",
        max_length=40,
        error_messages={
            "required": "Enter the serial number",
            "max_length": "The serial number must be 40 characters or fewer",
        },
    )
    kind = radio_choice("Kind of device", DeviceKind.choices, "Choose the kind of device")

    def clean_serial(self) -> str:
        serial = str(self.cleaned_data["serial"])
        try:
            check_ascii_digits(serial, field="serial", label="the serial number")
        except InvalidInput as error:
            raise forms.ValidationError(error.message) from None
        return serial


class DeviceFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "All states"), *DeviceState.choices],
        error_messages={"invalid_choice": "Choose a state from the list"},
    )
