"""Reads of the recall journey (``docs/domain/enforcement.md``, "Licence and post-sentence
supervision"), each scoped to what the reader may see.

Who does what, kept here so that pages and services ask the same question:

- the responsible officer's organisation (NPS or CRC: a practitioner or allocating manager of
  the organisation holding the case) requests a recall;
- an NPS enforcement officer reviews and decides it, and sends it once signed off;
- an NPS allocating manager other than the decider signs the decision off.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import BooleanField, Q, QuerySet, Value, When
from django.db.models.expressions import Case as Conditional
from django.utils import timezone

from probation.courts.models import Sentence
from probation.enforcement.models import OPEN_RECALL_STATES, Recall, RecallState
from probation.people.models import Case
from probation.people.selectors import can_read_cases, cases_visible_to
from probation.risk.selectors import latest_assessment
from probation.rules.custody import CUSTODIAL_DISPOSALS
from probation.rules.recall import (
    FixedTermRecall,
    SupervisionPeriod,
    fixed_term_recall,
    supervision_period,
)
from probation.workforce.models import OrganisationKind, RoleCode

#: Roles of the responsible organisation that may request a recall.
RECALL_REQUESTING_ROLES = (RoleCode.PRACTITIONER, RoleCode.ALLOCATING_MANAGER)
#: States in which the decision clock still runs (a decision is not yet made).
UNDECIDED_RECALL_STATES = (RecallState.REQUESTED, RecallState.UNDER_REVIEW)

_RELATED = ("case__person", "sentence", "from_organisation", "requested_by", "reviewer")


def _is_nps(user: Any) -> bool:
    return bool(
        can_read_cases(user)
        and user.organisation is not None
        and user.organisation.kind == OrganisationKind.NPS
    )


def is_recall_decider(user: Any) -> bool:
    """NPS enforcement officers review, decide and send recalls (``enforcement.md``)."""
    return _is_nps(user) and user.has_role(RoleCode.ENFORCEMENT_OFFICER)


def is_recall_signatory(user: Any) -> bool:
    """NPS allocating managers sign recall decisions off (the manager's sign-off)."""
    return _is_nps(user) and user.has_role(RoleCode.ALLOCATING_MANAGER)


def may_request_recall(user: Any, case: Case) -> bool:
    """Whether ``user`` works for the organisation responsible for ``case`` in a role that
    requests recalls (the service also checks the person is on licence)."""
    return bool(
        can_read_cases(user)
        and user.has_role(*RECALL_REQUESTING_ROLES)
        and user.organisation_id == case.responsible_organisation_id
    )


def latest_custodial_sentence(case: Case) -> Sentence | None:
    """The case's most recent custodial sentence still active: the one whose licence or
    post-sentence supervision the person is serving, if any."""
    return (
        Sentence.objects.filter(case=case, disposal__in=CUSTODIAL_DISPOSALS, status="active")
        .order_by("-sentence_date", "-id")
        .first()
    )


def period_of(sentence: Sentence, *, on: dt.date) -> SupervisionPeriod:
    """The supervision period of a custodial ``sentence`` on day ``on``
    (:func:`probation.rules.recall.supervision_period`)."""
    return supervision_period(
        on=on,
        release_date=sentence.release_date,
        licence_end=sentence.licence_end,
        supervision_end=sentence.supervision_end,
        indeterminate=sentence.disposal == "custody_indeterminate",
    )


def supervision_period_panel(case: Case, *, today: dt.date | None = None) -> dict[str, Any]:
    """The case overview's panel (``casework/recall/_supervision_period.html``): the latest
    custodial sentence, its release, licence and supervision dates, and the period today."""
    today = timezone.localdate() if today is None else today
    sentence = latest_custodial_sentence(case)
    if sentence is None:
        return {"sentence": None, "period": None, "today": today}
    return {"sentence": sentence, "period": period_of(sentence, on=today), "today": today}


def mappa_level_of(case: Case) -> int | None:
    """The MAPPA level on the case's current assessment (``risk.Assessment.mappa_level``)."""
    assessment = latest_assessment(case)
    return assessment.mappa_level if assessment is not None else None


def fixed_term_option(recall: Recall) -> FixedTermRecall:
    """Whether a fixed-term recall may be decided for ``recall``, and why: from its sentence
    and the MAPPA level on the case's current assessment. A recall recorded against a
    sentence that is not custodial (not made by :mod:`recall_services`, which refuses one) is
    answered, not failed: no fixed-term recall."""
    if recall.sentence.disposal not in CUSTODIAL_DISPOSALS:
        return FixedTermRecall(
            False, "A fixed-term recall is only for a custodial sentence: this one is not."
        )
    return fixed_term_recall(
        disposal=recall.sentence.disposal, mappa_level=mappa_level_of(recall.case)
    )


def open_recall(case: Case) -> Recall | None:
    """The case's recall not yet sent (requested, under review or decided), if any."""
    return Recall.objects.filter(case=case, state__in=OPEN_RECALL_STATES).first()


def case_recalls(case: Case) -> list[Recall]:
    """Every recall of a case released to the reader, newest first, with who acted."""
    return list(
        Recall.objects.filter(case=case)
        .select_related(*_RELATED, "decided_by", "signed_off_by", "sent_by")
        .order_by("-requested_at", "-id")
    )


def recall_for(*, case: Case, recall_id: int) -> Recall | None:
    """The recall ``recall_id`` of a case released to the reader (None if not its)."""
    return (
        Recall.objects.filter(case=case, pk=recall_id)
        .select_related(*_RELATED, "decided_by", "signed_off_by", "sent_by")
        .first()
    )


def _with_overdue(recalls: QuerySet[Recall], today: dt.date) -> QuerySet[Recall]:
    return recalls.annotate(
        is_overdue=Conditional(
            When(
                Q(state__in=UNDECIDED_RECALL_STATES, decision_due_on__lt=today),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def recall_queue(*, for_user: Any, today: dt.date | None = None) -> QuerySet[Recall]:
    """The enforcement officers' queue: recalls not yet sent, of the cases ``for_user`` may see,
    the decision due soonest first (so overdue ones lead). Each carries ``is_overdue`` (not
    decided and due before ``today``). Empty for anyone but an NPS enforcement officer."""
    if not is_recall_decider(for_user):
        return Recall.objects.none()
    today = timezone.localdate() if today is None else today
    return _with_overdue(
        Recall.objects.filter(state__in=OPEN_RECALL_STATES, case__in=cases_visible_to(for_user))
        .select_related(*_RELATED, "decided_by", "signed_off_by")
        .order_by("decision_due_on", "requested_at", "pk"),
        today,
    )


def recalls_awaiting_sign_off(*, for_user: Any) -> QuerySet[Recall]:
    """Decided recalls waiting for an NPS manager's sign-off, oldest decision first, without
    those ``for_user`` decided (a manager does not sign off their own decision). Empty for
    anyone but an NPS allocating manager."""
    if not is_recall_signatory(for_user):
        return Recall.objects.none()
    return (
        Recall.objects.filter(
            state=RecallState.DECIDED,
            signed_off_by__isnull=True,
            case__in=cases_visible_to(for_user),
        )
        .exclude(decided_by=for_user)
        .select_related(*_RELATED, "decided_by")
        .order_by("decided_at", "pk")
    )
