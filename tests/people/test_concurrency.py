"""Changes to one case at the same time: the case row is locked, a stale form is refused with
its input kept, and a form sent twice records once. Real threads on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from probation.core.errors import AlreadySubmitted, Conflict
from probation.core.submissions import new_submission_token
from probation.risk.models import Assessment, Registration
from probation.risk.services import assessment_record, registration_add
from tests.factories import UserFactory, organisation

ASSESSMENT = {
    "assessed_on": dt.date(2025, 1, 6),
    "report_type": "fast",
    "rosh_public": "medium",
    "rosh_known_adult": "low",
    "rosh_children": "low",
    "rosh_staff": "low",
}


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at the same moment; each result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
)


@postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_assessments_adding_the_same_registration_at_once_both_record(sentenced_case):
    officers = [
        UserFactory(organisation=organisation("NPS"), roles=["court_officer"]) for _ in "ab"
    ]
    results = run_together(
        *[
            lambda officer=officer: assessment_record(
                case=sentenced_case, by_user=officer, registrations=["self_harm"], **ASSESSMENT
            )
            for officer in officers
        ]
    )
    assert all(isinstance(r, Assessment) for r in results), results
    assert (
        Registration.objects.filter(
            case=sentenced_case, kind="self_harm", ended_on__isnull=True
        ).count()
        == 1
    )


@postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_of_two_changes_from_the_same_version_the_second_is_refused(sentenced_case):
    officers = [
        UserFactory(organisation=organisation("NPS"), roles=["court_officer"]) for _ in "ab"
    ]
    version = sentenced_case.version
    results = run_together(
        *[
            lambda officer=officer, kind=kind: registration_add(
                case=sentenced_case, kind=kind, by_user=officer, expected_version=version
            )
            for officer, kind in zip(officers, ["self_harm", "mental_health"], strict=True)
        ]
    )
    assert sum(isinstance(r, Registration) for r in results) == 1
    [refusal] = [r for r in results if not isinstance(r, Registration)]
    assert isinstance(refusal, Conflict) and "Someone else changed this case" in refusal.message


@postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_double_submission_at_the_same_moment_records_once(sentenced_case):
    officer = UserFactory(organisation=organisation("NPS"), roles=["court_officer"])
    token = new_submission_token()
    results = run_together(
        *[
            lambda: assessment_record(
                case=sentenced_case, by_user=officer, submission_token=token, **ASSESSMENT
            )
            for _ in range(2)
        ]
    )
    assert sum(isinstance(r, Assessment) for r in results) == 1
    assert sum(isinstance(r, AlreadySubmitted) for r in results) == 1
    assert Assessment.objects.filter(case=sentenced_case).count() == 1


@pytest.mark.django_db
def test_a_refused_submission_can_be_corrected_and_sent_again(sentenced_case, court_officer):
    from probation.core.errors import InvalidInput

    token = new_submission_token()
    with pytest.raises(InvalidInput):
        assessment_record(
            case=sentenced_case,
            by_user=court_officer,
            submission_token=token,
            **{**ASSESSMENT, "mappa_category": 1},
        )
    assessment_record(
        case=sentenced_case, by_user=court_officer, submission_token=token, **ASSESSMENT
    )
    assert Assessment.objects.filter(case=sentenced_case).count() == 1


def post_assessment(client: Any, case: Any, **extra: Any) -> Any:
    page = client.get(f"/cases/{case.person.crn}/assessment/new/")
    form = page.context["form"]
    data = {
        "assessed_on_0": "6",
        "assessed_on_1": "1",
        "assessed_on_2": "2025",
        "report_type": "fast",
        "rosh_public": "medium",
        "rosh_known_adult": "low",
        "rosh_children": "low",
        "rosh_staff": "low",
        "rsr": "3.21",
        "case_version": form.initial["case_version"],
        "submission_token": form.initial["submission_token"],
        "registrations_shown": "1",
        **extra,
    }
    return data


@pytest.mark.django_db
def test_a_page_posted_twice_records_once_and_says_so(sentenced_case, court_officer, client_for):
    client = client_for(court_officer)
    data = post_assessment(client, sentenced_case)
    url = f"/cases/{sentenced_case.person.crn}/assessment/new/"
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert first.status_code == 302
    assert "This has already been recorded" in second.content.decode()
    assert Assessment.objects.filter(case=sentenced_case).count() == 1


@pytest.mark.django_db
def test_a_stale_form_is_refused_with_the_input_kept(sentenced_case, court_officer, client_for):
    client = client_for(court_officer)
    data = post_assessment(client, sentenced_case)
    registration_add(case=sentenced_case, kind="self_harm", by_user=court_officer)
    url = f"/cases/{sentenced_case.person.crn}/assessment/new/"
    response = client.post(url, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this case" in body
    assert 'value="3.21"' in body  # what the user entered is still there
    sentenced_case.refresh_from_db()
    assert f'name="case_version" value="{sentenced_case.version}"' in body
    assert client.post(url, {**data, "case_version": sentenced_case.version}).status_code == 302


@pytest.mark.django_db
def test_a_post_without_the_registration_boxes_leaves_the_registrations_alone(
    sentenced_case, court_officer, client_for
):
    registration_add(case=sentenced_case, kind="self_harm", by_user=court_officer)
    client = client_for(court_officer)
    data = post_assessment(client, sentenced_case)
    del data["registrations_shown"]
    url = f"/cases/{sentenced_case.person.crn}/assessment/new/"
    assert client.post(url, data).status_code == 302
    assert Registration.objects.filter(case=sentenced_case, ended_on__isnull=True).exists()
