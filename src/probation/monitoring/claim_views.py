"""Provider claims (``docs/domain/electronic-monitoring.md``, "Billing"): the list and the
contract managers' monthly totals, the upload page for the provider's monitoring operators, and
each claim's reconciliation statement (page and CSV) listing every rejected day with its
reasons. URLs in ``monitoring/claim_urls.py``; who may do what in ``claim_selectors``.

Thin: each view checks the role, asks a selector or the service and renders. Anyone else is
refused (``ROLE_REFUSED`` audited, 403); a claim that does not exist or that the user may not
read is 404. A claim names devices and days, not people, so no CRN is listed or audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, Final

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from probation.core.errors import DomainError
from probation.monitoring import claim_selectors as selectors
from probation.monitoring.claim_files import MAX_CLAIM_BYTES
from probation.monitoring.claim_services import claim_reconcile
from probation.monitoring.models import ProviderClaim
from probation.people.access import role_refused

#: Rejected days a page of the statement.
PAGE_SIZE: Final = 100
MAX_PAGE: Final = 100_000


def _month_choices(today: dt.date) -> list[tuple[str, str]]:
    months = [today.replace(day=1), *selectors.recent_months(today)]
    return [(f"{m:%Y-%m}", f"{m:%B %Y}") for m in months]


class ClaimUploadForm(forms.Form):
    month = forms.ChoiceField(
        label="Month claimed",
        error_messages={
            "required": "Choose the month claimed",
            "invalid_choice": "Choose a month from the list",
        },
    )
    claim_file = forms.FileField(
        label="Claim file (CSV)",
        error_messages={
            "required": "Choose the claim file",
            "empty": "The claim file is empty",
            "invalid": "Choose the claim file",
        },
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        month_field: Any = self.fields["month"]
        month_field.choices = _month_choices(today)
        if not self.is_bound:
            self.initial["month"] = month_field.choices[1][0]

    def clean_claim_file(self) -> Any:
        upload = self.cleaned_data["claim_file"]
        if upload.size > MAX_CLAIM_BYTES:
            raise forms.ValidationError(
                f"The claim file must be smaller than {MAX_CLAIM_BYTES // 2**20} MB"
            )
        return upload

    def month_claimed(self) -> dt.date:
        return dt.date.fromisoformat(self.cleaned_data["month"] + "-01")


#: Room in a request for the form's other fields and the multipart framing.
UPLOAD_SLACK: Final = 64 * 1024


def _declared_length(request: HttpRequest) -> int:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 15 else 0


def _reader(request: HttpRequest, page: str) -> Any:
    user: Any = request.user
    if not selectors.may_read_claims(user):
        role_refused(user=user, page=page, path=request.path)
        raise PermissionDenied
    return user


def _claim(user: Any, claim_id: int) -> ProviderClaim:
    claim = selectors.claim_for(for_user=user, claim_id=claim_id)
    if claim is None:
        raise Http404("No such claim")
    return claim


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1
    return min(max(number, 1), MAX_PAGE)


@login_required
def claims_page(request: HttpRequest) -> HttpResponse:
    """The claims the user may read, newest month first; for contract managers, each
    provider's monthly totals (billable by the ledger, claimed, accepted, rejected)."""
    user = _reader(request, "monitoring claims")
    today = timezone.localdate()
    claims = Paginator(selectors.claims_visible_to(user), 50).get_page(_page_number(request))
    return render(
        request,
        "monitoring/claims/list.html",
        {
            "claims": claims,
            "totals": selectors.monthly_totals(
                for_user=user, months=selectors.recent_months(today, 3)
            ),
            "may_upload": selectors.may_upload_claims(user),
            "may_read_all": selectors.may_read_all_claims(user),
        },
    )


@login_required
def claim_upload(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not selectors.may_upload_claims(user):
        role_refused(user=user, page="upload a monitoring claim", path=request.path)
        raise PermissionDenied
    today = timezone.localdate()
    if request.method == "POST" and _declared_length(request) > MAX_CLAIM_BYTES + UPLOAD_SLACK:
        # Refused before the body is read: Django would otherwise spool it all to disk first.
        form = ClaimUploadForm(today=today)
        form.cleaned_data = {}  # an unbound form has none; add_error needs it
        form.add_error(
            "claim_file", f"The claim file must be smaller than {MAX_CLAIM_BYTES // 2**20} MB"
        )
        return render(request, "monitoring/claims/upload.html", {"form": form}, status=413)
    form = ClaimUploadForm(request.POST or None, request.FILES or None, today=today)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["claim_file"]
        try:
            claim = claim_reconcile(
                provider=user.organisation,
                month=form.month_claimed(),
                csv_bytes=upload.read(MAX_CLAIM_BYTES + 1),
                file_name=str(upload.name or "claim.csv"),
                by_user=user,
            )
        except DomainError as error:
            form.add_error("claim_file", error.message)
        else:
            messages.success(
                request,
                f"Claim reconciled: {claim.days_accepted:,} of {claim.days_claimed:,} "
                "device-days accepted.",
            )
            return redirect("monitoring:claim", claim_id=claim.pk)
    return render(request, "monitoring/claims/upload.html", {"form": form})


@login_required
def claim_page(request: HttpRequest, claim_id: int) -> HttpResponse:
    """The reconciliation statement: the totals, then every rejected day with its reasons."""
    user = _reader(request, "monitoring claim")
    claim = _claim(user, claim_id)
    page = Paginator(selectors.rejected_days(claim), PAGE_SIZE).get_page(_page_number(request))
    return render(request, "monitoring/claims/claim.html", {"claim": claim, "page": page})


def _cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
def claim_csv(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Every rejected day of the claim, one a row, with its reasons joined."""
    user = _reader(request, "monitoring claim (CSV)")
    claim = _claim(user, claim_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["line", "device_serial", "day", "reasons"])
    for day in selectors.rejected_days(claim).iterator(chunk_size=5_000):
        writer.writerow(
            [day.line, _cell(day.device_serial), day.day.isoformat(), _cell(" ".join(day.reasons))]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"claim-{claim.pk}-{claim.month:%Y-%m}-rejected.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
