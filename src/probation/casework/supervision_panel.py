"""The case overview's supervision and enforcement sections (issue: supervision and
enforcement): the next appointment and links to the contact log, booking, the sentence plan and
reminders; progress on unpaid work and rehabilitation activity; the licence and post-sentence
supervision period; the case's warnings, breach referrals, recalls and serious further
offences with their states, so that both sides of the NPS/CRC boundary see where each stands; and
its open electronic monitoring alerts, each linked to its evidence.

Reads only, from the owning apps' selectors; the partials are those apps' own.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from probation.casework.plan_views import overview_plan
from probation.enforcement.models import (
    BreachReferral,
    Recall,
    SeriousFurtherOffence,
    WarningLetter,
)
from probation.enforcement.recall_selectors import may_request_recall, supervision_period_panel
from probation.enforcement.sfo_selectors import may_notify_sfo
from probation.monitoring.alert_selectors import alerts_of_case
from probation.people.models import Case
from probation.supervision.models import Contact
from probation.supervision.selectors import requirement_progress


def overview_supervision(case: Case, *, for_user: Any) -> dict[str, Any]:
    """The context the case overview's supervision sections need. The overview is the most read
    page: each list here is one lean query of the fields its table shows (the full records, with
    who acted, are on each record's own page)."""
    return {
        "next_appointment": Contact.objects.filter(
            case=case, outcome="", starts_at__gte=timezone.now()
        )
        .order_by("starts_at", "id")
        .only("starts_at", "contact_type", "location")
        .first(),
        "progress": requirement_progress(case),
        "supervision_period": supervision_period_panel(case),
        "warnings": WarningLetter.objects.filter(case=case)
        .only("issued_on")
        .order_by("-issued_on", "-id"),
        "breaches": BreachReferral.objects.filter(case=case)
        .only("referred_at", "kind", "state", "court_outcome")
        .order_by("-referred_at", "-id"),
        "recalls": Recall.objects.filter(case=case)
        .only("requested_at", "reason", "state", "decision")
        .order_by("-requested_at", "-id"),
        "sfos": SeriousFurtherOffence.objects.filter(case=case)
        .only("charged_on", "offence_description", "state")
        .order_by("-charged_on", "-id"),
        "may_request_recall": may_request_recall(for_user, case),
        "may_notify_sfo": may_notify_sfo(for_user, case),
        "em_alerts": alerts_of_case(for_user=for_user, case_id=case.pk),
        **overview_plan(case, for_user=for_user),
    }
