"""The gaming indicators page for contract managers and auditors
(``docs/domain/reoffending-and-payment.md``, "Indicators of gaming"; URL in
``performance/indicator_urls.py``).

Thin: the view checks the role, reads the quarter asked for (``?quarter=2025Q1``, else the newest
quarter run), asks ``indicator_selectors`` and renders. Anyone else is refused as the contract
manager's home refuses (``ROLE_REFUSED`` audited, 403). A quarter that is not one of those run is
shown as a GOV.UK error on the picker (400), never a server error. The page shows figures per
contract area, never a person, so reading it is not a case read.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from probation.people.access import role_refused
from probation.performance.indicator_selectors import (
    indicator_table,
    kind_columns,
    latest_run,
    may_read_indicators,
    quarters_run,
)


class QuarterForm(forms.Form):
    """The quarter picker: one of the quarters that have a finished run."""

    quarter = forms.ChoiceField(
        label="Quarter",
        error_messages={
            "required": "Select a quarter",
            "invalid_choice": "Select a quarter that has been run, for example 2025Q1",
        },
    )

    def __init__(self, *args: Any, quarters: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["quarter"]
        field.choices = [(q, q) for q in quarters]


@login_required
def indicators_page(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not may_read_indicators(user):
        role_refused(user=user, page="gaming indicators", path=request.path)
        raise PermissionDenied
    quarters = quarters_run()
    asked = "quarter" in request.GET
    form = QuarterForm(
        request.GET if asked else None,
        quarters=quarters,
        initial={"quarter": quarters[0] if quarters else ""},
    )
    run = None
    if asked and form.is_valid():
        run = latest_run(form.cleaned_data["quarter"])
    elif not asked and quarters:
        run = latest_run(quarters[0])
    return render(
        request,
        "performance/indicators/indicators.html",
        {
            "form": form,
            "quarters": quarters,
            "run": run,
            "columns": kind_columns(),
            "areas": indicator_table(run=run, for_user=user) if run is not None else [],
        },
        status=400 if asked and not form.is_valid() else 200,
    )
