"""factory_boy factories for tests. Reference data (areas, organisations, roles, courts,
offences) comes from the migrations, so factories look it up rather than inventing it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.contrib.auth.hashers import make_password

from probation.contracts.models import ContractArea
from probation.courts.models import (
    Court,
    CourtEvent,
    Offence,
    PreviousSanction,
    Requirement,
    Sentence,
)
from probation.people.models import Address, Case, Person
from probation.people.names import name_key
from probation.people.search_index import name_keys_register
from probation.supervision.models import Contact
from probation.workforce.models import Organisation, Role, User

PASSWORD = "correct-horse-battery-staple"


def organisation(code: str) -> Organisation:
    """``"NPS"``, ``"CRC-C08"``, ``"EMS"`` or ``"MOJ"``."""
    return Organisation.objects.get(code=code)


def area(code: str) -> ContractArea:
    return ContractArea.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    organisation = factory.LazyFunction(lambda: organisation("NPS"))
    grade = "PO"
    password = factory.LazyFunction(lambda: make_password(PASSWORD))

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        codes = extracted if extracted is not None else ["practitioner"]
        if create and codes:
            self.roles.set(Role.objects.filter(code__in=codes))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    crn = factory.Sequence(lambda n: f"T{n:06d}")
    forename = factory.Faker("first_name_male", locale="en_GB")
    surname = factory.Faker("last_name", locale="en_GB")
    date_of_birth = dt.date(1990, 5, 17)
    sex = "male"
    forename_key = factory.LazyAttribute(lambda p: name_key(p.forename))
    surname_key = factory.LazyAttribute(lambda p: name_key(p.surname))

    @factory.post_generation
    def register_names(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            name_keys_register([self.forename, self.surname])


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    person = factory.SubFactory(PersonFactory)
    responsible_organisation = factory.LazyFunction(lambda: organisation("CRC-C08"))
    contract_area = factory.LazyAttribute(
        lambda c: c.responsible_organisation.contract_area or area("C08")
    )
    opened_on = dt.date(2025, 1, 6)


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    person = factory.SubFactory(PersonFactory)
    line_1 = "1 Dale Street"
    town = "Liverpool"
    postcode = "L2 2DH"
    contract_area = factory.LazyFunction(lambda: area("C08"))
    starts_on = dt.date(2024, 1, 1)


class CourtEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourtEvent

    case = factory.SubFactory(CaseFactory)
    court = factory.LazyFunction(lambda: Court.objects.filter(contract_area__code="C08").first())
    hearing_date = dt.date(2025, 1, 6)
    conviction_date = dt.date(2025, 1, 6)


class SentenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sentence

    case = factory.SubFactory(CaseFactory)
    disposal = "community_order"
    sentence_date = dt.date(2025, 1, 6)
    length_days = 365
    expected_end_date = dt.date(2026, 1, 5)


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    sentence = factory.SubFactory(SentenceFactory)
    kind = "unpaid_work"
    amount = 120


class PreviousSanctionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PreviousSanction

    case = factory.SubFactory(CaseFactory)
    sanction_date = dt.date(2015, 3, 1)
    kind = "conviction"
    offence_category = "theft"


class ContactFactory(factory.django.DjangoModelFactory):
    """A booked supervision appointment (no outcome) on the case's order, in its officer's diary.

    Give ``starts_at`` (aware); ``ends_at`` follows an hour later."""

    class Meta:
        model = Contact

    case = factory.SubFactory(CaseFactory)
    sentence = factory.LazyAttribute(lambda c: c.case.sentences.order_by("-sentence_date").first())
    contact_type = "supervision"
    starts_at = factory.LazyFunction(lambda: dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC))
    ends_at = factory.LazyAttribute(lambda c: c.starts_at + dt.timedelta(hours=1))
    practitioner = factory.LazyAttribute(lambda c: c.case.responsible_officer)
    location = "Liverpool probation office"


def offence(code: str = "T001") -> Offence:
    return Offence.objects.get(code=code)
