"""The form that assigns a case: the practitioner chosen, the case version and a one-use token."""

from __future__ import annotations

from probation.core.forms import AsciiIntegerField, GovukDateField
from probation.people.forms import CaseChangeForm


class AssignForm(CaseChangeForm):
    """One per eligible practitioner on the choice page; only the hidden guards and the
    practitioner's id are posted."""

    officer = AsciiIntegerField(min_value=1, error_messages={"required": "Choose a practitioner"})


class FirstAppointmentForm(CaseChangeForm):
    """The day the first appointment after allocation was held (one field)."""

    held_on = GovukDateField(
        label="When was the first appointment held?",
        label_for_errors="the date of the first appointment",
    )
