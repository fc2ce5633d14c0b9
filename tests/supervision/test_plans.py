"""The sentence plan (probation/supervision/plan_services.py, plan_selectors.py): every change
and its audit event, every refused transition, role and organisation (which write nothing), the
links to assessed needs and requirements, the review schedule, and the reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from probation.core.audit import AuditAction
from probation.core.errors import AlreadySubmitted, CaseNotAvailable, Conflict, InvalidInput
from probation.core.models import AuditEvent
from probation.people.models import Case
from probation.risk.models import Assessment
from probation.supervision import plan_selectors as selectors
from probation.supervision.models import Objective, ObjectiveStatus, PlanReview, SentencePlan
from probation.supervision.plan_services import (
    OBJECTIVE_MAX,
    SUMMARY_MAX,
    WORDS_MAX,
    objective_add,
    objective_update,
    plan_agree,
    plan_create,
    plan_review,
)
from tests.allocation.helpers import manager_of, practitioner_of
from tests.factories import (
    CaseFactory,
    RequirementFactory,
    SentenceFactory,
    UserFactory,
    organisation,
)
from tests.people.test_concurrency import postgresql, run_together

pytestmark = pytest.mark.django_db

PLAN_ACTIONS = [AuditAction.SENTENCE_PLAN_CHANGED, AuditAction.SENTENCE_PLAN_REVIEWED]


def assess_needs(case: Any, on: dt.date | None = None, **severities: str) -> Assessment:
    return Assessment.objects.create(
        case=case,
        assessed_on=on or case.opened_on,
        report_type="fast",
        rosh_public="low",
        rosh_known_adult="low",
        rosh_children="low",
        rosh_staff="low",
        need_severities=severities,
    )


@pytest.fixture
def case(crc_order_case: Any) -> Any:
    """The CRC order case, assessed with a severe accommodation need, a drug need, and no
    alcohol need."""
    assess_needs(crc_order_case, accommodation="severe", drugs="standard", alcohol="none")
    return crc_order_case


@pytest.fixture
def unpaid_work(case: Any) -> Any:
    return case.sentences.get().requirements.get(kind="unpaid_work")


@pytest.fixture
def po(crc_practitioner: Any) -> Any:
    return crc_practitioner


def _plan_audits() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action__in=PLAN_ACTIONS).order_by("id"))


def _snapshot(case: Any) -> tuple[Any, ...]:
    return (
        Case.objects.get(pk=case.pk).version,
        list(SentencePlan.objects.values_list("agreed_on", "persons_words", "review_due_on")),
        list(Objective.objects.values_list("description", "status", "persons_words")),
        PlanReview.objects.count(),
        len(_plan_audits()),
    )


def _refused(case: Any, error: type[Exception], call: Any) -> Exception:
    """The call is refused with ``error`` and writes nothing: no plan row, no case version,
    no audit event."""
    before = _snapshot(case)
    with pytest.raises(error) as raised:
        call()
    assert _snapshot(case) == before
    return raised.value


def _add(case: Any, user: Any, **kwargs: Any) -> Objective:
    kwargs.setdefault("need", "accommodation")
    return objective_add(case=case, by_user=user, description="Find a settled home.", **kwargs)


@pytest.fixture
def agreed(case: Any, po: Any) -> SentencePlan:
    _add(case, po, persons_words="I want my own flat near my daughter.")
    return plan_agree(case=case, by_user=po, agreed_on=case.opened_on)


# --- Starting the plan ---------------------------------------------------------------------------


def test_a_practitioner_starts_the_plan_with_the_persons_words(case: Any, po: Any) -> None:
    plan = plan_create(case=case, by_user=po, persons_words="  To stay out of trouble.  ")
    assert plan.case == case
    assert plan.persons_words == "To stay out of trouble."
    assert plan.agreed_on is None and plan.review_due_on is None
    assert plan.created_by == po
    [event] = _plan_audits()
    assert event.action == AuditAction.SENTENCE_PLAN_CHANGED
    assert event.crn == case.person.crn
    assert event.details == {"change": "plan started"}
    assert event.after["persons_words"] == "To stay out of trouble."
    assert Case.objects.get(pk=case.pk).version == case.version


def test_a_case_has_one_plan(case: Any, po: Any) -> None:
    plan_create(case=case, by_user=po)
    error = _refused(case, Conflict, lambda: plan_create(case=case, by_user=po))
    assert "already has a sentence plan" in str(error.message)  # type: ignore[attr-defined]


def test_a_manager_of_the_responsible_crc_may_change_the_plan(case: Any) -> None:
    plan = plan_create(case=case, by_user=manager_of("CRC-C08"))
    assert plan.pk is not None


@pytest.mark.parametrize(
    ("make_user", "error"),
    [
        # The NPS sees every case, but only the responsible organisation changes its plan.
        (lambda: practitioner_of("NPS"), PermissionDenied),
        (lambda: manager_of("NPS"), PermissionDenied),
        # Another CRC cannot see the case at all: refused as if it did not exist.
        (lambda: practitioner_of("CRC-C12"), CaseNotAvailable),
        # Roles that do not supervise.
        (
            lambda: UserFactory(organisation=organisation("NPS"), roles=["court_officer"]),
            PermissionDenied,
        ),
        (
            lambda: UserFactory(organisation=organisation("NPS"), roles=["enforcement_officer"]),
            PermissionDenied,
        ),
        (
            lambda: UserFactory(organisation=organisation("MOJ"), roles=["auditor"]),
            PermissionDenied,
        ),
        (lambda: UserFactory(organisation=organisation("CRC-C08"), roles=[]), PermissionDenied),
    ],
    ids=[
        "nps-po",
        "nps-manager",
        "other-crc",
        "court-officer",
        "enforcement",
        "auditor",
        "no-role",
    ],
)
def test_outsiders_cannot_change_the_plan(case: Any, make_user: Any, error: type) -> None:
    user = make_user()
    _refused(case, error, lambda: plan_create(case=case, by_user=user))
    _refused(case, error, lambda: _add(case, user))


def test_an_excluded_practitioner_of_the_crc_cannot_change_the_plan(case: Any, po: Any) -> None:
    from probation.people.models import AccessKind, CaseAccess

    colleague = practitioner_of("CRC-C08")
    CaseAccess.objects.create(case=case, user=colleague, kind=AccessKind.EXCLUSION)
    _refused(case, CaseNotAvailable, lambda: plan_create(case=case, by_user=colleague))


def test_a_closed_case_plan_cannot_change(case: Any, po: Any) -> None:
    Case.objects.filter(pk=case.pk).update(status="closed")
    case.refresh_from_db()
    error = _refused(case, InvalidInput, lambda: plan_create(case=case, by_user=po))
    assert "closed" in error.message  # type: ignore[attr-defined]


def test_a_stale_form_is_refused_and_a_double_post_recorded_once(case: Any, po: Any) -> None:
    version = case.version
    plan_create(case=case, by_user=po, expected_version=version, submission_token="a" * 32)
    _refused(
        case,
        Conflict,
        lambda: _add(case, po, expected_version=version),
    )
    _refused(
        case,
        AlreadySubmitted,
        lambda: plan_create(case=case, by_user=po, submission_token="a" * 32),
    )


# --- Objectives ----------------------------------------------------------------------------------


def test_an_objective_on_an_assessed_need_starts_the_plan(case: Any, po: Any) -> None:
    objective = _add(case, po, persons_words="Somewhere quiet.")
    plan = SentencePlan.objects.get(case=case)
    assert objective.plan == plan and plan.created_by == po
    assert (objective.need, objective.requirement, objective.status) == (
        "accommodation",
        None,
        ObjectiveStatus.OPEN,
    )
    assert objective.persons_words == "Somewhere quiet."
    [event] = _plan_audits()
    assert event.details == {"change": "objective added", "plan": plan.pk, "plan_started": True}
    assert event.after["need"] == "accommodation"
    assert event.subject_id == str(objective.pk)


def test_an_objective_may_deliver_a_requirement_or_both(
    case: Any, po: Any, unpaid_work: Any
) -> None:
    only = _add(case, po, need="", requirement=unpaid_work)
    both = _add(case, po, need="drugs", requirement=unpaid_work)
    assert (only.need, only.requirement) == ("", unpaid_work)
    assert (both.need, both.requirement) == ("drugs", unpaid_work)
    assert _plan_audits()[-1].details["plan_started"] is False


@pytest.mark.parametrize(
    ("need", "message"),
    [
        ("alcohol", "Choose a need found by the latest assessment"),  # assessed as no need
        ("finance", "Choose a need found by the latest assessment"),  # not assessed
        ("gambling", "Choose a need found by the latest assessment"),  # no such section
        ("", "Choose the assessed need or the requirement"),  # linked to nothing
    ],
)
def test_an_objective_must_link_to_an_assessed_need(
    case: Any, po: Any, need: str, message: str
) -> None:
    error = _refused(case, InvalidInput, lambda: _add(case, po, need=need))
    assert error.message.startswith(message)  # type: ignore[attr-defined]
    assert error.field == "need"  # type: ignore[attr-defined]


def test_only_the_latest_assessment_counts(case: Any, po: Any) -> None:
    assess_needs(case, on=case.opened_on + dt.timedelta(days=1), alcohol="severe")
    assert [n.key for n in selectors.assessed_needs(case)] == ["alcohol"]
    _refused(case, InvalidInput, lambda: _add(case, po, need="accommodation"))
    assert _add(case, po, need="alcohol").need == "alcohol"


def test_a_case_never_assessed_links_objectives_to_requirements_only(
    crc_order_case: Any, po: Any
) -> None:
    requirement = crc_order_case.sentences.get().requirements.first()
    _refused(crc_order_case, InvalidInput, lambda: _add(crc_order_case, po, need="drugs"))
    assert _add(crc_order_case, po, need="", requirement=requirement).requirement == requirement


def test_a_requirement_of_another_case_is_refused(case: Any, po: Any) -> None:
    other = CaseFactory(responsible_organisation=organisation("CRC-C08"))
    theirs = RequirementFactory(sentence=SentenceFactory(case=other), kind="curfew")
    error = _refused(case, InvalidInput, lambda: _add(case, po, need="", requirement=theirs))
    assert error.field == "requirement"  # type: ignore[attr-defined]


def test_a_requirement_of_an_order_no_longer_active_is_refused(case: Any, po: Any) -> None:
    ended = RequirementFactory(
        sentence=SentenceFactory(case=case, status="completed"), kind="curfew"
    )
    _refused(case, InvalidInput, lambda: _add(case, po, need="", requirement=ended))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"description": "   "}, "description"),
        ({"description": "x" * (OBJECTIVE_MAX + 1)}, "description"),
        ({"description": "Find\x00 a home"}, "description"),
        ({"description": "Find a home.", "persons_words": "y" * (WORDS_MAX + 1)}, "persons_words"),
    ],
)
def test_objective_text_is_bounded(case: Any, po: Any, kwargs: dict[str, Any], field: str) -> None:
    error = _refused(
        case,
        InvalidInput,
        lambda: objective_add(case=case, by_user=po, need="accommodation", **kwargs),
    )
    assert error.field == field  # type: ignore[attr-defined]


def test_line_breaks_are_kept_in_the_persons_words(case: Any, po: Any) -> None:
    objective = _add(case, po, persons_words="First line.\r\nSecond line.")
    assert objective.persons_words == "First line.\r\nSecond line."


@pytest.mark.parametrize("status", [ObjectiveStatus.ACHIEVED, ObjectiveStatus.DISCONTINUED])
def test_an_objective_in_progress_is_achieved_or_discontinued(
    case: Any, po: Any, status: str
) -> None:
    objective = _add(case, po)
    updated = objective_update(objective=objective, by_user=po, status=status)
    assert updated.status == status
    assert Objective.objects.get(pk=objective.pk).status == status
    event = _plan_audits()[-1]
    assert event.details["change"] == "objective updated"
    assert event.before == {"status": "open"} and event.after == {"status": status}


def test_an_objectives_words_change_while_in_progress(case: Any, po: Any) -> None:
    objective = _add(case, po)
    objective_update(
        objective=objective,
        by_user=po,
        description="Keep the tenancy at Bold Street.",
        persons_words="I like it here.",
    )
    objective.refresh_from_db()
    assert objective.description == "Keep the tenancy at Bold Street."
    assert objective.persons_words == "I like it here."
    assert objective.status == ObjectiveStatus.OPEN
    assert set(_plan_audits()[-1].after) == {"description", "persons_words"}


def test_an_achieved_objective_is_final(case: Any, po: Any) -> None:
    objective = _add(case, po)
    objective_update(objective=objective, by_user=po, status=ObjectiveStatus.ACHIEVED)
    error = _refused(
        case,
        Conflict,
        lambda: objective_update(objective=objective, by_user=po, status=ObjectiveStatus.OPEN),
    )
    assert "achieved" in error.message  # type: ignore[attr-defined]
    _refused(
        case, Conflict, lambda: objective_update(objective=objective, by_user=po, persons_words="x")
    )


@pytest.mark.parametrize(
    "kwargs",
    [{"status": "finished"}, {"status": "open"}, {}, {"description": ""}],
    ids=["unknown-status", "unchanged", "nothing", "empty-description"],
)
def test_a_meaningless_objective_update_is_refused(
    case: Any, po: Any, kwargs: dict[str, Any]
) -> None:
    objective = _add(case, po)
    _refused(
        case, InvalidInput, lambda: objective_update(objective=objective, by_user=po, **kwargs)
    )


def test_another_organisation_cannot_update_an_objective(case: Any, po: Any) -> None:
    objective = _add(case, po)
    nps = practitioner_of("NPS")
    _refused(
        case,
        PermissionDenied,
        lambda: objective_update(objective=objective, by_user=nps, status="achieved"),
    )


# --- Agreeing ------------------------------------------------------------------------------------


def test_agreeing_the_plan_sets_the_first_review_three_months_on(case: Any, po: Any) -> None:
    _add(case, po)
    plan = plan_agree(
        case=case, by_user=po, agreed_on=dt.date(2026, 11, 2), persons_words="A home, a job."
    )
    assert plan.agreed_on == dt.date(2026, 11, 2)
    assert plan.review_due_on == dt.date(2027, 2, 2)
    assert plan.persons_words == "A home, a job."
    event = _plan_audits()[-1]
    assert event.details["change"] == "plan agreed"
    assert event.before["agreed_on"] is None
    assert event.after["review_due_on"] == "2027-02-02"


def test_agreeing_without_words_keeps_those_recorded(case: Any, po: Any) -> None:
    plan_create(case=case, by_user=po, persons_words="To get clean.")
    _add(case, po)
    plan = plan_agree(case=case, by_user=po, agreed_on=case.opened_on)
    assert plan.persons_words == "To get clean."


def test_a_plan_cannot_be_agreed_without_an_objective_in_progress(case: Any, po: Any) -> None:
    _refused(
        case, InvalidInput, lambda: plan_agree(case=case, by_user=po, agreed_on=case.opened_on)
    )
    objective = _add(case, po)
    objective_update(objective=objective, by_user=po, status="discontinued")
    error = _refused(
        case, InvalidInput, lambda: plan_agree(case=case, by_user=po, agreed_on=case.opened_on)
    )
    assert "objective in progress" in error.message  # type: ignore[attr-defined]


def test_a_plan_is_agreed_once(agreed: SentencePlan, case: Any, po: Any) -> None:
    error = _refused(
        case, Conflict, lambda: plan_agree(case=case, by_user=po, agreed_on=timezone.localdate())
    )
    assert "review it instead" in error.message  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("days_from_today", "message"),
    [(1, "today or in the past"), (None, "on or after 2 November 2026")],
)
def test_the_day_agreed_is_not_in_the_future_nor_before_the_case(
    case: Any, po: Any, days_from_today: int | None, message: str
) -> None:
    _add(case, po)
    day = (
        timezone.localdate() + dt.timedelta(days=days_from_today)
        if days_from_today is not None
        else case.opened_on - dt.timedelta(days=1)
    )
    error = _refused(case, InvalidInput, lambda: plan_agree(case=case, by_user=po, agreed_on=day))
    assert message in error.message  # type: ignore[attr-defined]
    assert error.field == "agreed_on"  # type: ignore[attr-defined]


def test_another_organisation_cannot_agree_the_plan(case: Any, po: Any) -> None:
    _add(case, po)
    manager = manager_of("NPS")
    _refused(
        case,
        PermissionDenied,
        lambda: plan_agree(case=case, by_user=manager, agreed_on=case.opened_on),
    )


# --- Reviews -------------------------------------------------------------------------------------


def test_a_review_records_both_voices_and_sets_the_next_review_six_months_on(
    agreed: SentencePlan, case: Any, po: Any
) -> None:
    day = dt.date(2026, 11, 20)
    review = plan_review(
        case=case,
        by_user=po,
        summary="Housing found; drug work starts next month.",
        persons_words="Things are better.",
        reviewed_on=day,
    )
    assert (review.reviewed_on, review.next_review_due_on) == (day, dt.date(2027, 5, 20))
    assert review.reviewed_by == po and review.persons_words == "Things are better."
    assert SentencePlan.objects.get(pk=agreed.pk).review_due_on == dt.date(2027, 5, 20)
    event = _plan_audits()[-1]
    assert event.action == AuditAction.SENTENCE_PLAN_REVIEWED
    assert event.before == {"review_due_on": "2027-02-02"}
    assert event.after["review_due_on"] == "2027-05-20"


def test_a_tier_a_plan_is_reviewed_every_three_months(case: Any, po: Any) -> None:
    Case.objects.filter(pk=case.pk).update(tier="A1")
    case.refresh_from_db()
    _add(case, po)
    plan = plan_agree(case=case, by_user=po, agreed_on=dt.date(2026, 11, 2))
    assert plan.review_due_on == dt.date(2027, 2, 2)
    review = plan_review(
        case=case, by_user=po, summary="Reviewed.", reviewed_on=dt.date(2026, 11, 3)
    )
    assert review.next_review_due_on == dt.date(2027, 2, 3)


def test_a_review_defaults_to_today(agreed: SentencePlan, case: Any, po: Any) -> None:
    review = plan_review(case=case, by_user=po, summary="Going well.")
    assert review.reviewed_on == timezone.localdate()


def test_a_plan_not_agreed_cannot_be_reviewed(case: Any, po: Any) -> None:
    _refused(case, InvalidInput, lambda: plan_review(case=case, by_user=po, summary="Early."))
    _add(case, po)
    error = _refused(
        case, InvalidInput, lambda: plan_review(case=case, by_user=po, summary="Early.")
    )
    assert error.message == "Agree the sentence plan before reviewing it"  # type: ignore[attr-defined]


def test_a_review_is_not_dated_before_the_agreement_or_the_last_review(
    agreed: SentencePlan, case: Any, po: Any
) -> None:
    before_agreed = agreed.agreed_on - dt.timedelta(days=1)  # type: ignore[operator]
    error = _refused(
        case,
        InvalidInput,
        lambda: plan_review(case=case, by_user=po, summary="x", reviewed_on=before_agreed),
    )
    assert "when the plan was agreed" in error.message  # type: ignore[attr-defined]
    plan_review(case=case, by_user=po, summary="x", reviewed_on=dt.date(2026, 11, 10))
    error = _refused(
        case,
        InvalidInput,
        lambda: plan_review(case=case, by_user=po, summary="y", reviewed_on=dt.date(2026, 11, 9)),
    )
    assert "when the plan was last reviewed" in error.message  # type: ignore[attr-defined]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    _refused(
        case,
        InvalidInput,
        lambda: plan_review(case=case, by_user=po, summary="y", reviewed_on=tomorrow),
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"summary": ""}, "summary"),
        ({"summary": "s" * (SUMMARY_MAX + 1)}, "summary"),
        ({"summary": "ok", "persons_words": "w" * (WORDS_MAX + 1)}, "persons_words"),
    ],
)
def test_review_text_is_required_and_bounded(
    agreed: SentencePlan, case: Any, po: Any, kwargs: dict[str, Any], field: str
) -> None:
    error = _refused(case, InvalidInput, lambda: plan_review(case=case, by_user=po, **kwargs))
    assert error.field == field  # type: ignore[attr-defined]


def test_outsiders_cannot_review_the_plan(agreed: SentencePlan, case: Any) -> None:
    _refused(
        case,
        PermissionDenied,
        lambda: plan_review(case=case, by_user=practitioner_of("NPS"), summary="x"),
    )
    _refused(
        case,
        CaseNotAvailable,
        lambda: plan_review(case=case, by_user=practitioner_of("CRC-C12"), summary="x"),
    )


# --- Reads ---------------------------------------------------------------------------------------


def test_assessed_needs_are_the_needs_of_the_latest_assessment_in_section_order(
    case: Any,
) -> None:
    needs = selectors.assessed_needs(case)
    assert [(n.key, n.label, n.severity_label) for n in needs] == [
        ("accommodation", "Accommodation", "Severe need"),
        ("drugs", "Drug misuse", "Some need"),
    ]


def test_the_plan_page_groups_objectives_and_shows_needs_not_covered(
    case: Any, po: Any, unpaid_work: Any
) -> None:
    rar = case.sentences.get().requirements.get(kind="rehabilitation_activity")
    home = _add(case, po)
    work = _add(case, po, need="", requirement=unpaid_work)
    drugs = _add(case, po, need="drugs", requirement=rar)
    objective_update(objective=drugs, by_user=po, status="discontinued")
    page = selectors.plan_page(case)
    assert [(g.kind, g.title, [o.pk for o in g.objectives]) for g in page.groups] == [
        ("need", "Accommodation", [home.pk]),
        ("need", "Drug misuse", [drugs.pk]),
        ("requirement", selectors.requirement_label(unpaid_work), [work.pk]),
    ]
    assert page.groups[0].severity == "Severe need"
    # A discontinued objective no longer covers its need.
    assert [n.key for n in page.uncovered_needs] == ["drugs"]
    assert page.counts == {"open": 2, "achieved": 0, "discontinued": 1}
    assert not page.agreed and not page.review_overdue
    assert selectors.requirement_label(unpaid_work) == (
        "Unpaid work (100 hours), community order of 2 November 2026"
    )


def test_a_need_no_longer_assessed_keeps_its_objectives_marked(case: Any, po: Any) -> None:
    home = _add(case, po)
    assess_needs(case, on=case.opened_on + dt.timedelta(days=1), drugs="severe")
    page = selectors.plan_page(case)
    [group] = page.groups
    assert group.objectives == [home] and group.assessed is False
    assert [n.key for n in page.uncovered_needs] == ["drugs"]


def test_the_plan_page_of_a_case_without_a_plan(case: Any) -> None:
    page = selectors.plan_page(case)
    assert page.plan is None and page.groups == []
    assert [n.key for n in page.uncovered_needs] == ["accommodation", "drugs"]


def test_objective_for_refuses_another_cases_objective(case: Any, po: Any) -> None:
    objective = _add(case, po)
    other = CaseFactory(responsible_organisation=organisation("CRC-C08"))
    assert selectors.objective_for(case=case, objective_id=objective.pk) == objective
    assert selectors.objective_for(case=other, objective_id=objective.pk) is None
    assert selectors.objective_for(case=case, objective_id=10**12) is None


def test_the_plan_summary_counts_and_flags_an_overdue_review(
    agreed: SentencePlan, case: Any, po: Any
) -> None:
    objective_update(objective=agreed.objectives.get(), by_user=po, status="achieved")
    summary = selectors.plan_summary(case, today=dt.date(2027, 2, 3))
    assert (summary.open, summary.achieved, summary.discontinued) == (0, 1, 0)
    assert summary.review_overdue is True
    assert [n.key for n in summary.uncovered_needs] == ["drugs"]
    assert selectors.plan_summary(case, today=dt.date(2027, 2, 2)).review_overdue is False


def test_plan_reviews_due_are_the_officers_own_within_a_fortnight(
    agreed: SentencePlan, case: Any, po: Any, django_assert_num_queries: Any
) -> None:
    # agreed on 2 November 2026: the first review is due on 2 February 2027.
    assert list(selectors.plan_reviews_due(for_user=po, today=dt.date(2027, 1, 18))) == []
    with django_assert_num_queries(1):
        [due] = selectors.plan_reviews_due(for_user=po, today=dt.date(2027, 1, 19))
        assert due.case.person.crn == case.person.crn
    assert due.overdue is False and due.open_objectives == 1
    [late] = selectors.plan_reviews_due(for_user=po, today=dt.date(2027, 2, 3))
    assert late.overdue is True
    # A colleague in the same CRC, a manager, another CRC: not their case to review.
    for other in (practitioner_of("CRC-C08"), manager_of("CRC-C08"), practitioner_of("CRC-C12")):
        assert list(selectors.plan_reviews_due(for_user=other, today=dt.date(2027, 2, 3))) == []
    # A closed case has no review due.
    Case.objects.filter(pk=case.pk).update(status="closed")
    assert list(selectors.plan_reviews_due(for_user=po, today=dt.date(2027, 2, 3))) == []


def test_a_plan_not_agreed_has_no_review_due(case: Any, po: Any) -> None:
    _add(case, po)
    assert list(selectors.plan_reviews_due(for_user=po, today=dt.date(2030, 1, 1))) == []


def test_may_change_plan(case: Any, po: Any) -> None:
    assert selectors.may_change_plan(po, case)
    assert selectors.may_change_plan(manager_of("CRC-C08"), case)
    assert not selectors.may_change_plan(practitioner_of("NPS"), case)
    assert not selectors.may_change_plan(
        UserFactory(organisation=organisation("CRC-C08"), roles=["court_officer"]), case
    )
    case.status = "closed"
    assert not selectors.may_change_plan(po, case)


# --- At the same moment (real threads on PostgreSQL) ---------------------------------------------


def _crc_case_with_needs() -> Any:
    case = CaseFactory(responsible_organisation=organisation("CRC-C08"))
    assess_needs(case, accommodation="severe", drugs="severe")
    return case


@postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officers_starting_the_plan_at_once_make_one() -> None:
    case = _crc_case_with_needs()
    users = [practitioner_of("CRC-C08"), manager_of("CRC-C08")]
    results = run_together(*[lambda u=u: plan_create(case=case, by_user=u) for u in users])
    assert len([r for r in results if isinstance(r, SentencePlan)]) == 1
    [refusal] = [r for r in results if not isinstance(r, SentencePlan)]
    assert isinstance(refusal, Conflict), refusal
    assert SentencePlan.objects.filter(case=case).count() == 1


@postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_objectives_added_at_once_share_one_new_plan() -> None:
    case = _crc_case_with_needs()
    users = [practitioner_of("CRC-C08"), manager_of("CRC-C08")]
    results = run_together(
        *[
            lambda u=u, need=need: objective_add(
                case=case, by_user=u, need=need, description=f"Work on {need}."
            )
            for u, need in zip(users, ["accommodation", "drugs"], strict=True)
        ]
    )
    assert all(isinstance(r, Objective) for r in results), results
    plan = SentencePlan.objects.get(case=case)
    assert sorted(plan.objectives.values_list("need", flat=True)) == ["accommodation", "drugs"]


@postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_objective_closed_two_ways_at_once_is_closed_once() -> None:
    case = _crc_case_with_needs()
    users = [practitioner_of("CRC-C08"), manager_of("CRC-C08")]
    objective = objective_add(
        case=case, by_user=users[0], need="drugs", description="Start the drug service's group."
    )
    results = run_together(
        lambda: objective_update(objective=objective, by_user=users[0], status="achieved"),
        lambda: objective_update(objective=objective, by_user=users[1], status="discontinued"),
    )
    [done] = [r for r in results if isinstance(r, Objective)]
    [refusal] = [r for r in results if not isinstance(r, Objective)]
    assert isinstance(refusal, Conflict), refusal
    assert Objective.objects.get(pk=objective.pk).status == done.status
