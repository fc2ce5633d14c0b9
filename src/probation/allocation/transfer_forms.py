"""The forms of a transfer between contract areas (``docs/adr/0013-transfers.md``): asking for
it, deciding it and withdrawing it. Each carries the case version and a one-use token."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from probation.allocation.services import TRANSFER_REASON_MAX
from probation.contracts.models import ContractArea
from probation.core.forms import radio_choice
from probation.people.forms import CaseChangeForm

#: Characters a reason may hold besides printable ones: line breaks and tabs.
ALLOWED_CONTROLS = frozenset("\n\r\t")


def clean_reason(value: str, *, label: str) -> str:
    """A free-text reason: stripped, at most ``TRANSFER_REASON_MAX`` characters, with line
    breaks allowed but no other control characters."""
    text = (value or "").strip()
    if len(text) > TRANSFER_REASON_MAX:
        raise forms.ValidationError(f"{label} must be {TRANSFER_REASON_MAX} characters or fewer")
    if any(ord(ch) < 32 and ch not in ALLOWED_CONTROLS for ch in text):
        raise forms.ValidationError(f"{label} must not contain control characters")
    return text


def _reason_field(label: str, required: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        widget=forms.Textarea,
        required=False,
        max_length=TRANSFER_REASON_MAX * 2,  # the exact limit is checked after stripping
        error_messages={
            "required": required,
            "max_length": f"The reason must be {TRANSFER_REASON_MAX} characters or fewer",
        },
    )


class TransferRequestForm(CaseChangeForm):
    """Where the person has moved to, and why the case should follow."""

    to_contract_area = forms.TypedChoiceField(
        label="Which contract area has the person moved to?",
        coerce=int,
        error_messages={
            "required": "Select the contract area the person has moved to",
            "invalid_choice": "Select the contract area the person has moved to",
        },
    )
    reason = _reason_field("Why is the case moving?", "Enter why the case is moving")

    def __init__(self, *args: Any, areas: Iterable[ContractArea] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_contract_area"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Select a contract area")] + [
            (str(a.pk), f"{a.name} ({a.code})") for a in areas
        ]

    def clean_reason(self) -> str:
        text = clean_reason(self.cleaned_data.get("reason", ""), label="The reason")
        if not text:
            raise forms.ValidationError("Enter why the case is moving")
        return text


class TransferDecisionForm(CaseChangeForm):
    """Accept, or reject with a reason."""

    decision = radio_choice(
        "Do you accept the case?",
        [("accept", "Accept: the case comes to us"), ("reject", "Reject")],
        "Select whether you accept or reject the transfer",
    )
    reason = _reason_field("Why are you rejecting it?", "Enter why you are rejecting the transfer")

    def clean_reason(self) -> str:
        return clean_reason(self.cleaned_data.get("reason", ""), label="The reason")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("decision") == "reject"
            and not data.get("reason")
            and "reason" not in self.errors
        ):
            self.add_error("reason", "Enter why you are rejecting the transfer")
        return data


class TransferWithdrawForm(CaseChangeForm):
    """Only the hidden guards: the button says what it does."""
