"""Serious further offences (docs/domain/enforcement.md): notification within 5 working days of
the charge (late ones taken and counted as late), the review, and the counts by organisation and
by contract area."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probation.core.audit import AuditAction
from probation.core.calendar import bank_holidays_from
from probation.core.errors import Conflict, InvalidInput
from probation.core.models import AuditEvent
from probation.enforcement.models import SeriousFurtherOffence, SfoState
from probation.enforcement.sfo_selectors import case_sfos, is_late, sfo_counts
from probation.enforcement.sfo_services import sfo_notify, sfo_review_complete, sfo_review_start
from probation.rules.dates import add_working_days
from tests.factories import CaseFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db


def notify(case: Any, user: Any, *, charged_on: dt.date | None = None, **kwargs: Any) -> Any:
    return sfo_notify(
        case=case,
        by_user=user,
        offence_description=kwargs.pop("offence_description", "Wounding with intent"),
        charged_on=charged_on or timezone.localdate(),
        **kwargs,
    )


def late_charge() -> dt.date:
    """A charge whose notification was due before today (more than 5 working days ago)."""
    today = timezone.localdate()
    return today - dt.timedelta(days=14)


@pytest.fixture
def case(crc_case: Any) -> Any:
    crc_case.opened_on = timezone.localdate() - dt.timedelta(days=200)
    crc_case.save()
    return crc_case


@pytest.fixture
def crc_manager(db: Any) -> Any:
    return UserFactory(organisation=organisation("CRC-C08"), roles=["allocating_manager"])


@pytest.fixture
def nps_manager(db: Any) -> Any:
    return UserFactory(organisation=organisation("NPS"), roles=["allocating_manager"])


@pytest.fixture
def notified(case: Any, crc_practitioner: Any) -> SeriousFurtherOffence:
    return notify(case, crc_practitioner)


def test_the_responsible_organisation_notifies_with_the_clock(
    case: Any, crc_practitioner: Any
) -> None:
    charged_on = timezone.localdate() - dt.timedelta(days=1)
    sfo = notify(case, crc_practitioner, charged_on=charged_on)
    assert sfo.state == SfoState.NOTIFIED
    assert (sfo.organisation.code, sfo.contract_area.code) == ("CRC-C08", "C08")
    assert sfo.notification_due_on == add_working_days(
        charged_on, 5, holidays=bank_holidays_from(charged_on)
    )
    assert not is_late(sfo)
    (event,) = AuditEvent.objects.filter(action=AuditAction.SFO_NOTIFIED)
    assert event.details["late"] is False
    assert event.after["offence"] == "Wounding with intent"


def test_a_late_notification_is_taken_and_marked_late(case: Any, crc_practitioner: Any) -> None:
    sfo = notify(case, crc_practitioner, charged_on=late_charge())
    assert sfo.notification_due_on < timezone.localdate()
    assert is_late(sfo)
    (event,) = AuditEvent.objects.filter(action=AuditAction.SFO_NOTIFIED)
    assert event.details["late"] is True


def test_a_closed_case_within_28_days_of_its_end(case: Any, crc_practitioner: Any) -> None:
    today = timezone.localdate()
    case.status, case.closed_on = "closed", today - dt.timedelta(days=30)
    case.save()
    assert notify(case, crc_practitioner, charged_on=today - dt.timedelta(days=2)).pk
    with pytest.raises(InvalidInput, match="within 28 days") as refused:
        notify(case, crc_practitioner, charged_on=today)
    assert refused.value.field == "charged_on"


@pytest.mark.parametrize(
    ("days", "words"), [(-1, "today or in the past"), (201, "start of supervision")]
)
def test_the_charge_date_must_fall_in_supervision(
    case: Any, crc_practitioner: Any, days: int, words: str
) -> None:
    with pytest.raises(InvalidInput, match=words):
        notify(case, crc_practitioner, charged_on=timezone.localdate() - dt.timedelta(days=days))


def test_the_offence_is_described(case: Any, crc_practitioner: Any) -> None:
    for text in ("  ", "x" * 301):
        with pytest.raises(InvalidInput) as refused:
            notify(case, crc_practitioner, offence_description=text)
        assert refused.value.field == "offence_description"


def test_another_organisation_may_not_notify(
    case: Any, other_crc_practitioner: Any, nps_practitioner: Any, enforcement_officer: Any
) -> None:
    for user in (other_crc_practitioner, nps_practitioner, enforcement_officer):
        with pytest.raises(PermissionDenied):
            notify(case, user)
    assert not SeriousFurtherOffence.objects.exists()


def test_the_review_starts_and_completes(notified: Any, crc_manager: Any) -> None:
    started = sfo_review_start(sfo=notified, by_user=crc_manager)
    assert (started.state, started.reviewer) == (SfoState.REVIEW_STARTED, crc_manager)
    done = sfo_review_complete(sfo=notified, by_user=crc_manager, findings="Risk was assessed.")
    assert done.state == SfoState.REVIEW_COMPLETED
    assert done.review_findings == "Risk was assessed."
    actions = list(
        AuditEvent.objects.filter(action__startswith="sfo.").values_list("action", flat=True)
    )
    assert sorted(actions) == sorted(
        [
            AuditAction.SFO_NOTIFIED,
            AuditAction.SFO_REVIEW_STARTED,
            AuditAction.SFO_REVIEW_COMPLETED,
        ]
    )


def test_an_nps_manager_may_review_a_crc_sfo(notified: Any, nps_manager: Any) -> None:
    assert sfo_review_start(sfo=notified, by_user=nps_manager).state == SfoState.REVIEW_STARTED


def test_refused_review_transitions(notified: Any, crc_manager: Any) -> None:
    with pytest.raises(Conflict, match="must be review under way"):
        sfo_review_complete(sfo=notified, by_user=crc_manager, findings="Early")
    sfo_review_start(sfo=notified, by_user=crc_manager)
    with pytest.raises(Conflict, match="must be notified"):
        sfo_review_start(sfo=notified, by_user=crc_manager)
    with pytest.raises(InvalidInput) as refused:
        sfo_review_complete(sfo=notified, by_user=crc_manager, findings=" ")
    assert refused.value.field == "findings"
    sfo_review_complete(sfo=notified, by_user=crc_manager, findings="Done")
    with pytest.raises(Conflict, match="completed"):
        sfo_review_complete(sfo=notified, by_user=crc_manager, findings="Again")


def test_who_may_not_review(notified: Any, crc_practitioner: Any, enforcement_officer: Any) -> None:
    other_manager = UserFactory(organisation=organisation("CRC-C12"), roles=["allocating_manager"])
    for user in (crc_practitioner, enforcement_officer, other_manager):
        with pytest.raises(PermissionDenied):
            sfo_review_start(sfo=notified, by_user=user)
    notified.refresh_from_db()
    assert notified.state == SfoState.NOTIFIED


def test_counts_by_organisation_and_contract_area(
    case: Any, crc_practitioner: Any, crc_manager: Any, nps_manager: Any, nps_practitioner: Any
) -> None:
    first = notify(case, crc_practitioner)
    notify(case, crc_practitioner, charged_on=late_charge())
    third = notify(case, crc_practitioner, offence_description="Rape")
    sfo_review_start(sfo=first, by_user=crc_manager)
    sfo_review_start(sfo=third, by_user=crc_manager)
    sfo_review_complete(sfo=third, by_user=crc_manager, findings="Done")
    nps_case = CaseFactory(
        responsible_organisation=organisation("NPS"),
        responsible_officer=nps_practitioner,
        opened_on=timezone.localdate() - dt.timedelta(days=10),
    )
    notify(nps_case, nps_practitioner)
    sfo_counts(for_user=nps_manager)  # the user's organisation and roles, loaded once
    with CaptureQueriesContext(connection) as queries:
        counts = sfo_counts(for_user=nps_manager)
    assert len(queries) == 2
    by_org = {row["code"]: row for row in counts["by_organisation"]}
    assert {k: by_org["CRC-C08"][k] for k in ("notified", "late", "under_review", "completed")} == {
        "notified": 3,
        "late": 1,
        "under_review": 1,
        "completed": 1,
    }
    assert by_org["NPS"]["notified"] == 1
    by_area = {row["code"]: row for row in counts["by_contract_area"]}
    assert by_area["C08"]["notified"] == 3 + (nps_case.contract_area.code == "C08")
    assert sum(row["notified"] for row in counts["by_contract_area"]) == 4


def test_counts_are_for_managers_contract_managers_and_auditors(
    notified: Any, crc_practitioner: Any, auditor: Any, crc_manager: Any
) -> None:
    contract_manager = UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"])
    for user in (contract_manager, auditor):
        assert sfo_counts(for_user=user)["by_organisation"][0]["notified"] == 1
    for user in (crc_practitioner, crc_manager):
        assert sfo_counts(for_user=user) == {"by_organisation": [], "by_contract_area": []}


def test_a_case_lists_its_sfos(notified: Any) -> None:
    assert case_sfos(notified.case) == [notified]
