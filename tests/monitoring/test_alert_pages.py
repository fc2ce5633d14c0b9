"""The alert pages: the operator's queue (their home), the resolved list, one alert with its map
and tables and the forms to acknowledge and resolve; the officer's view on the case and the to-do
list; reads audited; no 500 for anything a client can send."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.monitoring.models import Alert, AlertState
from tests.conftest import signed_in
from tests.monitoring.alert_setup import exclusion_zone, make_alert, walk_into_zone
from tests.monitoring.em_setup import curfew_order, em_case, fitted, operator

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops() -> Any:
    return operator()


@pytest.fixture
def order(crc_practitioner: Any) -> Any:
    return curfew_order(em_case(crc_practitioner))


@pytest.fixture
def tag(order: Any) -> Any:
    return fitted(order)


@pytest.fixture
def alert(order: Any, tag: Any) -> Alert:
    exclusion_zone(order)
    start = timezone.now() - dt.timedelta(minutes=10)
    walk_into_zone(tag, start)
    return make_alert(
        order,
        tag,
        episode_started_at=start + dt.timedelta(minutes=4),
        evidence={"sequence": 5, "lat": 53.4085, "lon": -2.982, "reason": "entered the zone"},
    )


def url(alert: Alert) -> str:
    return f"/monitoring/alerts/{alert.pk}/"


def test_operator_lands_on_the_queue_after_sign_in(ops):
    response = signed_in(ops).get("/")
    assert response.status_code == 302 and response["Location"] == "/monitoring/"


def test_queue_lists_open_alerts_with_person_and_clock_and_audits_the_crns(ops, alert, settings):
    settings.EM_ALERT_ACKNOWLEDGE_MINUTES = 15
    late = make_alert(
        alert.order, alert.device, kind="tamper", raised_at=timezone.now() - dt.timedelta(hours=1)
    )
    response = signed_in(ops).get("/monitoring/")
    assert response.status_code == 200
    page = response.content.decode()
    person = alert.case.person
    assert person.crn in page and person.surname in page
    assert "Entered an exclusion zone" in page and "Strap tampered with" in page
    assert page.index("Entered an exclusion zone") < page.index("Strap tampered with")
    assert "Waiting 1 hour" in page and "Overdue" in page
    assert 'data-testid="queue-overdue"' in page
    event = AuditEvent.objects.get(action=AuditAction.EM_ALERTS_LISTED)
    assert event.details["crns"] == [person.crn]
    assert sorted(event.details["alerts"]) == sorted([alert.pk, late.pk])
    # The menu offers the queue.
    assert 'href="/monitoring/"' in page


def test_queue_query_count_does_not_grow_with_the_alerts(ops, alert, django_assert_max_num_queries):
    for _ in range(30):
        make_alert(alert.order, alert.device, kind="battery_low")
    client = signed_in(ops)
    client.get("/monitoring/")  # warm the session
    with django_assert_max_num_queries(20):
        assert client.get("/monitoring/").status_code == 200


@pytest.mark.parametrize(
    "query", ["?kind=nonsense", "?state=resolved", "?page=abc", "?page=99999999", "?kind=%00"]
)
def test_bad_filters_are_messages_not_errors(ops, alert, query):
    response = signed_in(ops).get(f"/monitoring/{query}")
    assert response.status_code == 200
    if "kind" in query or "state" in query:
        assert "govuk-error-summary" in response.content.decode()


def test_filter_by_kind(ops, alert):
    make_alert(alert.order, alert.device, kind="battery_low")
    page = signed_in(ops).get("/monitoring/?kind=battery_low").content.decode()
    assert "Battery low" in page and "Entered an exclusion zone</a>" not in page


def test_practitioner_cannot_open_the_queue(crc_practitioner, alert):
    assert signed_in(crc_practitioner).get("/monitoring/").status_code == 403
    assert signed_in(crc_practitioner).get("/monitoring/alerts/resolved/").status_code == 403


def test_anonymous_is_sent_to_sign_in(alert):
    from django.test import Client

    response = Client().get(url(alert))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_alert_page_shows_map_tables_and_forms_and_audits_the_view(ops, alert):
    response = signed_in(ops).get(url(alert))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="alert-map-svg"' in page and 'data-testid="alert-map"' in page
    assert page.count('data-testid="trail-row"') == 6
    assert 'data-trigger="true"' in page
    assert "Town centre" in page and "Inside Town centre" in page
    assert "at the curfew address" in page
    assert 'id="alert-map-data"' in page
    assert "Acknowledge</button>" in page and "Resolve the alert</button>" in page
    event = AuditEvent.objects.get(action=AuditAction.EM_ALERT_VIEWED)
    assert event.crn == alert.case.person.crn and event.subject_id == str(alert.pk)


def test_acknowledge_then_resolve_through_the_page(ops, alert):
    client = signed_in(ops)
    response = client.post(url(alert), {"action": "acknowledge", "version": "0"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED
    page = client.get(url(alert)).content.decode()
    assert "Acknowledge</button>" not in page and "Resolve the alert</button>" in page
    response = client.post(
        url(alert),
        {"action": "resolve", "version": "1", "outcome": "explained", "note": "At the hospital"},
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.state, alert.outcome) == ("resolved", "explained")
    page = client.get(url(alert)).content.decode()
    assert "Resolve the alert</button>" not in page and "At the hospital" in page


def test_resolve_without_outcome_or_note_shows_errors_and_keeps_the_input(ops, alert):
    response = signed_in(ops).post(
        url(alert), {"action": "resolve", "version": "0", "note": "Rang the officer"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "Choose the outcome" in page
    assert "Rang the officer" in page
    alert.refresh_from_db()
    assert alert.state == AlertState.NEW


def test_a_stale_form_is_refused_with_the_input_kept_and_the_current_version(ops, alert):
    client = signed_in(ops)
    client.post(url(alert), {"action": "acknowledge", "version": "0"})
    response = client.post(
        url(alert),
        {"action": "resolve", "version": "0", "outcome": "false_alarm", "note": "Drift"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "changed after you opened it" in page and "Drift" in page
    assert 'name="version" value="1"' in page
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED


def test_a_second_acknowledgement_is_an_error_message(ops, alert):
    client = signed_in(ops)
    client.post(url(alert), {"action": "acknowledge", "version": "0"})
    response = client.post(url(alert), {"action": "acknowledge", "version": "1"})
    assert response.status_code == 200
    assert "already acknowledged" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "acknowledge", "version": "abc"},
        {"action": "resolve", "version": "-1", "outcome": "explained", "note": "x"},
        {"action": "delete"},
        {},
    ],
)
def test_bad_posts_are_not_errors(ops, alert, data):
    response = signed_in(ops).post(url(alert), data)
    assert response.status_code in (200, 302)
    alert.refresh_from_db()
    assert alert.state == AlertState.NEW


def test_practitioner_of_the_case_reads_the_alert_but_cannot_act(crc_practitioner, alert):
    client = signed_in(crc_practitioner)
    page = client.get(url(alert)).content.decode()
    assert 'data-testid="alert-map-svg"' in page
    assert "Acknowledge</button>" not in page
    response = client.post(url(alert), {"action": "acknowledge", "version": "0"})
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.state == AlertState.NEW


@pytest.mark.parametrize("path", ["999999", "99999999999999999999999", "0"])
def test_missing_alerts_are_not_found(ops, alert, path):
    response = signed_in(ops).get(f"/monitoring/alerts/{path}/")
    assert response.status_code == 404


def test_another_crc_gets_the_same_not_found_page(other_crc_practitioner, alert):
    response = signed_in(other_crc_practitioner).get(url(alert))
    assert response.status_code == 404
    assert alert.case.person.surname not in response.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.CASE_ACCESS_REFUSED, details__alert=alert.pk
    ).exists()


def test_resolved_list(ops, alert):
    client = signed_in(ops)
    client.post(
        url(alert), {"action": "resolve", "version": "0", "outcome": "false_alarm", "note": "x"}
    )
    page = client.get("/monitoring/alerts/resolved/").content.decode()
    assert "False alarm" in page and alert.case.person.crn in page
    assert "No open alerts." in client.get("/monitoring/").content.decode()


def test_officer_sees_the_alert_on_the_to_do_list_and_the_case(crc_practitioner, alert):
    client = signed_in(crc_practitioner)
    todo = client.get("/todo/").content.decode()
    assert 'data-testid="section-monitoring"' in todo
    assert url(alert) in todo and "Entered an exclusion zone" in todo
    overview = client.get(f"/cases/{alert.case.person.crn}/").content.decode()
    assert 'data-testid="case-em-alerts"' in overview and url(alert) in overview


def test_resolved_alerts_leave_the_to_do_list(crc_practitioner, alert):
    Alert.objects.filter(pk=alert.pk).update(state="resolved", resolved_at=timezone.now())
    todo = signed_in(crc_practitioner).get("/todo/").content.decode()
    assert url(alert) not in todo
    overview = signed_in(crc_practitioner).get(f"/cases/{alert.case.person.crn}/")
    assert "1 resolved alert" in overview.content.decode()


def test_alert_page_works_for_an_alert_with_nothing_to_map(ops, order):
    order.curfew_latitude = order.curfew_longitude = None
    order.save()
    quiet = make_alert(order, None, kind="no_signal")
    page = signed_in(ops).get(url(quiet)).content.decode()
    assert 'data-testid="no-map"' in page


@pytest.mark.parametrize(
    "reason", ["entered the zone", "A fix was inside the zone while it applied."]
)
def test_the_evidence_sentence_ends_with_one_full_stop(ops, alert, reason):
    alert.evidence = {**alert.evidence, "reason": reason}
    alert.save(update_fields=["evidence"])
    page = signed_in(ops).get(url(alert)).content.decode()
    sentence = page.split('data-testid="trigger-reason">', 1)[1].split("</p>", 1)[0]
    assert sentence.endswith(".") and not sentence.endswith("..")
    assert sentence[0].isupper()
