"""Every change to a case starts here: one transaction, the case row locked, its version moved on.

Two people changing the same case at once are serialised by the row lock, so neither change is
lost to a race (two assessments adding the same registration ended in a 500 before). A form
carries the case version it was shown (``expected_version``): if someone else changed the case
in between, the change is refused with a plain message and the form, with everything the user
entered, is shown again. A form's one-use token (``submission_token``) makes a double POST
record once.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from probation.core.errors import Conflict
from probation.core.submissions import claim_submission
from probation.people.models import Case
from probation.people.selectors import ensure_case_visible

CHANGED_MEANWHILE = (
    "Someone else changed this case while you were working on it. Check the case, then submit "
    "again: what you entered has been kept."
)


def begin_case_change(
    *, case: Case, by_user: Any, expected_version: int | None = None, submission_token: str = ""
) -> Case:
    """Claim the submission, lock the case row and move its version on; return the locked case.

    Call first thing inside a service's ``transaction.atomic``.
    """
    claim_submission(user=by_user, token=submission_token)
    locked = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(CHANGED_MEANWHILE)
    locked.version += 1
    Case.objects.filter(pk=locked.pk).update(version=locked.version)
    case.version = locked.version
    return locked


def begin_responsible_change(
    *,
    case: Case,
    by_user: Any,
    allowed: bool,
    refusal: str,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Case:
    """:func:`begin_case_change` for a change only the organisation responsible for the case may
    make: refused (``PermissionDenied(refusal)``) unless ``allowed`` (the caller's check of the
    user's role and organisation) and the case is visible to them, and refused again if, by the
    time its row is locked, the case has moved to another organisation."""
    if not allowed:
        raise PermissionDenied(refusal)
    ensure_case_visible(by_user, case)
    locked = begin_case_change(
        case=case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    if locked.responsible_organisation_id != by_user.organisation_id:
        raise PermissionDenied("The case has moved to another organisation.")
    return locked
