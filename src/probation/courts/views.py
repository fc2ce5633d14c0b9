"""Recording a sentence (court officers): form → service → redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from probation.core.decorators import case_data_view
from probation.core.errors import CaseNotAvailable, DomainError
from probation.courts.services import SENTENCING_ROLES, sentence_record
from probation.people.selectors import case_for_user
from probation.risk.forms import SentenceForm


@case_data_view
def sentence_new(request: HttpRequest, crn: str) -> HttpResponse:
    try:
        case = case_for_user(user=request.user, crn=crn, path=request.path)
    except CaseNotAvailable as refusal:
        return render(
            request, "people/case_not_available.html", {"message": refusal.message}, status=404
        )
    user: Any = request.user
    if not user.has_role(*SENTENCING_ROLES):
        raise PermissionDenied
    form = SentenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sentence = sentence_record(
                case=case,
                by_user=user,
                disposal=data["disposal"],
                sentence_date=data["sentence_date"],
                length_days=data["length_days"],
                remand_days=data["remand_days"] or 0,
                requirements=[(kind, None) for kind in data["requirements"]],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            note = " Custody dates have been calculated." if sentence.is_custodial else ""
            messages.success(request, f"Sentence recorded.{note}")
            return redirect("people:case", crn=case.person.crn)
    return render(
        request, "courts/sentence_form.html", {"case": case, "person": case.person, "form": form}
    )
