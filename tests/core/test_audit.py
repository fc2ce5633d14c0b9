"""The audit trail: written with every change and read, append-only, searchable by auditors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from probation.core.models import AuditEvent
from probation.people.services import case_access_set, person_create
from tests.factories import UserFactory, area, organisation

pytestmark = pytest.mark.django_db


def test_a_service_write_and_its_audit_event_commit_together(administrator, crc_case):
    colleague = UserFactory(organisation=organisation("CRC-C08"))
    case_access_set(
        case=crc_case, user=colleague, kind="exclusion", by_user=administrator, reason="neighbour"
    )
    event = AuditEvent.objects.get(action="case.exclusion_added")
    assert event.actor == administrator
    assert event.crn == crc_case.person.crn
    assert event.after == {"user": colleague.username, "reason": "neighbour"}


def test_a_refused_write_leaves_no_change_and_no_event(crc_practitioner, crc_case):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        case_access_set(
            case=crc_case, user=crc_practitioner, kind="exclusion", by_user=crc_practitioner
        )
    assert not AuditEvent.objects.filter(action__startswith="case.exclusion").exists()
    assert not crc_case.access_entries.exists()


def test_a_failed_create_writes_nothing(administrator):
    from probation.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        person_create(
            by_user=administrator,
            crn="X123456",
            forename="Ann",
            surname="Lee",
            date_of_birth=dt.date(2030, 1, 1),
            sex="female",
            responsible_organisation=organisation("NPS"),
            contract_area=area("C12"),
            opened_on=dt.date(2025, 1, 1),
        )
    assert not AuditEvent.objects.filter(crn="X123456").exists()


def test_person_create_writes_person_case_and_events(administrator):
    case = person_create(
        by_user=administrator,
        crn="x123456",
        forename="Ann",
        surname="Lee",
        date_of_birth=dt.date(1990, 1, 1),
        sex="female",
        responsible_organisation=organisation("NPS"),
        contract_area=area("C12"),
        opened_on=dt.date(2025, 1, 1),
        pnc_number="12/123456Y",
    )
    assert case.person.crn == "X123456"
    assert case.person.pnc_number == "2012/0123456Y"
    assert case.responsible_officer is None
    actions = set(AuditEvent.objects.filter(crn="X123456").values_list("action", flat=True))
    assert actions == {"person.created", "case.opened"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_update_and_delete_of_audit_events(nps_practitioner):
    from probation.core.audit import AuditAction, audit

    event = audit(nps_practitioner, AuditAction.USER_SIGNED_IN)
    for statement in (
        "UPDATE core_auditevent SET action = 'forged' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == AuditAction.USER_SIGNED_IN


class TestAuditSearchPage:
    def test_auditor_finds_views_of_a_case_by_crn(
        self, auditor, crc_case, crc_practitioner, client_for
    ):
        client_for(crc_practitioner).get(f"/cases/{crc_case.person.crn}/")
        body = client_for(auditor).get("/audit/", {"crn": crc_case.person.crn}).content.decode()
        assert "case.viewed" in body
        assert crc_practitioner.username in body

    def test_auditor_searches_by_user_and_date_range(
        self, auditor, crc_case, crc_practitioner, client_for
    ):
        client_for(crc_practitioner).get(f"/cases/{crc_case.person.crn}/")
        today = timezone.localdate()
        params = {
            "username": crc_practitioner.username,
            "date_from_0": today.day,
            "date_from_1": today.month,
            "date_from_2": today.year,
            "date_to_0": today.day,
            "date_to_1": today.month,
            "date_to_2": today.year,
        }
        body = client_for(auditor).get("/audit/", params).content.decode()
        assert "case.viewed" in body
        yesterday = today - dt.timedelta(days=1)
        params.update(
            {
                "date_to_0": yesterday.day,
                "date_to_1": yesterday.month,
                "date_to_2": yesterday.year,
                "date_from_0": yesterday.day,
                "date_from_1": yesterday.month,
                "date_from_2": yesterday.year,
            }
        )
        body = client_for(auditor).get("/audit/", params).content.decode()
        assert "No events match" in body

    def test_practitioner_may_not_search_the_audit_log(self, crc_practitioner, client_for):
        assert client_for(crc_practitioner).get("/audit/", {"crn": "X123456"}).status_code == 403
        assert AuditEvent.objects.filter(action="audit.search_refused").exists()

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"crn": "12345"}, "Enter a CRN as a letter followed by 6 digits"),
            (
                {"date_from_0": "31", "date_from_1": "2", "date_from_2": "2025"},
                "must be a real date",
            ),
            (
                {"date_from_0": "1", "date_from_1": "", "date_from_2": "2025"},
                "must include a month",
            ),
            (
                {"date_from_0": "aa", "date_from_1": "bb", "date_from_2": "cc"},
                "must be a real date",
            ),
            (
                {"date_from_0": "1", "date_from_1": "1", "date_from_2": "99999"},
                "must be a real date",
            ),
            (
                {
                    "date_from_0": "2",
                    "date_from_1": "1",
                    "date_from_2": "2025",
                    "date_to_0": "1",
                    "date_to_1": "1",
                    "date_to_2": "2025",
                },
                "must be the same as or after",
            ),
            ({"username": "x" * 5000}, "150 characters"),
            ({"username": "bob\x00"}, "Null characters are not allowed"),
            ({"other": "1"}, "Enter a CRN, a username or a date range"),
        ],
    )
    def test_bad_input_gets_the_error_summary(self, auditor, client_for, params, message):
        response = client_for(auditor).get("/audit/", params)
        body = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in body
        assert message in body


def test_sets_serialise_in_a_stable_order():
    from probation.core.audit import to_jsonable

    assert to_jsonable(frozenset({"self_harm", "mental_health", "terrorism"})) == [
        "mental_health",
        "self_harm",
        "terrorism",
    ]
