"""Audit search reads as words: event labels, who (name and username), which page was viewed,
details and changes as summary lists; a filter by event; a CSV export of the same search."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from probation.core import views
from probation.core.audit import AuditAction, AuditRecord, audit, audit_many
from probation.core.models import AuditEvent
from probation.core.templatetags.openprobation import (
    MAX_ROWS,
    change_rows,
    datetime_in_words,
    detail_rows,
    time_in_words,
    value_in_words,
)
from probation.workforce.models import User
from tests.factories import UserFactory, organisation

pytestmark = pytest.mark.django_db

CRN = "X123456"


def today_params() -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "date_from_0": today.day,
        "date_from_1": today.month,
        "date_from_2": today.year,
    }


def search(client: Any, **params: Any) -> str:
    response = client.get("/audit/", params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def practitioner(db: Any) -> Any:
    return UserFactory(
        username="sam.okoro",
        first_name="Sam",
        last_name="Okoro",
        organisation=organisation("CRC-C08"),
        roles=["practitioner"],
    )


class TestEventsInWords:
    def test_case_page_views_say_which_page_and_name_the_user(
        self, auditor, crc_case, crc_practitioner, client_for
    ):
        reader = client_for(crc_practitioner)
        crn = crc_case.person.crn
        reader.get(f"/cases/{crn}/")
        reader.get(f"/cases/{crn}/tier/")
        reader.get(f"/cases/{crn}/registrations/")
        body = search(client_for(auditor), crn=crn)
        assert "Viewed the case overview" in body
        assert "Viewed the case&#x27;s tier history" in body
        assert "Viewed the case&#x27;s registrations" in body
        assert escape(crc_practitioner.get_full_name()) in body
        assert crc_practitioner.username in body
        assert "{&#x27;page&#x27;" not in body and "{'page'" not in body

    def test_other_events_show_their_label(self, auditor, practitioner, client_for):
        audit(practitioner, AuditAction.USER_SIGNED_IN)
        audit(practitioner, AuditAction.CASES_SEARCHED, details={"query": "Smith", "results": 3})
        body = search(client_for(auditor), username="sam.okoro")
        assert "Signed in" in body
        assert "Searched for cases" in body
        assert "Sam Okoro" in body

    def test_refusals_say_what_was_refused_and_why(self, auditor, practitioner, client_for):
        audit(
            practitioner,
            AuditAction.CASE_ACCESS_REFUSED,
            crn=CRN,
            details={"reason": "excluded", "requested": CRN, "page": "tier history"},
        )
        audit(
            practitioner, AuditAction.ROLE_REFUSED, crn=CRN, details={"page": "record a sentence"}
        )
        body = search(client_for(auditor), crn=CRN)
        assert "Refused access to the case&#x27;s tier history" in body
        assert "They are on the case&#x27;s exclusion list" in body
        assert "Refused recording a sentence: their role does not allow it" in body

    def test_anonymous_system_and_vanished_actors(self, auditor, client_for):
        audit(None, AuditAction.CASE_ACCESS_REFUSED, crn=CRN, details={"reason": "anonymous"})
        audit_many([AuditRecord(action=AuditAction.TIER_RECALCULATED, crn=CRN)])
        gone = User(pk=987_654_321, username="gone.user")
        audit(gone, AuditAction.CASE_VIEWED, crn=CRN, details={"page": "case overview"})
        body = search(client_for(auditor), crn=CRN)
        assert "Not signed in" in body
        assert "The system" in body
        assert "gone.user" in body
        assert "account no longer exists" in body

    def test_details_and_changes_are_summary_lists_with_dates_in_words(
        self, auditor, practitioner, client_for
    ):
        audit(
            practitioner,
            AuditAction.TIER_RECALCULATED,
            crn=CRN,
            before={"tier": "C3", "facts_version": 1},
            after={"tier": "B2", "explanation": "RoSH high", "facts_version": 1},
            details={"trigger": "sentence", "sentence_date": "2025-01-06"},
        )
        body = search(client_for(auditor), crn=CRN)
        assert 'class="govuk-summary-list govuk-summary-list--no-border' in body
        assert (
            '<dt class="govuk-summary-list__key">Tier</dt>'
            '<dd class="govuk-summary-list__value">B2 (was C3)</dd>'
        ) in body
        assert "RoSH high" in body
        assert "Facts version" not in body  # unchanged values are left out
        assert '<dd class="govuk-summary-list__value">6 January 2025</dd>' in body
        assert "2025-01-06" not in body

    def test_values_are_escaped(self, auditor, practitioner, client_for):
        audit(
            practitioner,
            AuditAction.CASES_SEARCHED,
            details={"query": "<script>alert(1)</script>", "<b>key</b>": "x"},
        )
        body = search(client_for(auditor), username="sam.okoro")
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert "<b>key</b>" not in body

    def test_when_is_a_date_and_time_in_words(self, auditor, practitioner, client_for):
        event = audit(practitioner, AuditAction.USER_SIGNED_IN)
        body = search(client_for(auditor), username="sam.okoro")
        assert datetime_in_words(event.at) in body
        shown = re.sub(r'datetime="[^"]*"', "", body)  # machine-readable, not shown
        assert not re.search(r"\d{4}-\d{2}-\d{2}", shown)


class TestFilterByEvent:
    def test_the_select_offers_every_audit_action(self, auditor, client_for):
        body = client_for(auditor).get("/audit/").content.decode()
        assert '<select class="govuk-select" id="id_action" name="action">' in body
        assert '<option value="" selected>Any event</option>' in body
        for action in AuditAction:
            assert f'<option value="{action.value}"' in body

    def test_only_events_of_the_chosen_kind_are_shown(self, auditor, practitioner, client_for):
        audit(practitioner, AuditAction.USER_SIGNED_IN)
        audit(practitioner, AuditAction.CASES_SEARCHED, details={"query": "Smith"})
        body = search(
            client_for(auditor), username="sam.okoro", action=AuditAction.CASES_SEARCHED.value
        )
        assert "1 event<" in body
        assert "Searched for cases</td>" in body
        assert "Signed in</td>" not in body
        assert f'<option value="{AuditAction.CASES_SEARCHED.value}" selected>' in body

    def test_an_unknown_event_is_an_error(self, auditor, client_for):
        body = search(client_for(auditor), username="x", action="made.up")
        assert "There is a problem" in body
        assert "Select an event from the list" in body

    def test_the_search_is_audited_with_the_event_filter(self, auditor, client_for):
        search(client_for(auditor), username="x", action=AuditAction.CASE_VIEWED.value)
        event = AuditEvent.objects.get(action=AuditAction.AUDIT_SEARCHED)
        assert event.details["action"] == "case.viewed"


def test_the_page_costs_the_same_queries_for_3_events_as_for_50(auditor, practitioner, client_for):
    client = client_for(auditor)
    others = [
        UserFactory(organisation=organisation("CRC-C08"), roles=["practitioner"]) for _ in range(5)
    ]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            search(client, crn=CRN)
        return len(captured)

    for user in others[:3]:
        audit(user, AuditAction.CASE_VIEWED, crn=CRN, details={"page": "case overview"})
    few = queries()
    for number in range(47):
        audit(
            others[number % 5], AuditAction.CASE_VIEWED, crn=CRN, details={"page": "tier history"}
        )
    assert queries() == few


class TestExport:
    def export(self, client: Any, **params: Any) -> tuple[Any, list[list[str]]]:
        response = client.get("/audit/export.csv", params)
        assert response.status_code == 200
        assert response.streaming
        text = b"".join(response.streaming_content).decode()
        return response, list(csv.reader(io.StringIO(text)))

    def test_the_export_is_a_csv_attachment_of_the_same_search(
        self, auditor, practitioner, client_for
    ):
        audit(practitioner, AuditAction.CASE_VIEWED, crn=CRN, details={"page": "tier history"})
        audit(practitioner, AuditAction.USER_SIGNED_IN)
        response, rows = self.export(
            client_for(auditor), username="sam.okoro", action=AuditAction.CASE_VIEWED.value
        )
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="audit-events-')
        assert rows[0] == list(views.AUDIT_EXPORT_HEADER)
        assert len(rows) == 2
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["Who"] == "Sam Okoro"
        assert row["Username"] == "sam.okoro"
        assert row["Event"] == "Viewed a case page"
        assert row["Event code"] == "case.viewed"
        assert row["What happened"] == "Viewed the case's tier history"
        assert row["CRN"] == CRN

    def test_the_export_is_audited_with_its_filters_and_rows_and_leaves_itself_out(
        self, auditor, client_for
    ):
        client = client_for(auditor)
        _, rows = self.export(client, username=auditor.username, **today_params())
        first = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORTED)
        assert first.details["rows"] == 0 and len(rows) == 1
        assert first.details["filters"]["username"] == auditor.username
        assert first.details["filters"]["date_from"] == timezone.localdate().isoformat()
        _, rows = self.export(client, username=auditor.username, **today_params())
        assert len(rows) == 2  # the first export, not this one
        assert rows[1][4] == "audit.exported"
        latest = AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).first()
        assert latest is not None and latest.details["rows"] == 1

    def test_the_export_is_capped(self, auditor, practitioner, client_for, monkeypatch):
        monkeypatch.setattr(views, "AUDIT_EXPORT_CAP", 3)
        for _ in range(5):
            audit(practitioner, AuditAction.USER_SIGNED_IN)
        _, rows = self.export(client_for(auditor), username="sam.okoro")
        assert len(rows) == 1 + 3
        event = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORTED)
        assert event.details["rows"] == 3
        assert event.details["cap"] == 3

    def test_cells_that_a_spreadsheet_would_run_as_formulas_are_made_text(
        self, auditor, practitioner, client_for
    ):
        audit(practitioner, AuditAction.CASES_SEARCHED, details={"query": "x"}, path="=1+1")
        _, rows = self.export(client_for(auditor), username="sam.okoro")
        assert rows[1][-1] == "'=1+1"

    def test_the_search_page_links_to_the_export_of_the_same_search(
        self, auditor, practitioner, client_for
    ):
        audit(practitioner, AuditAction.USER_SIGNED_IN)
        body = search(client_for(auditor), username="sam.okoro", action="user.signed_in")
        assert 'href="/audit/export.csv?username=sam.okoro&amp;action=user.signed_in&amp;"' in body
        assert "Download this event as a spreadsheet (CSV)" in body

    def test_a_practitioner_may_not_export(self, crc_practitioner, client_for):
        response = client_for(crc_practitioner).get("/audit/export.csv", {"crn": CRN})
        assert response.status_code == 403
        assert AuditEvent.objects.filter(action=AuditAction.AUDIT_SEARCH_REFUSED).exists()
        assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()

    def test_a_bad_search_shows_the_errors_and_exports_nothing(self, auditor, client_for):
        response = client_for(auditor).get("/audit/export.csv", {"crn": "12345"})
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()
        assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()

    def test_signed_out_users_are_sent_to_sign_in(self, client):
        response = client.get("/audit/export.csv", {"crn": CRN})
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")


class TestWordsAreBounded:
    def test_many_keys_become_at_most_max_rows_and_a_note(self):
        rows = detail_rows({f"key_{n}": n for n in range(100)})
        assert len(rows) == MAX_ROWS + 1
        assert rows[-1] == ("More", f"{100 - MAX_ROWS} more not shown")

    def test_long_lists_deep_nesting_and_long_text_are_cut(self):
        assert value_in_words(list(range(50))).endswith("and 30 more")
        assert value_in_words({"a": {"b": {"c": {"d": 1}}}}) == "A: B: 1 field"
        assert len(value_in_words("x" * 10_000)) == 300

    def test_labels_keep_acronyms(self):
        rows = detail_rows({"rosh_children": "high", "crns": ["X1"], "pnc_number": "2012/1Y"})
        assert [label for label, _ in rows] == ["RoSH children", "CRNs", "PNC number"]

    def test_values_in_words(self):
        assert value_in_words(None) == "None"
        assert value_in_words(True) == "Yes"
        assert value_in_words("2025-01-06") == "6 January 2025"
        assert value_in_words("2025-13-45") == "2025-13-45"

    def test_changes(self):
        assert change_rows({"tier": "C3"}, {"tier": "B2"}) == [("Tier", "B2 (was C3)")]
        assert change_rows({"ended_on": "2025-01-06"}, {}) == [
            ("Ended on", "Removed (was 6 January 2025)")
        ]
        assert change_rows(None, {"tier": "A1"}) == [("Tier", "A1")]
        assert change_rows("old", "new") == [("Before", "old"), ("After", "new")]

    def test_times_in_words(self):
        assert time_in_words(dt.time(0, 0)) == "midnight"
        assert time_in_words(dt.time(12, 0)) == "midday"
        assert time_in_words(dt.time(9, 0)) == "9am"
        assert time_in_words(dt.time(14, 5)) == "2:05pm"
        winter = dt.datetime(2025, 1, 6, 14, 5, tzinfo=dt.UTC)
        summer = dt.datetime(2025, 7, 6, 14, 5, tzinfo=dt.UTC)
        assert datetime_in_words(winter) == "6 January 2025 at 2:05pm"
        assert datetime_in_words(summer) == "6 July 2025 at 3:05pm"  # UK time


def test_a_date_in_year_9999_is_a_field_error_not_a_500(client_for, auditor):
    response = client_for(auditor).get(
        "/audit/",
        {"username": "someone", "date_from_0": "1", "date_from_1": "1", "date_from_2": "9999"},
    )
    assert response.status_code == 200
    assert "must be between 1 January 1900 and" in response.content.decode()
