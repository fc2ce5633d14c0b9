"""Every page that takes a CRN from its URL refuses each kind of outsider the same way, and
audits it.

The pages are discovered from the URL configuration, not listed by hand: a new case page is
checked the moment its URL exists, and one that does not resolve its case through
``probation.people.access.case_page`` fails here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from probation.allocation.models import Escalation
from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.enforcement.models import (
    BreachReferral,
    Recall,
    SeriousFurtherOffence,
    WarningLetter,
)
from probation.monitoring.models import EmOrder
from probation.people.services import case_access_set
from probation.risk.models import Registration
from probation.supervision.models import Objective, ReminderMessage, SentencePlan
from tests.factories import ContactFactory, SentenceFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db

ALL_ROLES = ["practitioner", "court_officer", "allocating_manager"]

# Values for the other parts of a case page's URL, made for the case under test. A new case page
# with a URL part not listed here fails test_every_url_part_has_a_sample_value.
SAMPLE_VALUES: dict[str, Any] = {
    "escalation_id": lambda case: Escalation.objects.create(
        case=case,
        trigger="manual",
        from_organisation=case.responsible_organisation,
        reason="RoSH to children rose to high.",
        review_due_on=case.opened_on,
    ).pk,
    "registration_id": lambda case: Registration.objects.create(
        case=case, kind="self_harm", registered_on=case.opened_on
    ).pk,
    # Issue 9's pages: supervision and enforcement.
    "contact_id": lambda case: _contact(case).pk,
    "objective_id": lambda case: Objective.objects.create(
        plan=SentencePlan.objects.get_or_create(case=case)[0], description="Find work."
    ).pk,
    "warning_id": lambda case: _warning(case).pk,
    "breach_id": lambda case: BreachReferral.objects.create(
        case=case,
        sentence=_order(case),
        failure=_contact(case, outcome="unacceptable_absence"),
        reason="A second failure within twelve months of a warning.",
        from_organisation=case.responsible_organisation,
        due_on=case.opened_on,
    ).pk,
    "recall_id": lambda case: Recall.objects.create(
        case=case,
        sentence=_order(case),
        reason="contact_lost",
        details="Not at the approved address.",
        from_organisation=case.responsible_organisation,
        decision_due_on=case.opened_on,
    ).pk,
    "sfo_id": lambda case: SeriousFurtherOffence.objects.create(
        case=case,
        offence_description="Wounding with intent",
        charged_on=case.opened_on,
        organisation=case.responsible_organisation,
        contract_area=case.contract_area,
        notification_due_on=case.opened_on,
    ).pk,
    "message_id": lambda case: ReminderMessage.objects.create(
        case=case, channel="email", recipient="person@example.org", body="Reminder."
    ).pk,
    # Issue 11's pages: electronic monitoring.
    "order_id": lambda case: EmOrder.objects.create(
        case=case,
        source="licence_condition",
        condition="Curfew 7pm to 7am at the approved address.",
        starts_on=case.opened_on,
        ends_on=case.opened_on,
    ).pk,
}


def _order(case: Any) -> Any:
    return case.sentences.first() or SentenceFactory(case=case)


def _contact(case: Any, outcome: str = "") -> Any:
    return ContactFactory(case=case, sentence=_order(case), outcome=outcome)


def _warning(case: Any) -> Any:
    return WarningLetter.objects.create(
        case=case,
        sentence=_order(case),
        failure=_contact(case, outcome="unacceptable_absence"),
        issued_on=case.opened_on,
        letter="You did not attend.",
    )


def _walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "api":
                continue  # the API has its own table-driven test: tests/api/test_visibility.py
            found += _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry.callback))
    return found


CASE_PAGES = sorted(
    (route, view) for route, view in _walk(get_resolver().url_patterns) if "<str:crn>" in route
)
ROUTES = [route for route, _ in CASE_PAGES]


def test_the_case_pages_are_discovered() -> None:
    assert {
        "cases/<str:crn>/",
        "cases/<str:crn>/assessment/new/",
        "cases/<str:crn>/registrations/",
        "cases/<str:crn>/tier/",
        "cases/<str:crn>/sentences/new/",
        "cases/<str:crn>/allocate/",
    } <= set(ROUTES)


@pytest.mark.parametrize(("route", "view"), CASE_PAGES, ids=ROUTES)
def test_every_case_page_resolves_its_case_through_the_audited_decorator(route, view) -> None:
    assert getattr(view, "case_page", None), (
        f"{route}: decorate the view with probation.people.access.case_page"
    )


@pytest.mark.parametrize("route", ROUTES)
def test_every_url_part_has_a_sample_value(route) -> None:
    parts = set(re.findall(r"<(?:\w+:)?(\w+)>", route)) - {"crn"}
    assert parts <= SAMPLE_VALUES.keys(), f"add a sample value for {parts} of {route}"


def _url(route: str, case: Any) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return case.person.crn if name == "crn" else str(SAMPLE_VALUES[name](case))

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, route)


def _method(view: Any) -> str:
    """POST for views that accept nothing else (require_POST), GET otherwise."""
    closure = getattr(view, "__closure__", None) or ()
    allowed = [c.cell_contents for c in closure if isinstance(c.cell_contents, list | tuple)]
    return "post" if any(list(a) == ["POST"] for a in allowed) else "get"


REFUSAL_REASONS = {
    "other_crc": "other_organisation",
    "excluded": "excluded",
    "outside_restriction": "not_on_restriction_list",
}


def outsider(kind: str, case: Any, administrator: Any) -> Any:
    """A user who must not see ``case``, for each way of being outside it."""
    if kind == "other_crc":
        return UserFactory(organisation=organisation("CRC-C12"), roles=ALL_ROLES)
    if kind == "excluded":
        user = UserFactory(organisation=organisation("NPS"), roles=ALL_ROLES)
        case_access_set(case=case, user=user, kind="exclusion", by_user=administrator)
        return user
    if kind == "outside_restriction":
        insider = UserFactory(organisation=organisation("NPS"), roles=ALL_ROLES)
        case_access_set(case=case, user=insider, kind="restriction", by_user=administrator)
        return UserFactory(organisation=organisation("NPS"), roles=ALL_ROLES)
    raise AssertionError(kind)


@pytest.mark.parametrize(("route", "view"), CASE_PAGES, ids=ROUTES)
@pytest.mark.parametrize("kind", ["other_crc", "excluded", "outside_restriction"])
def test_outsiders_are_refused_and_audited(route, view, kind, crc_case, administrator, client_for):
    user = outsider(kind, crc_case, administrator)
    url = _url(route, crc_case)
    response = getattr(client_for(user), _method(view))(url)
    assert response.status_code == 404
    body = response.content.decode()
    assert crc_case.person.surname not in body
    assert "We cannot show this case" in body
    event = AuditEvent.objects.get(
        action=AuditAction.CASE_ACCESS_REFUSED, crn=crc_case.person.crn, actor=user
    )
    assert event.path == url
    assert event.details["reason"] == REFUSAL_REASONS[kind]


@pytest.mark.parametrize(("route", "view"), CASE_PAGES, ids=ROUTES)
def test_anonymous_users_are_sent_to_sign_in_and_audited(route, view, crc_case, client):
    response = getattr(client, _method(view))(_url(route, crc_case))
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert AuditEvent.objects.filter(
        action=AuditAction.CASE_ACCESS_REFUSED, crn=crc_case.person.crn, actor=None
    ).exists()


@pytest.mark.parametrize(("route", "view"), CASE_PAGES, ids=ROUTES)
def test_an_nps_user_with_the_role_opens_the_page_and_the_view_names_it(
    route, view, crc_case, client_for
):
    user = UserFactory(organisation=organisation("NPS"), roles=ALL_ROLES)
    crn = crc_case.person.crn
    response = getattr(client_for(user), _method(view))(_url(route, crc_case))
    if _method(view) == "get" and response["Content-Type"] == "application/pdf":
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF-")  # a printable document of the case
    elif _method(view) == "get":
        assert response.status_code == 200
        assert crc_case.person.surname in response.content.decode()
    else:
        assert response.status_code == 302  # the action is done and the user sent back
    event = AuditEvent.objects.get(action=AuditAction.CASE_VIEWED, crn=crn, actor=user)
    assert event.details["page"] == view.case_page


def test_anonymous_refusals_are_throttled_before_they_are_audited(crc_case, client, settings):
    settings.ANONYMOUS_REFUSALS_PER_MINUTE = 10
    url = f"/cases/{crc_case.person.crn}/"
    statuses = [client.get(url).status_code for _ in range(40)]
    assert statuses.count(302) == 10 and statuses.count(429) == 30
    assert AuditEvent.objects.filter(action=AuditAction.CASE_ACCESS_REFUSED).count() == 10
