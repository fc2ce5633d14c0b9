"""A provider's claim reconciled against the ledger: the acceptance cases (a tag on a dead
person, one in custody from midday, one never fitted) rejected with their reasons, file errors
by line, bounds, storage and audit (``docs/domain/electronic-monitoring.md``, "Billing")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from probation.core.audit import AuditAction
from probation.core.errors import InvalidInput
from probation.core.models import AuditEvent
from probation.monitoring import claim_files
from probation.monitoring.claim_files import ClaimFileError, parse_claim
from probation.monitoring.claim_selectors import monthly_totals
from probation.monitoring.claim_services import claim_reconcile
from probation.monitoring.models import ClaimDay, PersonStatus, ProviderClaim
from tests.factories import UserFactory, organisation
from tests.monitoring.em_setup import curfew_order, device, em_case, operator
from tests.monitoring.test_billing import at, fitted_for

pytestmark = pytest.mark.django_db

MAY = dt.date(2026, 5, 1)


def claim_file(serials: list[str], days: range, *, header: bool = True) -> bytes:
    lines = ["device_serial,day"] if header else []
    lines += [f"{s},2026-05-{d:02d}" for s in serials for d in days]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def world(crc_practitioner: Any) -> dict[str, Any]:
    """Four tags on four people through May 2026: one alive and well, one who died on the
    10th, one taken into custody at midday on the 14th (released at 09:00 on the 16th), and a
    tag never fitted."""
    people = {name: em_case(crc_practitioner, surname=name) for name in ("Well", "Dead", "Custody")}
    fitted_for(people["Well"], "TAG-WELL", fitted_at=at(1, month=4))
    fitted_for(people["Dead"], "TAG-DEAD", fitted_at=at(1, month=4))
    fitted_for(people["Custody"], "TAG-CUST", fitted_at=at(1, month=4))
    curfew_order(em_case(crc_practitioner, surname="Neverfitted"))
    device("TAG-NEVER")
    PersonStatus.objects.create(
        person=people["Dead"].person, kind="deceased", starts_at=at(10, 8), source="register"
    )
    PersonStatus.objects.create(
        person=people["Custody"].person,
        kind="in_custody",
        starts_at=at(14, 12),
        ends_at=at(16, 9),
        source="prison system",
    )
    return people


def reconcile(data: bytes, *, by: Any = None, name: str = "may.csv") -> ProviderClaim:
    return claim_reconcile(
        provider=organisation("EMS"),
        month=MAY,
        csv_bytes=data,
        file_name=name,
        by_user=by or operator(),
    )


def rejected(claim: ProviderClaim, serial: str) -> dict[int, list[str]]:
    return {
        d.day.day: d.reasons
        for d in ClaimDay.objects.filter(claim=claim, device_serial=serial, accepted=False)
    }


def test_the_three_unbillable_tags_are_rejected_with_their_reasons(world: Any) -> None:
    serials = ["TAG-WELL", "TAG-DEAD", "TAG-CUST", "TAG-NEVER"]
    claim = reconcile(claim_file(serials, range(1, 32)))
    assert claim.days_claimed == 4 * 31
    assert rejected(claim, "TAG-WELL") == {}
    dead = rejected(claim, "TAG-DEAD")
    assert sorted(dead) == list(range(10, 32))
    assert dead[10] == ["The person died on 10 May 2026."]
    custody = rejected(claim, "TAG-CUST")
    assert sorted(custody) == [14, 15, 16]
    assert custody[14] == ["In custody from 12:00 on 14 May 2026."]
    never = rejected(claim, "TAG-NEVER")
    assert sorted(never) == list(range(1, 32))
    assert set(map(tuple, never.values())) == {("No device was fitted.",)}
    accepted = 31 + 9 + 28
    assert (claim.days_accepted, claim.days_rejected) == (accepted, 4 * 31 - accepted)
    assert ClaimDay.objects.filter(claim=claim).count() == 4 * 31


def test_unknown_devices_and_days_outside_the_month_are_rejected_not_errors(world: Any) -> None:
    ems_tag_of_another = device("OTHER-1")
    ems_tag_of_another.provider = organisation("NPS")
    ems_tag_of_another.save()
    data = b"TAG-WELL,2026-05-02\nNOPE-1,2026-05-02\nOTHER-1,2026-05-02\nTAG-WELL,2026-06-01\n"
    claim = reconcile(data)
    days = {(d.device_serial, d.day): d for d in claim.days.all()}
    assert days[("TAG-WELL", dt.date(2026, 5, 2))].accepted
    assert days[("NOPE-1", dt.date(2026, 5, 2))].reasons == [claim_files.UNKNOWN_DEVICE]
    assert days[("OTHER-1", dt.date(2026, 5, 2))].reasons == [claim_files.UNKNOWN_DEVICE]
    assert days[("TAG-WELL", dt.date(2026, 6, 1))].reasons == [claim_files.OUTSIDE_MONTH]
    assert [d.line for d in claim.days.order_by("line")] == [1, 2, 3, 4]


def test_the_reconciliation_is_audited(world: Any) -> None:
    user = operator()
    claim = reconcile(claim_file(["TAG-DEAD"], range(9, 11)), by=user)
    event = AuditEvent.objects.get(action=AuditAction.EM_CLAIM_RECONCILED)
    assert event.actor == user
    assert event.subject_id == str(claim.pk)
    assert event.details["days_rejected"] == 1
    assert event.details["month"] == "2026-05"
    assert claim.uploaded_by == user


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"TAG-1\n", "line 1: expected a device serial and a day"),
        (b"TAG-1,2026-05-01\nTAG-1,1 May\n", "line 2: '1 May' is not a day"),
        (b"TAG-1,2026-02-30\n", "line 1: '2026-02-30' is not a day"),
        (b"bad serial!,2026-05-01\n", "line 1: 'bad serial!' is not a device serial"),
        (b"TAG-1,2026-05-01\n\nTAG-1,2026-05-01\n", "line 3: TAG-1 on 2026-05-01 is already"),
        (b"device_serial,day\n", "the file claims no days"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_file_errors_name_the_file_and_the_line(text: bytes, expected: str) -> None:
    with pytest.raises(ClaimFileError) as refused:
        parse_claim(text, file_name="may.csv")
    assert refused.value.message.startswith("may.csv: ")
    assert expected in refused.value.message


def test_many_bad_lines_are_listed_up_to_a_limit() -> None:
    text = b"".join(b"x\n" for _ in range(50))
    with pytest.raises(ClaimFileError) as refused:
        parse_claim(text, file_name="f.csv")
    assert len(refused.value.problems) == 50
    assert "and 30 more problems" in refused.value.message


def test_the_file_is_bounded(monkeypatch: Any) -> None:
    monkeypatch.setattr(claim_files, "MAX_CLAIM_BYTES", 100)
    with pytest.raises(ClaimFileError, match="larger than"):
        parse_claim(b"TAG-1,2026-05-01\n" * 10, file_name="f.csv")
    monkeypatch.setattr(claim_files, "MAX_LINES", 3)
    monkeypatch.setattr(claim_files, "MAX_CLAIM_BYTES", 10_000)
    with pytest.raises(ClaimFileError, match="more than 3 lines"):
        parse_claim(b"TAG-1,2026-05-01\n" * 4, file_name="f.csv")


def test_a_bad_file_stores_nothing(world: Any) -> None:
    with pytest.raises(InvalidInput):
        reconcile(b"TAG-WELL,2026-05-01\nTAG-WELL\n")
    assert not ProviderClaim.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.EM_CLAIM_RECONCILED).exists()


def test_the_same_file_twice_is_refused_and_a_corrected_one_is_a_new_claim(world: Any) -> None:
    reconcile(claim_file(["TAG-WELL"], range(1, 3)))
    with pytest.raises(InvalidInput, match="already reconciled"):
        reconcile(claim_file(["TAG-WELL"], range(1, 3)))
    reconcile(claim_file(["TAG-WELL"], range(1, 4)))
    assert ProviderClaim.objects.count() == 2


def test_only_an_em_provider_claims(world: Any) -> None:
    with pytest.raises(InvalidInput):
        claim_reconcile(
            provider=organisation("NPS"),
            month=MAY,
            csv_bytes=b"TAG-WELL,2026-05-01\n",
            file_name="x.csv",
            by_user=operator(),
        )


def test_contract_managers_totals_count_the_latest_claim_against_the_ledger(world: Any) -> None:
    reconcile(claim_file(["TAG-WELL"], range(1, 3)))
    reconcile(claim_file(["TAG-WELL", "TAG-DEAD", "TAG-CUST", "TAG-NEVER"], range(1, 32)))
    manager = UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"])
    (total,) = monthly_totals(for_user=manager, months=[MAY])
    assert total.provider.code == "EMS"
    assert total.billable == 31 + 9 + 28
    assert (total.claimed, total.accepted, total.rejected) == (124, 68, 56)
    assert monthly_totals(for_user=operator(), months=[MAY]) == []
