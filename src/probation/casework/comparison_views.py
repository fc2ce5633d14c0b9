"""Pages of the comparison journey (issue: allocation): the contract manager's home and the
comparison of a proposed sift policy with the current decisions (``docs/domain/allocation.md``
§1, ``docs/adr/0015-policy-comparison.md``); their URLs are listed at the bottom and included by
``probation/casework/urls.py``.

Both pages show figures, never a case: they are not scoped by case visibility but by role.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from probation.allocation.comparison import (
    POLICY_MAX_CHARS,
    REASON_LABELS,
    area_caseloads,
    compare_policy,
    comparison_audited,
    may_compare,
    parse_policy,
)
from probation.core.errors import InvalidInput
from probation.people.access import role_refused
from probation.performance.statement_selectors import contract_overview
from probation.rules.allocation import DEFAULT_POLICY
from probation.workforce.models import RoleCode

#: Characters a pasted policy may hold besides the printable ones: JSON's whitespace.
_WHITESPACE = frozenset("\t\n\r")


class PolicyForm(forms.Form):
    """A proposed policy pasted as JSON. The policy's own checks name the field at fault."""

    policy = forms.CharField(
        label="Proposed policy (JSON)",
        strip=False,
        error_messages={"required": "Enter the proposed policy as JSON"},
    )

    def clean_policy(self) -> Any:
        text: str = self.cleaned_data["policy"]
        if len(text) > POLICY_MAX_CHARS:
            raise ValidationError(
                f"The policy must be {POLICY_MAX_CHARS:,} characters or fewer "
                f"(it has {len(text):,})"
            )
        if any(ord(ch) < 32 and ch not in _WHITESPACE for ch in text):
            raise ValidationError("The policy must not contain control characters")
        try:
            return parse_policy(text)
        except InvalidInput as error:
            raise ValidationError(f"The policy is not valid: {error.message}") from None


def _default_policy_text() -> str:
    return json.dumps(DEFAULT_POLICY.to_dict(), indent=2)


@login_required
def contract_home(request: HttpRequest) -> HttpResponse:
    """The contract manager's home: their contract areas' caseloads, the payment-by-results
    results of the latest final and provisional quarters with links to the statements, the
    indicators and the public pages, and the policy comparison."""
    user: Any = request.user
    if not user.has_role(RoleCode.CONTRACT_MANAGER):
        role_refused(user=user, page="contracts home", path=request.path)
        raise PermissionDenied
    return render(
        request,
        "casework/comparison/contract_home.html",
        {
            "areas": area_caseloads(for_user=user),
            "may_compare": may_compare(user),
            "overview": contract_overview(for_user=user),
        },
    )


@login_required
def policy_compare(request: HttpRequest) -> HttpResponse:
    """Run a proposed policy over every active case and show what would move and why. Changes
    nothing; each run is audited once (``POLICY_COMPARED``)."""
    user: Any = request.user
    if not may_compare(user):
        role_refused(user=user, page="compare a sift policy", path=request.path)
        raise PermissionDenied
    form = PolicyForm(request.POST or None, initial={"policy": _default_policy_text()})
    result = None
    if request.method == "POST" and form.is_valid():
        result = compare_policy(form.cleaned_data["policy"])
        comparison_audited(by_user=user, result=result, source="page", path=request.path)
    return render(
        request,
        "casework/comparison/policy_compare.html",
        {
            "form": form,
            "result": result,
            "labels": REASON_LABELS,
            "max_chars": POLICY_MAX_CHARS,
        },
    )


urlpatterns: list[URLPattern] = [
    path("contracts/", contract_home, name="contract-home"),
    path("allocation/compare/", policy_compare, name="policy-compare"),
]
