"""The case overview's supervision and enforcement sections (issue: supervision and
enforcement): the next appointment and links to the contact log, booking, the sentence plan and
reminders; progress on unpaid work and rehabilitation activity; the licence and post-sentence
supervision period; and the case's warnings, breach referrals, recalls and serious further
offences with their states, so that both sides of the NPS/CRC boundary see where each stands.

Reads only, from the owning apps' selectors; the partials are those apps' own.
"""

from __future__ import annotations

from typing import Any

from probation.casework.plan_views import overview_plan
from probation.enforcement.recall_selectors import (
    case_recalls,
    may_request_recall,
    supervision_period_panel,
)
from probation.enforcement.selectors import case_breaches, case_warnings
from probation.enforcement.sfo_selectors import case_sfos, may_notify_sfo
from probation.people.models import Case
from probation.supervision.selectors import next_appointments, requirement_progress


def overview_supervision(case: Case, *, for_user: Any) -> dict[str, Any]:
    """The context the case overview's supervision sections need."""
    return {
        "next_appointment": next_appointments([case.pk]).get(case.pk),
        "progress": requirement_progress(case),
        "supervision_period": supervision_period_panel(case),
        "warnings": case_warnings(case),
        "breaches": case_breaches(case),
        "recalls": case_recalls(case),
        "sfos": case_sfos(case),
        "may_request_recall": may_request_recall(for_user, case),
        "may_notify_sfo": may_notify_sfo(for_user, case),
        **overview_plan(case, for_user=for_user),
    }
