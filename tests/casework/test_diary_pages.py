"""The diary and contact pages: the day and week diary, the contact log with progress, booking,
recording an outcome (one short form), judging an absence, an unplanned contact, and My cases
showing the real next appointment. GET and POST, the error summary, refusals, no 500 on junk."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.supervision.models import Contact, Outcome
from tests.factories import CaseFactory, ContactFactory, organisation

pytestmark = pytest.mark.django_db


def at(days: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _guards(body: str) -> dict[str, str]:
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', body).group(1)  # type: ignore[union-attr]
        for name in ("case_version", "submission_token")
    }


def _get_form(client: Any, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200
    return _guards(response.content.decode())


@pytest.fixture
def po(client_for: Any, crc_practitioner: Any) -> Any:
    return client_for(crc_practitioner)


@pytest.fixture
def crn(crc_order_case: Any) -> str:
    return crc_order_case.person.crn


# -- the diary --------------------------------------------------------------------------------


def test_diary_day_lists_the_days_appointments(po, crc_order_case, crc_practitioner):
    ContactFactory(case=crc_order_case, starts_at=at(0, 9))
    ContactFactory(case=crc_order_case, starts_at=at(1, 9))
    response = po.get(reverse("casework:diary"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.split("Still to do")[0].count('data-testid="diary-row"') == 1
    assert escape(crc_order_case.person.surname) in body
    assert "Record outcome" in body or "Booked" in body
    assert 'data-testid="previous-day"' in body and 'data-testid="next-day"' in body
    assert AuditEvent.objects.filter(
        action=AuditAction.CASES_LISTED, details__list="diary"
    ).exists()


def test_diary_day_chosen_by_query(po, crc_order_case):
    ContactFactory(case=crc_order_case, starts_at=at(3, 9))
    day = timezone.localdate() + dt.timedelta(days=3)
    body = po.get(reverse("casework:diary") + f"?day={day:%Y-%m-%d}").content.decode()
    assert body.count('data-testid="diary-row"') == 1
    assert "Booked" in body


def test_diary_shows_record_outcome_for_a_past_appointment(po, crc_order_case):
    contact = ContactFactory(case=crc_order_case, starts_at=at(-1, 9))
    day = timezone.localdate() - dt.timedelta(days=1)
    body = po.get(reverse("casework:diary") + f"?day={day:%Y-%m-%d}").content.decode()
    assert reverse("casework:contact-outcome", args=[crc_order_case.person.crn, contact.pk]) in body


def test_diary_lists_overdue_outcomes_still_to_record(po, crc_order_case):
    ContactFactory(case=crc_order_case, starts_at=at(-3, 9))
    body = po.get(reverse("casework:diary")).content.decode()
    assert "Outcomes to record" in body and "Overdue" in body


def test_diary_week_groups_by_day(po, crc_order_case):
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    for offset, hour in ((0, 9), (2, 9), (2, 11)):
        start = timezone.make_aware(
            dt.datetime.combine(monday + dt.timedelta(days=offset), dt.time(hour, 0))
        )
        ContactFactory(case=crc_order_case, starts_at=start)
    response = po.get(reverse("casework:diary-week") + f"?week={monday:%Y-%m-%d}")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('data-testid="diary-row"') == 3
    assert "3 appointments" in body


def test_diary_is_one_query_for_the_rows(po, crc_order_case):
    for n in range(5):
        ContactFactory(case=crc_order_case, starts_at=at(0, 8 + n))
    with CaptureQueriesContext(connection) as few:
        po.get(reverse("casework:diary"))
    for n in range(5):
        ContactFactory(
            case=CaseFactory(
                responsible_organisation=organisation("CRC-C08"),
                responsible_officer=crc_order_case.responsible_officer,
            ),
            starts_at=at(0, 14) + dt.timedelta(minutes=n * 10),
        )
    with CaptureQueriesContext(connection) as many:
        po.get(reverse("casework:diary"))
    assert len(many) == len(few)


@pytest.mark.parametrize(
    "query",
    [
        "?day=junk",
        "?day=9999-99-99",
        "?day=0001-01-01",
        "?day=2026-02-30",
        "?day=%00",
        "?day=" + "1" * 500,
    ],
)
def test_diary_junk_day_is_today_not_a_500(po, query):
    response = po.get(reverse("casework:diary") + query)
    assert response.status_code == 200
    assert "(today)" in response.content.decode()


@pytest.mark.parametrize("query", ["?week=junk", "?week=99999-01-01", "?week=٢٠٢٦-٠١-٠١"])
def test_diary_week_junk_is_this_week(po, query):
    assert po.get(reverse("casework:diary-week") + query).status_code == 200


def test_diary_refused_to_other_roles(client_for, enforcement_officer):
    response = client_for(enforcement_officer).get(reverse("casework:diary"))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REFUSED).exists()


def test_diary_asks_anonymous_to_sign_in(client):
    assert client.get(reverse("casework:diary")).status_code == 302


# -- the contact log --------------------------------------------------------------------------


def test_contact_log_with_progress_and_book_button(po, crc_order_case, crn):
    requirement = crc_order_case.sentences.get().requirements.get(kind="unpaid_work")
    ContactFactory(
        case=crc_order_case,
        starts_at=at(-5),
        contact_type="unpaid_work",
        requirement=requirement,
        outcome="attended_complied",
        hours_credited=7,
        notes="Painted the community centre.",
    )
    body = po.get(reverse("casework:contacts", args=[crn])).content.decode()
    assert 'data-testid="book-appointment"' in body
    assert "7 of 100 hours done" in body and "93 hours left" in body
    assert "To be completed by 2 November 2027" in body
    assert "0 of 20 days done" in body
    assert "Painted the community centre." in body


def test_contact_log_is_paged(po, crc_order_case, crn):
    for n in range(30):
        ContactFactory(case=crc_order_case, starts_at=at(-40 + n))
    body = po.get(reverse("casework:contacts", args=[crn])).content.decode()
    assert body.count('data-testid="contact-row"') == 25
    body = po.get(reverse("casework:contacts", args=[crn]) + "?page=2").content.decode()
    assert body.count('data-testid="contact-row"') == 5
    assert po.get(reverse("casework:contacts", args=[crn]) + "?page=zz").status_code == 200


def test_contact_log_read_only_for_nps(client_for, nps_practitioner, crn):
    body = (
        client_for(nps_practitioner).get(reverse("casework:contacts", args=[crn])).content.decode()
    )
    assert 'data-testid="book-appointment"' not in body


def test_contact_log_refused_to_other_crc(client_for, other_crc_practitioner, crn):
    response = client_for(other_crc_practitioner).get(reverse("casework:contacts", args=[crn]))
    assert response.status_code == 404


# -- booking ----------------------------------------------------------------------------------


def _booking(day: dt.date, **extra: str) -> dict[str, str]:
    return {
        "contact_type": "supervision",
        "day_0": str(day.day),
        "day_1": str(day.month),
        "day_2": str(day.year),
        "starts_at": "10:30",
        "length": "60",
        "location": "Liverpool office",
        "repeat": "0",
        "times": "",
        **extra,
    }


def test_book_an_appointment(po, crn, crc_order_case):
    url = reverse("casework:appointment-new", args=[crn])
    guards = _get_form(po, url)
    day = timezone.localdate() + dt.timedelta(days=2)
    response = po.post(url, {**_booking(day), **guards})
    assert response.status_code == 302
    assert response.url == reverse("casework:contacts", args=[crn])
    contact = Contact.objects.get()
    assert timezone.localtime(contact.starts_at).time() == dt.time(10, 30)
    assert contact.location == "Liverpool office"
    body = po.get(response.url).content.decode()
    assert "Appointment booked for" in body


def test_book_a_weekly_run(po, crn):
    url = reverse("casework:appointment-new", args=[crn])
    day = timezone.localdate() + dt.timedelta(days=2)
    po.post(url, {**_booking(day, repeat="1", times="6"), **_get_form(po, url)})
    assert Contact.objects.count() == 6


def test_booking_clash_shown_in_the_error_summary(po, crn, crc_order_case):
    day = timezone.localdate() + dt.timedelta(days=2)
    ContactFactory(
        case=crc_order_case,
        starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0))),
    )
    url = reverse("casework:appointment-new", args=[crn])
    response = po.post(url, {**_booking(day), **_get_form(po, url)})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and "clashes" in body
    assert Contact.objects.count() == 1


def test_booking_in_the_past_is_refused(po, crn):
    url = reverse("casework:appointment-new", args=[crn])
    day = timezone.localdate() - dt.timedelta(days=1)
    body = po.post(url, {**_booking(day), **_get_form(po, url)}).content.decode()
    assert "today or in the future" in body and not Contact.objects.exists()
    assert 'id="id_day-error"' in body  # the date is marked wrong, not the time


def test_booking_repeat_without_times_asks_for_them(po, crn):
    url = reverse("casework:appointment-new", args=[crn])
    day = timezone.localdate() + dt.timedelta(days=2)
    body = po.post(url, {**_booking(day, repeat="2"), **_get_form(po, url)}).content.decode()
    assert "Enter how many appointments in all" in body


@pytest.mark.parametrize(
    "junk",
    [
        {"starts_at": "25:99"},
        {"starts_at": "١٠:٣٠"},
        {"starts_at": "x" * 5000},
        {"length": "999999"},
        {"length": "abc"},
        {"contact_type": "party"},
        {"day_2": "99999"},
        {"day_0": "٣"},
        {"repeat": "7"},
        {"repeat": "1", "times": "53"},
        {"repeat": "1", "times": "٣"},
        {"location": "\x00"},
        {"location": "x" * 5000},
        {"case_version": "abc"},
    ],
)
def test_booking_junk_is_an_error_not_a_500(po, crn, junk):
    url = reverse("casework:appointment-new", args=[crn])
    day = timezone.localdate() + dt.timedelta(days=2)
    response = po.post(url, {**_booking(day), **_get_form(po, url), **junk})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not Contact.objects.exists()


def test_booking_refused_to_nps_practitioner(client_for, nps_practitioner, crn):
    client = client_for(nps_practitioner)
    url = reverse("casework:appointment-new", args=[crn])
    assert 'data-testid="may-not-book"' in client.get(url).content.decode()
    day = timezone.localdate() + dt.timedelta(days=2)
    assert client.post(url, _booking(day)).status_code == 403
    assert not Contact.objects.exists()


def test_booking_page_refused_to_enforcement_officer(client_for, enforcement_officer, crn):
    url = reverse("casework:appointment-new", args=[crn])
    assert client_for(enforcement_officer).get(url).status_code == 403


def test_booking_unknown_case_is_404(po):
    assert po.get(reverse("casework:appointment-new", args=["X999999"])).status_code == 404


# -- recording an outcome ---------------------------------------------------------------------


@pytest.fixture
def yesterday(crc_order_case: Any) -> Contact:
    return ContactFactory(case=crc_order_case, starts_at=at(-1))


def test_outcome_form_is_short_and_keyboard_friendly(po, crn, yesterday):
    body = po.get(reverse("casework:contact-outcome", args=[crn, yesterday.pk])).content.decode()
    start = body.index("novalidate>")
    form = body[start : body.index("</form>", start)]
    first_input = re.search(r"<input[^>]*govuk-radios__input[^>]*>", form).group(0)  # type: ignore[union-attr]
    assert "autofocus" in first_input
    assert form.index("govuk-radios__input") < form.index("govuk-textarea")
    assert "Hours credited" not in body
    assert " required" not in form  # novalidate form: only "What happened?" is required


def test_record_attended(po, crn, yesterday):
    url = reverse("casework:contact-outcome", args=[crn, yesterday.pk])
    response = po.post(url, {"outcome": "attended_complied", **_get_form(po, url)})
    assert response.status_code == 302
    yesterday.refresh_from_db()
    assert yesterday.outcome == Outcome.ATTENDED_COMPLIED
    body = po.get(response.url).content.decode()
    assert "Attended and complied recorded" in body


def test_record_failure_says_a_decision_is_on_the_to_do_list(po, crn, yesterday):
    url = reverse("casework:contact-outcome", args=[crn, yesterday.pk])
    response = po.post(url, {"outcome": "unacceptable_absence", **_get_form(po, url)})
    assert response.url == reverse("casework:contacts", args=[crn])
    body = po.get(response.url).content.decode()
    assert "warning or a breach referral is now on your to-do list" in body


def test_record_acceptable_absence_without_reason_shows_the_error(po, crn, yesterday):
    url = reverse("casework:contact-outcome", args=[crn, yesterday.pk])
    body = po.post(url, {"outcome": "acceptable_absence", **_get_form(po, url)}).content.decode()
    assert "There is a problem" in body and "Enter the reason for the absence" in body
    yesterday.refresh_from_db()
    assert yesterday.outcome == ""


def test_record_awaiting_judgement_then_judge(po, crn, yesterday):
    url = reverse("casework:contact-outcome", args=[crn, yesterday.pk])
    po.post(url, {"outcome": "awaiting_judgement", **_get_form(po, url)})
    yesterday.refresh_from_db()
    assert yesterday.outcome == Outcome.AWAITING_JUDGEMENT
    log = po.get(reverse("casework:contacts", args=[crn])).content.decode()
    judge_url = reverse("casework:absence-judge", args=[crn, yesterday.pk])
    assert judge_url in log
    response = po.post(
        judge_url, {"acceptable": "yes", "reason": "In hospital", **_get_form(po, judge_url)}
    )
    assert response.status_code == 302
    yesterday.refresh_from_db()
    assert yesterday.outcome == Outcome.ACCEPTABLE_ABSENCE


def test_judge_acceptable_needs_reason(po, crn, yesterday):
    yesterday.outcome = "awaiting_judgement"
    yesterday.save()
    url = reverse("casework:absence-judge", args=[crn, yesterday.pk])
    body = po.post(url, {"acceptable": "yes", **_get_form(po, url)}).content.decode()
    assert "There is a problem" in body


def test_judge_a_contact_not_awaiting_shows_the_conflict(po, crn, yesterday):
    url = reverse("casework:absence-judge", args=[crn, yesterday.pk])
    body = po.get(url).content.decode()
    assert 'data-testid="not-awaiting"' in body
    body = po.post(url, {"acceptable": "no"}).content.decode()
    assert "There is a problem" in body and "not an absence awaiting judgement" in body


def test_unpaid_work_outcome_shows_hours(po, crn, crc_order_case):
    requirement = crc_order_case.sentences.get().requirements.get(kind="unpaid_work")
    contact = ContactFactory(
        case=crc_order_case,
        starts_at=at(-1, 9),
        ends_at=at(-1, 16),
        contact_type="unpaid_work",
        requirement=requirement,
    )
    url = reverse("casework:contact-outcome", args=[crn, contact.pk])
    body = po.get(url).content.decode()
    assert "Hours credited" in body and "whole session (7 hours" in body
    po.post(url, {"outcome": "attended_complied", "hours_credited": "6.5", **_guards(body)})
    contact.refresh_from_db()
    assert str(contact.hours_credited) == "6.50"


def test_unpaid_work_absence_credits_no_hours(po, crn, crc_order_case):
    requirement = crc_order_case.sentences.get().requirements.get(kind="unpaid_work")
    contact = ContactFactory(
        case=crc_order_case,
        starts_at=at(-1, 9),
        ends_at=at(-1, 16),
        contact_type="unpaid_work",
        requirement=requirement,
    )
    url = reverse("casework:contact-outcome", args=[crn, contact.pk])
    response = po.post(url, {"outcome": "unacceptable_absence", **_get_form(po, url)})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.hours_credited is None and contact.is_failure


@pytest.mark.parametrize("hours", ["abc", "-1", "٣", "1e5", "99", "NaN"])
def test_unpaid_work_junk_hours_error_not_500(po, crn, crc_order_case, hours):
    requirement = crc_order_case.sentences.get().requirements.get(kind="unpaid_work")
    contact = ContactFactory(
        case=crc_order_case,
        starts_at=at(-1, 9),
        ends_at=at(-1, 16),
        contact_type="unpaid_work",
        requirement=requirement,
    )
    url = reverse("casework:contact-outcome", args=[crn, contact.pk])
    response = po.post(
        url, {"outcome": "attended_complied", "hours_credited": hours, **_get_form(po, url)}
    )
    assert response.status_code == 200 and "There is a problem" in response.content.decode()


def test_outcome_of_a_future_appointment_is_refused(po, crn, crc_order_case):
    contact = ContactFactory(case=crc_order_case, starts_at=at(2))
    url = reverse("casework:contact-outcome", args=[crn, contact.pk])
    body = po.post(url, {"outcome": "attended_complied", **_get_form(po, url)}).content.decode()
    assert "has not started yet" in body
    response = po.post(url, {"outcome": "rescheduled", **_get_form(po, url)})
    assert response.status_code == 302


def test_outcome_twice_shows_the_conflict(po, crn, yesterday):
    url = reverse("casework:contact-outcome", args=[crn, yesterday.pk])
    stale = _get_form(po, url)
    po.post(url, {"outcome": "attended_complied", **_get_form(po, url)})
    response = po.post(url, {"outcome": "unacceptable_absence", **stale, "case_version": ""})
    body = response.content.decode()
    assert response.status_code == 200 and "already recorded" in body
    yesterday.refresh_from_db()
    assert yesterday.outcome == Outcome.ATTENDED_COMPLIED


@pytest.mark.parametrize(
    "junk",
    [{"outcome": "party"}, {"outcome": ""}, {"notes": "\x01"}, {"absence_reason": "x" * 600}],
)
def test_outcome_junk_is_an_error(po, crn, yesterday, junk):
    url = reverse("casework:contact-outcome", args=[crn, yesterday.pk])
    response = po.post(url, {"outcome": "attended_complied", **_get_form(po, url), **junk})
    assert response.status_code == 200 and "There is a problem" in response.content.decode()


def test_outcome_of_another_cases_contact_is_404(po, crn, crc_practitioner):
    other = ContactFactory(
        case=CaseFactory(
            responsible_organisation=organisation("CRC-C08"), responsible_officer=crc_practitioner
        ),
        starts_at=at(-1),
    )
    assert po.get(reverse("casework:contact-outcome", args=[crn, other.pk])).status_code == 404
    assert po.get(reverse("casework:contact-outcome", args=[crn, 99999999])).status_code == 404
    assert po.get(reverse("casework:absence-judge", args=[crn, 99999999])).status_code == 404


def test_outcome_post_refused_to_nps(client_for, nps_practitioner, crn, yesterday):
    client = client_for(nps_practitioner)
    url = reverse("casework:contact-outcome", args=[crn, yesterday.pk])
    assert 'data-testid="may-not-record"' in client.get(url).content.decode()
    assert client.post(url, {"outcome": "attended_complied"}).status_code == 403
    yesterday.refresh_from_db()
    assert yesterday.outcome == ""


# -- an unplanned contact ---------------------------------------------------------------------


def test_record_an_unplanned_phone_call(po, crn):
    url = reverse("casework:contact-new", args=[crn])
    when = timezone.localtime() - dt.timedelta(hours=1)
    response = po.post(
        url,
        {
            "contact_type": "phone",
            "outcome": "attended_complied",
            "day_0": str(when.day),
            "day_1": str(when.month),
            "day_2": str(when.year),
            "starts_at": f"{when:%H:%M}",
            "length": "15",
            "notes": "Rang about his new job.",
            **_get_form(po, url),
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.contact_type == "phone" and contact.outcome == Outcome.ATTENDED_COMPLIED


def test_unplanned_contact_in_the_future_is_refused(po, crn):
    url = reverse("casework:contact-new", args=[crn])
    day = timezone.localdate() + dt.timedelta(days=2)
    body = po.post(
        url,
        {
            "contact_type": "phone",
            "outcome": "attended_complied",
            "day_0": str(day.day),
            "day_1": str(day.month),
            "day_2": str(day.year),
            "starts_at": "10:00",
            "length": "15",
            **_get_form(po, url),
        },
    ).content.decode()
    assert "There is a problem" in body and "happened already" in body
    assert not Contact.objects.exists()


# -- My cases ---------------------------------------------------------------------------------


def test_my_cases_shows_the_next_appointment(po, crc_order_case, crc_practitioner):
    other = CaseFactory(
        responsible_organisation=organisation("CRC-C08"), responsible_officer=crc_practitioner
    )
    ContactFactory(case=crc_order_case, starts_at=at(-1))  # past: not next
    ContactFactory(case=crc_order_case, starts_at=at(9, 15))
    ContactFactory(case=crc_order_case, starts_at=at(4, 11))
    ContactFactory(case=crc_order_case, starts_at=at(2, 9), outcome="rescheduled")
    body = po.get(reverse("casework:my-cases")).content.decode()
    cells = re.findall(r'data-testid="next-appointment">(.*?)</td>', body, re.S)
    assert len(cells) == 2
    expected = timezone.localdate() + dt.timedelta(days=4)
    by_name = dict(
        zip(
            sorted([crc_order_case.person.surname, other.person.surname]),
            cells,
            strict=True,
        )
    )
    assert f"{expected.day} " in by_name[crc_order_case.person.surname]
    assert "11:00" in by_name[crc_order_case.person.surname]
    assert "None booked" in by_name[other.person.surname]


def test_my_cases_next_appointment_costs_no_query_per_case(po, crc_practitioner):
    def make(n: int) -> None:
        for _ in range(n):
            case = CaseFactory(
                responsible_organisation=organisation("CRC-C08"),
                responsible_officer=crc_practitioner,
            )
            ContactFactory(case=case, starts_at=at(3))

    make(2)
    with CaptureQueriesContext(connection) as few:
        po.get(reverse("casework:my-cases"))
    make(6)
    with CaptureQueriesContext(connection) as many:
        po.get(reverse("casework:my-cases"))
    assert len(many) == len(few)


def test_search_does_not_claim_none_booked(po, crc_order_case):
    body = po.get(reverse("casework:search") + f"?q={crc_order_case.person.crn}").content.decode()
    assert "None booked" not in body


def test_booking_sent_twice_books_once(po, crn):
    url = reverse("casework:appointment-new", args=[crn])
    day = timezone.localdate() + dt.timedelta(days=2)
    data = {**_booking(day), **_get_form(po, url)}
    first = po.post(url, data)
    again = po.post(url, data)
    assert first.status_code == 302 and again.status_code == 302
    assert Contact.objects.count() == 1


def test_booking_with_a_stale_version_keeps_what_was_entered(po, crn, crc_order_case):
    url = reverse("casework:appointment-new", args=[crn])
    data = {**_booking(timezone.localdate() + dt.timedelta(days=2)), **_get_form(po, url)}
    data["case_version"] = str(crc_order_case.version + 5)
    body = po.post(url, data).content.decode()
    assert "Someone else changed this case" in body and 'value="Liverpool office"' in body
    assert not Contact.objects.exists()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    fields=st.dictionaries(
        st.sampled_from(["outcome", "hours_credited", "absence_reason", "notes", "case_version"]),
        st.text(max_size=300),
    )
)
def test_outcome_form_never_500s(client_for, crc_practitioner, crc_order_case, fields):
    requirement = crc_order_case.sentences.get().requirements.get(kind="unpaid_work")
    contact = ContactFactory(
        case=crc_order_case,
        starts_at=at(-1, 9),
        ends_at=at(-1, 16),
        contact_type="unpaid_work",
        requirement=requirement,
    )
    url = reverse("casework:contact-outcome", args=[crc_order_case.person.crn, contact.pk])
    response = client_for(crc_practitioner).post(url, fields)
    assert response.status_code in (200, 302)
    contact.delete()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    fields=st.dictionaries(
        st.sampled_from(
            ["contact_type", "day_0", "day_1", "day_2", "starts_at", "length", "repeat", "times"]
        ),
        st.text(max_size=40),
    )
)
def test_booking_form_never_500s(client_for, crc_practitioner, crc_order_case, fields):
    url = reverse("casework:appointment-new", args=[crc_order_case.person.crn])
    day = timezone.localdate() + dt.timedelta(days=2)
    response = client_for(crc_practitioner).post(url, {**_booking(day), **fields})
    assert response.status_code in (200, 302)
    Contact.objects.all().delete()
