"""Reads of appointment reminders: a case's preferences and message log, and who may change them.

The case itself is already released to the reader by the page (``people.access.case_page``) or
checked by the service (``ensure_case_visible``), so these take a case and read only its rows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from probation.people.models import Case, CaseStatus
from probation.supervision.models import ReminderMessage, ReminderPreference
from probation.workforce.models import RoleCode

#: Who records a person's reminder preferences: the staff supervising the case.
REMINDER_CHANGING_ROLES = (RoleCode.PRACTITIONER, RoleCode.ALLOCATING_MANAGER)
#: Who may open a case's reminders page (auditors and enforcement officers read it).
REMINDER_READING_ROLES = (*REMINDER_CHANGING_ROLES, RoleCode.ENFORCEMENT_OFFICER, RoleCode.AUDITOR)


def may_change_reminders(user: Any, case: Case) -> bool:
    """Whether ``user`` may record the reminder preferences of ``case``: a practitioner or
    allocating manager of the organisation responsible for the active case. Others (the NPS
    looking at a CRC's case, an auditor) see the page but do not change it."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.has_role(*REMINDER_CHANGING_ROLES)
        and case.status == CaseStatus.ACTIVE
        and user.organisation_id == case.responsible_organisation_id
    )


def reminder_preference_for(case: Case) -> ReminderPreference | None:
    """The case's recorded preferences, with who recorded them; None if never recorded."""
    return ReminderPreference.objects.select_related("updated_by").filter(case=case).first()


def case_reminder_messages(case: Case) -> QuerySet[ReminderMessage]:
    """Every reminder message of the case, newest first (sent, failed, not sent and queued),
    with the appointment each reminded of (index ``message_case_log``)."""
    return (
        ReminderMessage.objects.filter(case=case)
        .select_related("contact")
        .order_by("-queued_at", "-id")
    )
