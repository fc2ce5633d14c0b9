"""The demo world's year of supervision: contacts in every outcome, bookings ahead, diaries
without clashes, unpaid work within the hours ordered, and enforcement that follows the warning
rule (probation/demo/supervision.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.demo.builder import BuildResult
from probation.enforcement.models import BreachReferral, WarningLetter
from probation.enforcement.selectors import failures_awaiting_action
from probation.rules.dates import add_months
from probation.supervision.models import (
    FAILURE_OUTCOMES,
    Contact,
    Outcome,
    ReminderPreference,
    SentencePlan,
)
from probation.workforce.models import User
from tests.demo.worlds import rolled_back_world

pytestmark = pytest.mark.django_db

PEOPLE = 300
# Today: the journeys go through the services, which date what they do by the clock.
AS_OF = timezone.localdate()


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[BuildResult]:
    yield from rolled_back_world(django_db_blocker, people=PEOPLE, as_of=AS_OF)


def test_a_year_of_contacts_in_every_outcome_and_the_next_weeks_booked(world: Any) -> None:
    outcomes = dict(Contact.objects.values_list("outcome").annotate(n=Count("pk")))
    for outcome in Outcome.values:
        assert outcomes.get(outcome, 0) > 0, outcome
    assert outcomes[""] > 0  # booked, still to come
    assert outcomes[Outcome.ATTENDED_COMPLIED] > sum(outcomes.values()) / 2
    today = timezone.make_aware(dt.datetime.combine(AS_OF, dt.time()))
    assert not Contact.objects.filter(outcome="", starts_at__lt=today).exists()
    # the world's day: its appointments are still to record, and later ones still to come
    assert not Contact.objects.filter(starts_at__gte=today).exclude(outcome="").exists()
    assert world.counts["contacts"] == Contact.objects.filter(recorded_by__isnull=True).count()


def test_no_officer_has_two_appointments_at_once(world: Any) -> None:
    clashes = (
        Contact.objects.filter(practitioner__isnull=False)
        .values("practitioner", "starts_at")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not clashes.exists()


def test_unpaid_work_never_exceeds_the_hours_ordered(world: Any) -> None:
    credited = (
        Contact.objects.filter(hours_credited__isnull=False)
        .values("requirement_id", "requirement__amount")
        .annotate(hours=Sum("hours_credited"))
    )
    assert credited
    for row in credited:
        assert row["hours"] <= Decimal(row["requirement__amount"])


def test_only_recent_absences_await_judgement(world: Any) -> None:
    waiting = Contact.objects.filter(outcome=Outcome.AWAITING_JUDGEMENT)
    assert waiting.exists()
    for contact in waiting:
        assert AS_OF - timezone.localdate(contact.starts_at) <= dt.timedelta(days=4)
        assert contact.judgement_due_on > timezone.localdate(contact.starts_at)


def test_enforcement_follows_the_warning_rule(world: Any) -> None:
    assert WarningLetter.objects.exists()
    assert BreachReferral.objects.exists()
    for breach in BreachReferral.objects.select_related("failure"):
        failed_on = timezone.localdate(breach.failure.starts_at)
        warnings = WarningLetter.objects.filter(
            sentence_id=breach.sentence_id, issued_on__lt=failed_on
        ).values_list("issued_on", flat=True)
        assert any(failed_on <= add_months(w, 12) for w in warnings), breach.pk
    for letter in WarningLetter.objects.select_related("failure"):
        assert letter.failure.outcome in FAILURE_OUTCOMES
        assert letter.failure.case_id == letter.case_id


def test_recent_failures_are_left_for_their_officers(world: Any) -> None:
    fortnight = timezone.make_aware(dt.datetime.combine(AS_OF - dt.timedelta(days=14), dt.time()))
    recent = Contact.objects.filter(outcome__in=FAILURE_OUTCOMES, starts_at__gte=fortnight)
    assert recent.exists()
    loaded = WarningLetter.objects.filter(letter__contains="previous case record")
    assert not loaded.filter(failure__in=recent).exists()


def test_the_history_is_audited_per_case(world: Any) -> None:
    cases_with_contacts = Contact.objects.values("case").distinct().count()
    loaded = AuditEvent.objects.filter(
        action=AuditAction.CONTACT_RECORDED, details__source__startswith="Demo world"
    )
    assert loaded.count() == cases_with_contacts


def test_the_demo_signins_find_enforcement_in_every_state(world: Any) -> None:
    made_here = BreachReferral.objects.exclude(evidence__has_key="source")
    states = set(made_here.values_list("state", flat=True))
    assert states == {
        "referred",
        "under_review",
        "proceedings_started",
        "returned",
        "court_outcome_recorded",
    }
    decided = made_here.get(state="court_outcome_recorded")
    assert decided.court_outcome == "continues_fine"
    practitioner = User.objects.get(username="practitioner")
    issued = WarningLetter.objects.exclude(letter__contains="previous case record")
    assert issued.filter(issued_by=practitioner).exists()
    assert SentencePlan.objects.filter(case__responsible_officer=practitioner).exists()
    assert ReminderPreference.objects.filter(case__responsible_officer=practitioner).count() > 10
    assert failures_awaiting_action(for_user=practitioner, today=AS_OF)
