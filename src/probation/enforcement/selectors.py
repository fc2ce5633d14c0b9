"""Reads of warnings and breach referrals, already scoped to what the reader may see
(``docs/domain/enforcement.md``).

The enforcement services read through here too (the warnings on an order, the evidence pack),
so the warning rule is always given the same dates whoever asks: the page that shows the rule's
decision, the service that acts on it and the practitioner's list of failures awaiting action.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models import Case as Conditional
from django.utils import timezone

from probation.core.calendar import bank_holidays_from
from probation.courts.models import Sentence
from probation.enforcement.models import (
    OPEN_BREACH_STATES,
    BreachReferral,
    BreachState,
    WarningLetter,
)
from probation.people.models import Case
from probation.people.selectors import can_read_cases, cases_visible_to
from probation.rules import clocks
from probation.rules.breach import breach_kind
from probation.rules.enforcement import EnforcementAction, on_failure
from probation.supervision.models import FAILURE_OUTCOMES, Contact, Outcome
from probation.workforce.models import OrganisationKind, RoleCode

#: Staff of the responsible organisation who give warnings and make breach referrals.
RESPONSIBLE_STAFF_ROLES = (RoleCode.PRACTITIONER, RoleCode.ALLOCATING_MANAGER)
#: The most contacts an evidence pack lists one by one (the counts cover them all).
EVIDENCE_CONTACTS_MAX = 500


def is_enforcement_officer(user: Any) -> bool:
    """NPS enforcement officers decide breach referrals (``enforcement.md``: only they start
    proceedings)."""
    return bool(
        can_read_cases(user)
        and user.has_role(RoleCode.ENFORCEMENT_OFFICER)
        and user.organisation.kind == OrganisationKind.NPS
    )


def is_responsible_staff(user: Any, case: Case) -> bool:
    """A practitioner or allocating manager of the organisation responsible for ``case``: the
    people who warn and refer (the services decide; pages use this to offer the actions)."""
    return bool(
        can_read_cases(user)
        and user.has_role(*RESPONSIBLE_STAFF_ROLES)
        and user.organisation_id == case.responsible_organisation_id
    )


def failure_on(contact: Contact) -> dt.date:
    """The day of a failure, in Europe/London (legal periods are counted on dates)."""
    return timezone.localdate(contact.starts_at)


def failure_breach_kind(contact: Contact) -> str | None:
    """Which breach the failure can be (``probation.rules.breach.breach_kind``): ``"order"``,
    ``"pss"``, or None (on licence, or not under an order)."""
    sentence = contact.sentence
    if sentence is None:
        return None
    return breach_kind(
        custodial=sentence.is_custodial,
        failure_on=failure_on(contact),
        licence_end=sentence.licence_end,
        supervision_end=sentence.supervision_end,
    )


def warning_dates(sentence: Sentence) -> list[dt.date]:
    """The days warnings were given on ``sentence`` (the warning rule counts the same order
    only)."""
    return list(
        WarningLetter.objects.filter(sentence=sentence)
        .order_by("issued_on")
        .values_list("issued_on", flat=True)
    )


def next_action(contact: Contact) -> EnforcementAction:
    """The warning rule's answer for the failure ``contact``."""
    assert contact.sentence is not None
    return on_failure(failure_date=failure_on(contact), warnings=warning_dates(contact.sentence))


def warning_counted(contact: Contact) -> WarningLetter | None:
    """The latest warning on the failure's order that makes a referral mandatory, if any (given
    before the failure, within the 12 months the rule counts)."""
    assert contact.sentence is not None
    day = failure_on(contact)
    for warning in WarningLetter.objects.filter(
        sentence=contact.sentence, issued_on__lt=day
    ).order_by("-issued_on", "-id"):
        if on_failure(failure_date=day, warnings=[warning.issued_on]).action == "breach_referral":
            return warning
    return None


def failure_dealt_with(contact: Contact) -> str:
    """What has already been done about the failure: "warning", "referral" or ""."""
    if WarningLetter.objects.filter(failure=contact).exists():
        return "warning"
    if BreachReferral.objects.filter(failure=contact).exists():
        return "referral"
    return ""


def open_breach(sentence: Sentence) -> BreachReferral | None:
    """The order's breach referral still open (referred, under review, proceedings started)."""
    return BreachReferral.objects.filter(sentence=sentence, state__in=OPEN_BREACH_STATES).first()


def evidence_pack(*, sentence: Sentence) -> dict[str, Any]:
    """The evidence of a breach referral, as it stands: the failures on the order, the warnings
    and the compliance record (counts by outcome and the recorded contacts). JSON-ready, so it
    is kept on the referral as referred."""
    contacts = list(
        Contact.objects.filter(sentence=sentence)
        .exclude(outcome="")
        .order_by("starts_at", "id")
        .values("id", "starts_at", "contact_type", "outcome", "notes", "absence_reason")
    )
    labels = dict(Outcome.choices)
    counts = Counter(row["outcome"] for row in contacts)

    def row(contact: Any) -> dict[str, Any]:
        return {
            "id": contact["id"],
            "date": timezone.localdate(contact["starts_at"]).isoformat(),
            "contact_type": contact["contact_type"],
            "outcome": contact["outcome"],
            "outcome_label": labels.get(contact["outcome"], contact["outcome"]),
            "notes": contact["notes"][:1000],
            "absence_reason": contact["absence_reason"],
        }

    warnings = WarningLetter.objects.filter(sentence=sentence).order_by("issued_on", "id")
    return {
        "order": {
            "id": sentence.pk,
            "disposal": sentence.get_disposal_display(),
            "sentence_date": sentence.sentence_date.isoformat(),
        },
        "failures": [row(c) for c in contacts if c["outcome"] in FAILURE_OUTCOMES],
        "warnings": [
            {
                "id": w.pk,
                "issued_on": w.issued_on.isoformat(),
                "failure": w.failure_id,
                "letter": w.letter,
            }
            for w in warnings
        ],
        "compliance": {
            "counts": {
                outcome: counts.get(outcome, 0)
                for outcome in Outcome.values
                if outcome != Outcome.AWAITING_JUDGEMENT or counts.get(outcome)
            },
            "by_outcome": [
                {"outcome": outcome, "label": labels[outcome], "count": counts.get(outcome, 0)}
                for outcome in Outcome.values
                if outcome != Outcome.AWAITING_JUDGEMENT or counts.get(outcome)
            ],
            "recorded": len(contacts),
            "contacts": [row(c) for c in contacts[-EVIDENCE_CONTACTS_MAX:]],
        },
    }


# The case's warnings and referrals -----------------------------------------------------------


def contact_of(*, case: Case, contact_id: int) -> Contact | None:
    """The contact ``contact_id`` of a case released to the reader (None if not its)."""
    return (
        Contact.objects.filter(case=case, pk=contact_id)
        .select_related("sentence", "practitioner")
        .first()
    )


def case_warnings(case: Case) -> list[WarningLetter]:
    """The warnings of a case released to the reader, newest first."""
    return list(
        WarningLetter.objects.filter(case=case).select_related("failure", "issued_by", "sentence")
    )


def warning_for(*, case: Case, warning_id: int) -> WarningLetter | None:
    return (
        WarningLetter.objects.filter(case=case, pk=warning_id)
        .select_related("failure", "issued_by", "sentence", "case__person")
        .first()
    )


_BREACH_RELATED = (
    "failure",
    "warning",
    "sentence",
    "new_sentence",
    "from_organisation",
    "referred_by",
    "reviewer",
    "outcome_recorded_by",
)


def case_breaches(case: Case) -> list[BreachReferral]:
    """The breach referrals of a case released to the reader, newest first."""
    return list(BreachReferral.objects.filter(case=case).select_related(*_BREACH_RELATED))


def breach_for(*, case: Case, breach_id: int) -> BreachReferral | None:
    return (
        BreachReferral.objects.filter(case=case, pk=breach_id)
        .select_related(*_BREACH_RELATED)
        .first()
    )


# The enforcement officer's queue -------------------------------------------------------------


def _overdue(today: dt.date) -> Conditional:
    return Conditional(
        When(
            state__in=[BreachState.REFERRED, BreachState.UNDER_REVIEW],
            review_due_on__lt=today,
            then=Value(True),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )


def breach_queue(*, for_user: Any, today: dt.date | None = None) -> QuerySet[BreachReferral]:
    """The open breach referrals of the cases ``for_user`` may see, for an NPS enforcement
    officer: the overdue first (a decision past its due day), then the decision due soonest,
    then the oldest referral. Each carries ``is_overdue``. Empty for anyone else."""
    if not is_enforcement_officer(for_user):
        return BreachReferral.objects.none()
    today = timezone.localdate() if today is None else today
    return (
        BreachReferral.objects.filter(
            state__in=OPEN_BREACH_STATES, case__in=cases_visible_to(for_user)
        )
        .select_related("case__person", "from_organisation", "referred_by", "reviewer", "failure")
        .annotate(is_overdue=_overdue(today))
        .order_by("-is_overdue", "review_due_on", "referred_at", "pk")
    )


def breach_queue_counts(queue: QuerySet[BreachReferral]) -> dict[str, int]:
    """How many referrals the queue holds, how many are overdue, under review and in court:
    one query."""
    counts = queue.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(is_overdue=True)),
        under_review=Count("pk", filter=Q(state=BreachState.UNDER_REVIEW)),
        in_court=Count("pk", filter=Q(state=BreachState.PROCEEDINGS_STARTED)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


# Failures awaiting a decision ----------------------------------------------------------------


@dataclass(frozen=True)
class FailureAwaitingAction:
    """A failure with no warning and no referral yet, and what the warning rule says is next.

    ``referral_due_on`` is the day a breach referral is due (10 working days after the
    failure) when the rule makes one mandatory; ``kind`` the breach it would be (None: on
    licence, where a recall request is the route)."""

    contact: Contact
    failure_on: dt.date
    action: EnforcementAction
    kind: str | None
    referral_due_on: dt.date | None
    is_overdue: bool


def _failures_without_action(cases: QuerySet[Case]) -> QuerySet[Contact]:
    return (
        Contact.objects.filter(case__in=cases, outcome__in=FAILURE_OUTCOMES, sentence__isnull=False)
        .filter(
            ~Exists(WarningLetter.objects.filter(failure=OuterRef("pk"))),
            ~Exists(BreachReferral.objects.filter(failure=OuterRef("pk"))),
            # While an order's breach is open, a further failure is evidence for the court
            # hearing it, not a new warning or referral (ADR 0018).
            ~Exists(
                BreachReferral.objects.filter(
                    sentence=OuterRef("sentence"), state__in=OPEN_BREACH_STATES
                )
            ),
        )
        .select_related("case__person", "sentence")
        .order_by("starts_at", "id")
    )


def _with_next_action(contacts: Iterable[Contact], today: dt.date) -> list[FailureAwaitingAction]:
    """Each failure with the rule's answer: one query for all the warnings of their orders."""
    contacts = list(contacts)
    dates: dict[int, list[dt.date]] = defaultdict(list)
    for sentence_id, issued_on in WarningLetter.objects.filter(
        sentence_id__in={c.sentence_id for c in contacts}
    ).values_list("sentence_id", "issued_on"):
        dates[sentence_id].append(issued_on)
    result = []
    for contact in contacts:
        day = failure_on(contact)
        assert contact.sentence_id is not None
        action = on_failure(failure_date=day, warnings=dates[contact.sentence_id])
        due = (
            clocks.breach_referral_due(failure_on=day, holidays=bank_holidays_from(day))
            if action.action == "breach_referral"
            else None
        )
        result.append(
            FailureAwaitingAction(
                contact=contact,
                failure_on=day,
                action=action,
                kind=failure_breach_kind(contact),
                referral_due_on=due,
                is_overdue=due is not None and due < today,
            )
        )
    return result


def failures_awaiting_action(
    *, for_user: Any, today: dt.date | None = None, limit: int = 200
) -> list[FailureAwaitingAction]:
    """The failures on the cases ``for_user`` supervises (as responsible officer) that have no
    warning and no breach referral yet, oldest first, each with the warning rule's next action
    and, for a mandatory referral, its due day. At most ``limit``."""
    if not (can_read_cases(for_user) and for_user.has_role(*RESPONSIBLE_STAFF_ROLES)):
        return []
    today = timezone.localdate() if today is None else today
    own = cases_visible_to(for_user).filter(responsible_officer=for_user)
    return failures_awaiting_action_on(
        case_ids=list(own.values_list("pk", flat=True)), today=today, limit=limit
    )


def failures_awaiting_action_on(
    *, case_ids: list[int], today: dt.date, limit: int = 200
) -> list[FailureAwaitingAction]:
    """:func:`failures_awaiting_action` on cases the caller has already scoped to its user (the
    to-do list reads the caseload once for all its sections)."""
    return _with_next_action(_own_failures_without_action(case_ids)[:limit], today)


def _own_failures_without_action(case_ids: list[int]) -> list[Contact]:
    """:func:`_failures_without_action` for one caseload, in a few simple queries: on ten million
    contacts PostgreSQL plans each of these in a fraction of a millisecond, where the one query
    with its three NOT EXISTS took ten to plan, on every visit to the to-do list."""
    rows = list(
        Contact.objects.filter(
            case_id__in=case_ids, outcome__in=FAILURE_OUTCOMES, sentence__isnull=False
        ).values_list("pk", "sentence_id")
    )
    if not rows:
        return []
    ids = [pk for pk, _ in rows]
    warned = (
        WarningLetter.objects.filter(failure_id__in=ids)
        .order_by()
        .values_list("failure_id", flat=True)
    )
    referred = (
        BreachReferral.objects.filter(failure_id__in=ids).order_by().values_list("failure_id")
    )
    acted = set(warned.union(referred))
    in_breach = set(
        BreachReferral.objects.filter(
            sentence_id__in={sentence for _, sentence in rows}, state__in=OPEN_BREACH_STATES
        ).values_list("sentence_id", flat=True)
    )
    waiting = [pk for pk, sentence in rows if pk not in acted and sentence not in in_breach]
    if not waiting:
        return []
    return list(
        Contact.objects.filter(pk__in=waiting)
        .select_related("case__person", "sentence")
        .order_by("starts_at", "id")
    )


def enforcement_counts(*, for_user: Any, today: dt.date | None = None) -> dict[str, int]:
    """For an allocating manager, across the cases their organisation holds: failures awaiting
    a warning or referral, how many of those need a referral that is now overdue, the open breach
    referrals and the referrals made after their due day. Empty for anyone else."""
    if not (can_read_cases(for_user) and for_user.has_role(RoleCode.ALLOCATING_MANAGER)):
        return {}
    today = timezone.localdate() if today is None else today
    cases = cases_visible_to(for_user).filter(responsible_organisation_id=for_user.organisation_id)
    awaiting = _with_next_action(_failures_without_action(cases), today)
    referrals = BreachReferral.objects.filter(case__in=cases).aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_BREACH_STATES)),
        late=Count("pk", filter=Q(referred_at__date__gt=F("due_on"))),
    )
    return {
        "failures_awaiting_action": len(awaiting),
        "referrals_overdue": sum(1 for item in awaiting if item.is_overdue),
        "open_referrals": int(referrals["open"] or 0),
        "referrals_made_late": int(referrals["late"] or 0),
    }
