"""The sentence plan pages (probation/casework/plan_views.py): starting, adding objectives,
agreeing, updating an objective and reviewing; the person's words as quotes; errors in the
GOV.UK error summary; refusals of other organisations and roles; no input gives a 500."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probation.casework.plan_views import overview_plan
from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.supervision.models import Objective, ObjectiveStatus, PlanReview, SentencePlan
from probation.supervision.plan_services import objective_add, plan_agree
from tests.allocation.helpers import manager_of, practitioner_of
from tests.factories import CaseFactory, UserFactory, organisation
from tests.supervision.test_plans import assess_needs

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(crc_order_case: Any) -> Any:
    assess_needs(crc_order_case, accommodation="severe", drugs="standard", alcohol="none")
    return crc_order_case


@pytest.fixture
def po(crc_practitioner: Any) -> Any:
    return crc_practitioner


def _guards(body: str) -> dict[str, str]:
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', body).group(1)  # type: ignore[union-attr]
        for name in ("case_version", "submission_token")
    }


def _url(case: Any, rest: str = "") -> str:
    return f"/cases/{case.person.crn}/plan/{rest}"


def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def _objective(case: Any, user: Any, **kwargs: Any) -> Objective:
    kwargs.setdefault("need", "accommodation")
    kwargs.setdefault("description", "Find a settled home.")
    return objective_add(case=case, by_user=user, **kwargs)


@pytest.fixture
def agreed(case: Any, po: Any) -> SentencePlan:
    _objective(case, po, persons_words="A flat near my daughter.")
    return plan_agree(case=case, by_user=po, agreed_on=dt.date(2026, 11, 2))


# --- The whole journey ---------------------------------------------------------------------------


def test_a_practitioner_starts_adds_agrees_and_reviews_the_plan(
    case: Any, po: Any, client_for: Any
) -> None:
    client = client_for(po)
    page = client.get(_url(case)).content.decode()
    assert "Not started" in page and "Start the sentence plan" in page
    # Both needs are listed as not covered, each with a link to add an objective for it.
    assert f'href="{_url(case, "objectives/new/")}?need=accommodation"' in page
    assert "Drug misuse (some need)" in page and "Alcohol" not in page

    response = client.post(
        _url(case), {"action": "start", "persons_words": "To keep my job.", **_guards(page)}
    )
    assert response.status_code == 302 and response["Location"] == _url(case)
    page = client.get(_url(case)).content.decode()
    assert "Sentence plan started" in page and "Not yet agreed" in page
    assert "To keep my job." in page and 'data-testid="persons-words"' in page

    form = client.get(_url(case, "objectives/new/?need=drugs")).content.decode()
    assert '<option value="drugs" selected>' in form
    requirement = case.sentences.get().requirements.get(kind="unpaid_work")
    response = client.post(
        _url(case, "objectives/new/"),
        {
            "need": "drugs",
            "requirement": str(requirement.pk),
            "description": "Start the drug service's group.",
            "persons_words": "I want to be clean for my kids.",
            **_guards(form),
        },
    )
    assert response.status_code == 302
    objective = Objective.objects.get()
    assert (objective.need, objective.requirement) == ("drugs", requirement)
    page = client.get(_url(case)).content.decode()
    assert "Need: Drug misuse" in page and "Also delivers: Unpaid work" in page
    assert "I want to be clean for my kids." in page

    response = client.post(
        _url(case),
        {
            "action": "agree",
            **_date("agreed_on", dt.date(2026, 11, 2)),
            "persons_words": "To keep my job.",
            **_guards(page),
        },
    )
    assert response.status_code == 302
    page = client.get(_url(case)).content.decode()
    assert "Sentence plan agreed. Its first review is due by 2 February 2027." in page
    assert "Agreed on 2 November 2026" in page
    assert f'href="{_url(case, "review/")}"' in page

    form = client.get(_url(case, "review/")).content.decode()
    response = client.post(
        _url(case, "review/"),
        {
            **_date("reviewed_on", dt.date(2026, 11, 20)),
            "summary": "Started the group; attending well.",
            "persons_words": "It's hard but it helps.",
            **_guards(form),
        },
    )
    assert response.status_code == 302
    page = client.get(_url(case)).content.decode()
    assert "Review recorded. The next review is due by 20 May 2027." in page
    assert "Reviewed on 20 November 2026" in page
    assert escape("It's hard but it helps.") in page
    assert SentencePlan.objects.get().review_due_on == dt.date(2027, 5, 20)
    actions = list(
        AuditEvent.objects.filter(
            action__in=[AuditAction.SENTENCE_PLAN_CHANGED, AuditAction.SENTENCE_PLAN_REVIEWED]
        )
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.SENTENCE_PLAN_CHANGED,
        AuditAction.SENTENCE_PLAN_CHANGED,
        AuditAction.SENTENCE_PLAN_CHANGED,
        AuditAction.SENTENCE_PLAN_REVIEWED,
    ]
    # Each page view is audited as a read of the case.
    assert AuditEvent.objects.filter(
        action=AuditAction.CASE_VIEWED, details__page="sentence plan"
    ).exists()


def test_an_objective_is_achieved_from_its_page(
    agreed: SentencePlan, po: Any, client_for: Any
) -> None:
    objective = agreed.objectives.get()
    client = client_for(po)
    url = _url(agreed.case, f"objectives/{objective.pk}/")
    form = client.get(url).content.decode()
    assert "Find a settled home." in form and "A flat near my daughter." in form
    assert "Accommodation" in form
    response = client.post(
        url,
        {
            "status": "achieved",
            "description": objective.description,
            "persons_words": "Moved in last week.",
            **_guards(form),
        },
    )
    assert response.status_code == 302
    objective.refresh_from_db()
    assert objective.status == ObjectiveStatus.ACHIEVED
    assert objective.persons_words == "Moved in last week."
    page = client.get(url).content.decode()
    assert "Achieved" in page and "Save the objective" not in page  # final once achieved


# --- Errors in the error summary -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"need": "", "requirement": "", "description": "Something."},
            "Choose the assessed need or the requirement",
        ),
        ({"need": "alcohol", "description": "Something."}, "Choose a need from the list"),
        ({"need": "x" * 5000, "description": "Something."}, "Choose a need from the list"),
        (
            {"requirement": "999999999999", "description": "Something."},
            "Choose a requirement from the list",
        ),
        ({"requirement": "٣", "description": "Something."}, "Choose a requirement from the list"),
        ({"need": "drugs", "description": ""}, "Enter the objective"),
        ({"need": "drugs", "description": "x" * 1001}, "must be 1000 characters or fewer"),
        ({"need": "drugs", "description": "Bell\x07"}, "must not contain control characters"),
        (
            {"need": "drugs", "description": "Ok.", "persons_words": "w" * 2001},
            "2000 characters or fewer",
        ),
    ],
)
def test_a_bad_objective_shows_the_error_summary_and_writes_nothing(
    case: Any, po: Any, client_for: Any, data: dict[str, str], message: str
) -> None:
    client = client_for(po)
    form = client.get(_url(case, "objectives/new/")).content.decode()
    response = client.post(_url(case, "objectives/new/"), {**data, **_guards(form)})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and message in body
    assert not Objective.objects.exists() and not SentencePlan.objects.exists()


def test_another_cases_requirement_is_not_offered(case: Any, po: Any, client_for: Any) -> None:
    from tests.factories import RequirementFactory, SentenceFactory

    other = CaseFactory(responsible_organisation=organisation("CRC-C08"))
    theirs = RequirementFactory(sentence=SentenceFactory(case=other), kind="curfew")
    client = client_for(po)
    form = client.get(_url(case, "objectives/new/")).content.decode()
    assert f'value="{theirs.pk}"' not in form
    response = client.post(
        _url(case, "objectives/new/"),
        {"requirement": str(theirs.pk), "description": "Keep the curfew.", **_guards(form)},
    )
    assert "Choose a requirement from the list" in response.content.decode()
    assert not Objective.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Enter the date the plan was agreed"),
        (_date("agreed_on", dt.date(2026, 11, 1)), "on or after 2 November 2026"),
        ({"agreed_on_0": "31", "agreed_on_1": "2", "agreed_on_2": "2026"}, "must be a real date"),
        ({"agreed_on_0": "1", "agreed_on_1": "1", "agreed_on_2": "99999"}, "must be a real date"),
    ],
)
def test_a_bad_agreement_shows_the_error_summary(
    case: Any, po: Any, client_for: Any, data: dict[str, str], message: str
) -> None:
    _objective(case, po)
    client = client_for(po)
    page = client.get(_url(case)).content.decode()
    response = client.post(_url(case), {"action": "agree", **data, **_guards(page)})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and message in body
    assert SentencePlan.objects.get().agreed_on is None


def test_agreeing_without_an_objective_shows_why(case: Any, po: Any, client_for: Any) -> None:
    client = client_for(po)
    page = client.get(_url(case)).content.decode()
    client.post(_url(case), {"action": "start", "persons_words": "", **_guards(page)})
    page = client.get(_url(case)).content.decode()
    assert "Agree the plan" in page
    response = client.post(
        _url(case), {"action": "agree", **_date("agreed_on", dt.date(2026, 11, 2)), **_guards(page)}
    )
    assert (
        "Add an objective in progress to the plan before agreeing it" in response.content.decode()
    )


def test_a_stale_form_keeps_what_was_entered(case: Any, po: Any, client_for: Any) -> None:
    client = client_for(po)
    form = client.get(_url(case, "objectives/new/")).content.decode()
    _objective(case, po)  # someone else changes the plan meanwhile
    response = client.post(
        _url(case, "objectives/new/"),
        {"need": "drugs", "description": "Mine, kept.", **_guards(form)},
    )
    body = response.content.decode()
    assert "Someone else changed this case" in body and "Mine, kept." in body
    assert Objective.objects.count() == 1


def test_a_review_before_the_plan_is_agreed_is_not_offered(
    case: Any, po: Any, client_for: Any
) -> None:
    _objective(case, po)
    client = client_for(po)
    page = client.get(_url(case, "review/")).content.decode()
    assert 'data-testid="not-agreed"' in page and "Record the review" not in page
    response = client.post(
        _url(case, "review/"),
        {**_date("reviewed_on", timezone.localdate()), "summary": "Too early."},
    )
    assert "Agree the sentence plan before reviewing it" in response.content.decode()
    assert not PlanReview.objects.exists()


def test_a_bad_review_shows_the_error_summary(
    agreed: SentencePlan, po: Any, client_for: Any
) -> None:
    client = client_for(po)
    url = _url(agreed.case, "review/")
    form = client.get(url).content.decode()
    response = client.post(
        url, {**_date("reviewed_on", dt.date(2026, 11, 1)), "summary": "", **_guards(form)}
    )
    body = response.content.decode()
    assert "Enter what has changed" in body
    response = client.post(
        url, {**_date("reviewed_on", dt.date(2026, 11, 1)), "summary": "Fine.", **_guards(form)}
    )
    assert "when the plan was agreed" in response.content.decode()
    assert not PlanReview.objects.exists()


def test_an_overdue_review_is_flagged(agreed: SentencePlan, po: Any, client_for: Any) -> None:
    SentencePlan.objects.filter(pk=agreed.pk).update(
        review_due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    page = client_for(po).get(_url(agreed.case)).content.decode()
    assert 'data-testid="review-overdue"' in page


# --- Who may ------------------------------------------------------------------------------------


def test_the_nps_reads_the_plan_but_cannot_change_it(agreed: SentencePlan, client_for: Any) -> None:
    nps = practitioner_of("NPS")
    client = client_for(nps)
    case = agreed.case
    page = client.get(_url(case)).content.decode()
    assert "Find a settled home." in page and "A flat near my daughter." in page
    assert "Add an objective" not in page and "Review the plan" not in page
    assert (
        'data-testid="may-not-change"' in client.get(_url(case, "objectives/new/")).content.decode()
    )
    objective = agreed.objectives.get()
    for url, data in [
        (_url(case), {"action": "start"}),
        (_url(case, "objectives/new/"), {"need": "drugs", "description": "x"}),
        (_url(case, f"objectives/{objective.pk}/"), {"status": "achieved", "description": "x"}),
        (_url(case, "review/"), {"summary": "x", **_date("reviewed_on", timezone.localdate())}),
    ]:
        before = AuditEvent.objects.filter(action=AuditAction.ROLE_REFUSED).count()
        assert client.post(url, data).status_code == 403
        assert AuditEvent.objects.filter(action=AuditAction.ROLE_REFUSED).count() == before + 1
    objective.refresh_from_db()
    assert objective.status == ObjectiveStatus.OPEN and not PlanReview.objects.exists()


def test_a_court_officer_cannot_open_the_change_pages(case: Any, client_for: Any) -> None:
    officer = UserFactory(organisation=organisation("NPS"), roles=["court_officer"])
    client = client_for(officer)
    assert client.get(_url(case)).status_code == 200  # reads the plan
    assert client.get(_url(case, "objectives/new/")).status_code == 403
    assert client.get(_url(case, "review/")).status_code == 403


def test_another_crc_is_refused_as_if_the_case_did_not_exist(
    agreed: SentencePlan, client_for: Any
) -> None:
    client = client_for(practitioner_of("CRC-C12"))
    case = agreed.case
    objective = agreed.objectives.get()
    for url in [_url(case), _url(case, f"objectives/{objective.pk}/"), _url(case, "review/")]:
        response = client.get(url)
        assert response.status_code == 404 and "Quillfeather" not in response.content.decode()


def test_a_manager_of_the_responsible_crc_may_review(agreed: SentencePlan, client_for: Any) -> None:
    manager = manager_of("CRC-C08")
    client = client_for(manager)
    form = client.get(_url(agreed.case, "review/")).content.decode()
    response = client.post(
        _url(agreed.case, "review/"),
        {**_date("reviewed_on", timezone.localdate()), "summary": "Checked.", **_guards(form)},
    )
    assert response.status_code == 302
    assert PlanReview.objects.get().reviewed_by == manager


@pytest.mark.parametrize("objective_id", ["0", "999999999999", "99999999999999999999"])
def test_an_unknown_objective_is_not_found(
    case: Any, po: Any, client_for: Any, objective_id: str
) -> None:
    assert client_for(po).get(_url(case, f"objectives/{objective_id}/")).status_code == 404


def test_another_cases_objective_is_not_found_under_this_case(
    case: Any, po: Any, client_for: Any
) -> None:
    other = CaseFactory(responsible_organisation=organisation("CRC-C08"), responsible_officer=po)
    assess_needs(other, drugs="severe")
    theirs = _objective(other, po, need="drugs")
    response = client_for(po).post(
        _url(case, f"objectives/{theirs.pk}/"), {"status": "achieved", "description": "x"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ObjectiveStatus.OPEN


# --- No input gives a 500 -----------------------------------------------------------------------

HOSTILE = st.one_of(
    st.text(max_size=6000),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), max_size=20),
    st.sampled_from(
        ["", " ", "start", "agree", "achieved", "drugs", "-1", "99999999999999999999", "%00", "٣"]
    ),
)
FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DATE_PARTS = [f"{name}_{i}" for name in ("agreed_on", "reviewed_on") for i in range(3)]
GUARDS = ["case_version", "submission_token"]


@pytest.mark.parametrize(
    ("rest", "fields"),
    [
        ("", ["action", "persons_words", *DATE_PARTS[:3], *GUARDS]),
        ("objectives/new/", ["need", "requirement", "description", "persons_words", *GUARDS]),
        ("objective", ["status", "description", "persons_words", *GUARDS]),
        ("review/", ["summary", "persons_words", *DATE_PARTS[3:], *GUARDS]),
    ],
)
def test_no_form_of_the_plan_answers_5xx(
    case: Any, po: Any, client_for: Any, rest: str, fields: list[str]
) -> None:
    objective = _objective(case, po)
    if rest == "review/":
        plan_agree(case=case, by_user=po, agreed_on=case.opened_on)
    url = _url(case, f"objectives/{objective.pk}/" if rest == "objective" else rest)
    client = client_for(po)

    @FUZZ
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(fields, HOSTILE)))
    def check(data: dict[str, str]) -> None:
        assert client.post(url, data).status_code < 500, data

    check()


# --- The overview partial -------------------------------------------------------------------------


def test_the_overview_partial_summarises_the_plan(agreed: SentencePlan, po: Any) -> None:
    case = agreed.case
    html = render_to_string(
        "casework/plan/_plan_summary.html",
        {"person": case.person, **overview_plan(case, for_user=po)},
    )
    assert "Agreed on 2 November 2026" in html
    assert "1 in progress, 0 achieved, 0 no longer needed" in html
    assert "Drug misuse" in html  # the need no objective covers
    assert f'href="{_url(case)}"' in html


def test_the_overview_partial_without_a_plan(case: Any, po: Any) -> None:
    html = render_to_string(
        "casework/plan/_plan_summary.html",
        {"person": case.person, **overview_plan(case, for_user=po)},
    )
    assert "No sentence plan yet. The latest assessment found 2 needs to work on." in html
    assert "Start the sentence plan" in html
