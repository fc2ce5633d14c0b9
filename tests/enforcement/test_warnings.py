"""Warnings (docs/domain/enforcement.md, "The warning rule"): issued through the service as the
rule says, at its 12-month edges, counting only warnings on the same order; refused for a
failure that already has one, for a contact that is not a failure, and for staff of other
organisations or roles. The letter is written from the case record and kept as issued."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from probation.core.audit import AuditAction
from probation.core.errors import CaseNotAvailable, Conflict, InvalidInput
from probation.core.models import AuditEvent
from probation.enforcement.letters import warning_letter_pdf
from probation.enforcement.models import WarningLetter
from probation.enforcement.selectors import enforcement_counts, failures_awaiting_action
from probation.enforcement.services import breach_refer, warning_issue
from tests.factories import ContactFactory, SentenceFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def failure(
    case: Any, day: dt.date, *, sentence: Any = None, outcome: str = "unacceptable_absence"
):
    kwargs = {"sentence": sentence} if sentence is not None else {}
    return ContactFactory(case=case, outcome=outcome, starts_at=at(day), **kwargs)


@pytest.fixture
def order(crc_order_case: Any) -> Any:
    return crc_order_case.sentences.get()


@pytest.fixture
def long_order(crc_order_case: Any) -> Any:
    """A 3-year order of the same case passed on 1 June 2023, so that a warning's 12 months
    fall in the past."""
    return SentenceFactory(
        case=crc_order_case,
        sentence_date=dt.date(2023, 6, 1),
        length_days=1095,
        expected_end_date=dt.date(2026, 5, 31),
    )


def earlier_warning(case: Any, sentence: Any, issued_on: dt.date) -> WarningLetter:
    """A warning already given on ``issued_on`` for an earlier failure on ``sentence``."""
    first = failure(case, issued_on - dt.timedelta(days=3), sentence=sentence)
    return WarningLetter.objects.create(
        case=case, sentence=sentence, failure=first, issued_on=issued_on, letter="Warning."
    )


def test_a_first_failure_earns_a_warning_with_a_letter_from_the_case_record(
    crc_order_case, order, crc_practitioner
):
    missed = failure(crc_order_case, dt.date(2026, 11, 16))
    warning = warning_issue(failure=missed, by_user=crc_practitioner)
    assert warning.sentence == order and warning.failure == missed
    assert warning.issued_by == crc_practitioner
    person = crc_order_case.person
    letter = warning.letter
    assert f"Dear {person.forename} {person.surname}" in letter
    assert "community order" in letter and "2 November 2026" in letter
    assert "16 November 2026" in letter and "did not attend your supervision appointment" in letter
    assert "within 12 months" in letter
    assert str(crc_practitioner) in letter
    assert str(crc_order_case.responsible_organisation) in letter
    event = AuditEvent.objects.get(action=AuditAction.WARNING_ISSUED)
    assert event.crn == person.crn and event.after["failure"] == missed.pk


def test_a_failure_to_comply_is_described_as_such(crc_order_case, crc_practitioner):
    failed = failure(crc_order_case, dt.date(2026, 11, 16), outcome="attended_failed_to_comply")
    letter = warning_issue(failure=failed, by_user=crc_practitioner).letter
    assert "attended your supervision appointment on 16 November 2026" in letter


@pytest.mark.parametrize(
    ("failure_day", "warning_allowed"),
    [
        (dt.date(2025, 1, 9), False),  # one day before twelve months from the warning
        (dt.date(2025, 1, 10), False),  # exactly twelve months: still counts
        (dt.date(2025, 1, 11), True),  # one day after: a new warning
    ],
)
def test_the_warning_rule_at_its_twelve_month_edges(
    crc_order_case, long_order, crc_practitioner, failure_day, warning_allowed
):
    earlier_warning(crc_order_case, long_order, dt.date(2024, 1, 10))
    missed = failure(crc_order_case, failure_day, sentence=long_order)
    if warning_allowed:
        assert warning_issue(failure=missed, by_user=crc_practitioner).issued_on
    else:
        with pytest.raises(InvalidInput, match="10 January 2024") as refused:
            warning_issue(failure=missed, by_user=crc_practitioner)
        assert "breach referral" in refused.value.message
        assert not WarningLetter.objects.filter(failure=missed).exists()


def test_a_warning_on_a_different_order_does_not_count(
    crc_order_case, order, long_order, crc_practitioner
):
    earlier_warning(crc_order_case, long_order, dt.date(2026, 11, 3))
    missed = failure(crc_order_case, dt.date(2026, 11, 20), sentence=order)
    warning = warning_issue(failure=missed, by_user=crc_practitioner)
    assert warning.sentence == order


def test_a_failure_with_a_warning_is_not_warned_twice(crc_order_case, crc_practitioner):
    missed = failure(crc_order_case, dt.date(2026, 11, 16))
    warning_issue(failure=missed, by_user=crc_practitioner)
    with pytest.raises(Conflict, match="already has a warning"):
        warning_issue(failure=missed, by_user=crc_practitioner)
    assert WarningLetter.objects.count() == 1


def test_a_referred_failure_is_not_warned(crc_order_case, crc_practitioner):
    missed = failure(crc_order_case, dt.date(2026, 11, 16))
    breach_refer(failure=missed, by_user=crc_practitioner, reason="Threatened staff.")
    with pytest.raises(Conflict, match="already been referred"):
        warning_issue(failure=missed, by_user=crc_practitioner)


@pytest.mark.parametrize("outcome", ["attended_complied", "acceptable_absence", "rescheduled", ""])
def test_only_a_failure_earns_a_warning(crc_order_case, crc_practitioner, outcome):
    contact = failure(crc_order_case, dt.date(2026, 11, 16), outcome=outcome)
    with pytest.raises(InvalidInput, match="Only a failure"):
        warning_issue(failure=contact, by_user=crc_practitioner)


def test_a_failure_on_licence_is_not_warned(crc_order_case, crc_practitioner):
    custody = SentenceFactory(
        case=crc_order_case,
        disposal="custody",
        sentence_date=dt.date(2026, 1, 5),
        licence_end=dt.date(2027, 1, 4),
        supervision_end=dt.date(2028, 1, 4),
    )
    missed = failure(crc_order_case, dt.date(2026, 11, 16), sentence=custody)
    with pytest.raises(InvalidInput, match="recall request"):
        warning_issue(failure=missed, by_user=crc_practitioner)


@pytest.mark.parametrize(
    ("org", "roles"),
    [
        ("NPS", ["practitioner"]),  # sees the case but is not responsible for it
        ("CRC-C08", ["court_officer"]),
        ("NPS", ["enforcement_officer"]),
    ],
)
def test_only_staff_of_the_responsible_organisation_warn(crc_order_case, org, roles):
    missed = failure(crc_order_case, dt.date(2026, 11, 16))
    with pytest.raises(PermissionDenied):
        warning_issue(
            failure=missed, by_user=UserFactory(organisation=organisation(org), roles=roles)
        )
    assert not WarningLetter.objects.exists()


def test_a_manager_of_the_responsible_crc_may_warn(crc_order_case):
    manager = UserFactory(organisation=organisation("CRC-C08"), roles=["allocating_manager"])
    missed = failure(crc_order_case, dt.date(2026, 11, 16))
    assert warning_issue(failure=missed, by_user=manager).issued_by == manager


def test_another_crc_cannot_see_the_case_to_warn(crc_order_case):
    other = UserFactory(organisation=organisation("CRC-C12"), roles=["practitioner"])
    missed = failure(crc_order_case, dt.date(2026, 11, 16))
    with pytest.raises((PermissionDenied, CaseNotAvailable)):
        warning_issue(failure=missed, by_user=other)


def test_the_letter_makes_a_pdf(crc_order_case, crc_practitioner):
    warning = warning_issue(
        failure=failure(crc_order_case, dt.date(2026, 11, 16)), by_user=crc_practitioner
    )
    assert warning_letter_pdf(warning).startswith(b"%PDF")


def test_failures_awaiting_action_with_the_rules_next_step(
    crc_order_case, long_order, crc_practitioner
):
    earlier_warning(
        crc_order_case,
        crc_order_case.sentences.get(sentence_date=dt.date(2026, 11, 2)),
        dt.date(2026, 11, 12),
    )
    first = failure(crc_order_case, dt.date(2024, 8, 1), sentence=long_order)
    second_on_order = failure(crc_order_case, dt.date(2026, 11, 23))
    failure(crc_order_case, dt.date(2026, 11, 24), outcome="attended_complied")
    awaiting = failures_awaiting_action(for_user=crc_practitioner, today=dt.date(2026, 12, 30))
    assert [item.contact for item in awaiting] == [first, second_on_order]
    assert [item.action.action for item in awaiting] == ["warning", "breach_referral"]
    assert awaiting[0].referral_due_on is None
    assert awaiting[1].referral_due_on == dt.date(2026, 12, 7)
    assert awaiting[1].is_overdue
    # another practitioner of the same CRC supervises none of these
    colleague = UserFactory(organisation=organisation("CRC-C08"), roles=["practitioner"])
    assert failures_awaiting_action(for_user=colleague) == []


def test_managers_see_counts_for_their_organisation(crc_order_case, crc_practitioner):
    failure(crc_order_case, dt.date(2026, 11, 9))
    breach_refer(
        failure=failure(crc_order_case, dt.date(2026, 11, 10)),
        by_user=crc_practitioner,
        reason="Serious first failure.",
    )
    manager = UserFactory(organisation=organisation("CRC-C08"), roles=["allocating_manager"])
    counts = enforcement_counts(for_user=manager, today=dt.date(2026, 11, 30))
    # the failure of 9 November is evidence for the open breach, not a decision still due
    assert counts["failures_awaiting_action"] == 0
    assert counts["open_referrals"] == 1
    second_order = SentenceFactory(case=crc_order_case, sentence_date=dt.date(2026, 11, 2))
    ContactFactory(
        case=crc_order_case,
        sentence=second_order,
        outcome="unacceptable_absence",
        starts_at=dt.datetime(2026, 11, 12, 10, tzinfo=dt.UTC),
    )
    counts = enforcement_counts(for_user=manager, today=dt.date(2026, 11, 30))
    assert counts["failures_awaiting_action"] == 1  # on the other order: a warning is due
    other = UserFactory(organisation=organisation("CRC-C12"), roles=["allocating_manager"])
    assert enforcement_counts(for_user=other)["open_referrals"] == 0
    assert enforcement_counts(for_user=crc_practitioner) == {}
