"""What a page does when a change to a case is refused: the same for every form that changes a
case (probation/people/locking.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from probation.core.errors import AlreadySubmitted, Conflict, DomainError
from probation.people.models import Case
from probation.people.selectors import case_version


def refused_change(
    request: HttpRequest, form: Any, case: Case, error: DomainError
) -> HttpResponse | None:
    """A response for a double submission (back to the case, once), or None with the error
    put on the form: a conflict keeps what the user entered and carries the current version."""
    if isinstance(error, AlreadySubmitted):
        messages.info(request, error.message)
        return redirect("casework:case", crn=case.person.crn)
    if isinstance(error, Conflict):
        form.show_current_version(case_version(case))
    form.add_error(error.field if error.field in form.fields else None, error.message)
    return None
