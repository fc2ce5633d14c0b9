"""Cases, orders and devices for the EM order and device tests (helper functions, not
fixtures, so that any test module can use them without a shared conftest)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from probation.courts.models import Requirement
from probation.monitoring.models import Device, EmOrder, Fitting
from tests.factories import (
    CaseFactory,
    PersonFactory,
    RequirementFactory,
    SentenceFactory,
    UserFactory,
    organisation,
)

#: A point in Liverpool (the curfew address of the tests).
HOME = (53.4084, -2.9916)


def today() -> dt.date:
    return timezone.localdate()


def em_case(officer: Any, *, surname: str = "Quillfeather") -> Any:
    """An active Merseyside CRC case on a community order that started 30 days ago and runs a
    year, with curfew (12 hours a day), exclusion, alcohol abstinence monitoring and unpaid work
    requirements."""
    case = CaseFactory(
        person=PersonFactory(surname=surname),
        responsible_organisation=organisation("CRC-C08"),
        responsible_officer=officer,
        opened_on=today() - dt.timedelta(days=30),
    )
    sentence = SentenceFactory(
        case=case,
        sentence_date=today() - dt.timedelta(days=30),
        length_days=365,
        expected_end_date=today() + dt.timedelta(days=334),
    )
    RequirementFactory(sentence=sentence, kind="curfew", amount=12)
    RequirementFactory(sentence=sentence, kind="exclusion", amount=None)
    RequirementFactory(sentence=sentence, kind="alcohol_abstinence_monitoring", amount=90)
    RequirementFactory(sentence=sentence, kind="unpaid_work", amount=100)
    return case


def requirement(case: Any, kind: str) -> Requirement:
    return Requirement.objects.get(sentence__case=case, sentence__status="active", kind=kind)


def operator(code: str = "EMS") -> Any:
    return UserFactory(organisation=organisation(code), roles=["monitoring_operator"])


def curfew_order(case: Any, **changes: Any) -> EmOrder:
    """An active curfew order (GPS-capable: a location and trail monitoring) made with the ORM,
    from yesterday to 60 days ahead."""
    values = {
        "case": case,
        "source": "requirement",
        "requirement": requirement(case, "curfew"),
        "starts_on": today() - dt.timedelta(days=1),
        "ends_on": today() + dt.timedelta(days=60),
        "curfew_latitude": HOME[0],
        "curfew_longitude": HOME[1],
        "trail_monitoring": True,
        **changes,
    }
    return EmOrder.objects.create(**values)


def device(serial: str = "GPS-0001", kind: str = "gps", state: str = "in_stock") -> Device:
    return Device.objects.create(
        serial=serial, kind=kind, state=state, provider=organisation("EMS")
    )


def fitted(order: EmOrder, serial: str = "GPS-0009", kind: str = "gps") -> Device:
    """A device fitted to ``order`` an hour ago, with its open fitting."""
    tag = Device.objects.create(
        serial=serial, kind=kind, state="fitted", provider=organisation("EMS"), order=order
    )
    Fitting.objects.create(
        device=tag, order=order, fitted_at=timezone.now() - dt.timedelta(hours=1)
    )
    return tag
