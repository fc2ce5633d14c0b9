"""Read-only representations of persons and cases, and the validated query parameters.

Output serializers only read attributes of objects the selectors already loaded (with
``select_related``/``prefetch_related``), so rendering adds no queries.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.validators import RegexValidator
from rest_framework import serializers

from probation.api import selectors
from probation.api.fields import QueryCharField, QueryChoiceField
from probation.contracts.models import ContractArea
from probation.people.models import CaseStatus

# ---------------------------------------------------------------------------------------------
# Query parameters
# ---------------------------------------------------------------------------------------------

SEARCH_MAX_LENGTH = 200
# Letters (any alphabet), digits, spaces and the punctuation of names and identifiers:
# "O'Brien-Smith", "Smith, John", "2012/0123456X", "X123456".
SEARCH_TEXT = RegexValidator(
    re.compile(r"^[\w '’.,/-]*$"),
    message=(
        "Enter a CRN, a PNC number or a name, using letters, numbers, spaces, hyphens, "
        "apostrophes, commas, full stops or slashes."
    ),
    code="invalid_characters",
)


class PersonListQuerySerializer(serializers.Serializer[Any]):
    q = QueryCharField(
        required=False,
        allow_blank=True,
        max_length=SEARCH_MAX_LENGTH,
        validators=[SEARCH_TEXT],
        help_text=(
            "Search: a CRN (X123456), a PNC number (2012/0123456X), a surname, or "
            '"forename surname". Names tolerate one typo and match aliases. Without it, every '
            "person whose case you may see is listed."
        ),
    )


class CaseListQuerySerializer(serializers.Serializer[Any]):
    """The filters of the case list. A filter sent empty (``?status=``) is refused, not ignored."""

    officer = QueryChoiceField(
        choices=[("me", "Cases for which I am the responsible officer")],
        required=False,
        help_text='"me": only cases for which you are the responsible officer.',
    )
    status = QueryChoiceField(
        choices=CaseStatus.choices, required=False, help_text="Only cases with this status."
    )
    contract_area = QueryCharField(
        required=False,
        min_length=1,
        max_length=3,
        error_messages={
            "blank": "Enter the code of a contract package area, like C08, or leave "
            "contract_area out."
        },
        help_text="Only cases of this contract package area, by code (C01 to C21).",
    )

    def validate_contract_area(self, value: str) -> ContractArea:
        area = selectors.contract_area(code=value.strip().upper())
        if area is None:
            raise serializers.ValidationError(
                "Enter the code of a contract package area, like C08.", code="unknown"
            )
        return area


# ---------------------------------------------------------------------------------------------
# Problems (documentation of the error bodies)
# ---------------------------------------------------------------------------------------------


class FieldErrorSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(help_text='The parameter or field; "" when not about one.')
    message = serializers.CharField()
    code = serializers.CharField()


class ProblemSerializer(serializers.Serializer[Any]):
    """An RFC 7807 problem (`application/problem+json`)."""

    type = serializers.CharField(help_text="A URI identifying the kind of problem.")
    title = serializers.CharField(help_text="A short summary of the kind of problem.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong with this request.")
    instance = serializers.CharField(help_text="The path of the request.")


class ValidationProblemSerializer(ProblemSerializer):
    """A problem with the request's parameters: one entry per message."""

    # A declared field named like Serializer.errors: DRF moves declared fields off the class, so
    # the property is not shadowed at run time; only the type checker sees a clash.
    errors = FieldErrorSerializer(many=True)  # type: ignore[assignment]


# ---------------------------------------------------------------------------------------------
# Persons
# ---------------------------------------------------------------------------------------------


class AliasSerializer(serializers.Serializer[Any]):
    forename = serializers.CharField()
    surname = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)


class AddressSerializer(serializers.Serializer[Any]):
    line_1 = serializers.CharField()
    town = serializers.CharField()
    postcode = serializers.CharField()
    contract_area = serializers.CharField(
        source="contract_area.code", help_text="Code of the contract package area (C01 to C21)."
    )
    is_main = serializers.BooleanField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)


class PersonSummarySerializer(serializers.Serializer[Any]):
    crn = serializers.CharField(help_text="Case reference number: a letter and six digits.")
    pnc_number = serializers.CharField(allow_null=True)
    forename = serializers.CharField()
    middle_names = serializers.CharField()
    surname = serializers.CharField()
    date_of_birth = serializers.DateField()
    sex = serializers.CharField()


class PersonSerializer(PersonSummarySerializer):
    prison_number = serializers.CharField()
    no_fixed_abode = serializers.BooleanField()
    aliases = AliasSerializer(many=True)
    addresses = AddressSerializer(many=True)


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


class OrganisationRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class OfficerSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return str(user.get_full_name() or user.username)


class ContractAreaRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class CaseSummarySerializer(serializers.Serializer[Any]):
    crn = serializers.CharField(source="person.crn")
    forename = serializers.CharField(source="person.forename")
    surname = serializers.CharField(source="person.surname")
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    responsible_organisation = OrganisationRefSerializer()
    responsible_officer = OfficerSerializer(
        allow_null=True, help_text="null while the case is not yet allocated to an officer."
    )
    allocated = serializers.SerializerMethodField(
        help_text="False while the case is not yet allocated to an officer."
    )
    contract_area = ContractAreaRefSerializer()
    opened_on = serializers.DateField()
    closed_on = serializers.DateField(allow_null=True)

    def get_allocated(self, case: Any) -> bool:
        return case.responsible_officer_id is not None


class RequirementSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    description = serializers.CharField(source="get_kind_display")
    amount = serializers.IntegerField(allow_null=True)
    unit = serializers.CharField(help_text='Unit of the amount ("hours", "days"...), or "".')
    detail = serializers.CharField()
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)


class CourtRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class SentenceSerializer(serializers.Serializer[Any]):
    disposal = serializers.CharField()
    description = serializers.CharField(source="get_disposal_display")
    status = serializers.CharField()
    sentence_date = serializers.DateField()
    court = serializers.SerializerMethodField()
    length_days = serializers.IntegerField(allow_null=True)
    suspended_for_days = serializers.IntegerField(allow_null=True)
    expected_end_date = serializers.DateField(allow_null=True)
    release_date = serializers.DateField(allow_null=True)
    sentence_expiry_date = serializers.DateField(allow_null=True)
    licence_end = serializers.DateField(allow_null=True)
    supervision_end = serializers.DateField(allow_null=True)
    requirements = RequirementSerializer(many=True, source="requirements.all")

    def get_court(self, sentence: Any) -> dict[str, str] | None:
        event = sentence.court_event
        if event is None:
            return None
        return {"code": event.court.code, "name": event.court.name}


class ChargedOffenceSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(source="offence.code")
    description = serializers.CharField(source="offence.description")
    ogrs3_category = serializers.CharField(source="offence.ogrs3_category")
    offence_date = serializers.DateField()
    is_main = serializers.BooleanField()


class CourtEventSerializer(serializers.Serializer[Any]):
    court = CourtRefSerializer()
    hearing_date = serializers.DateField()
    conviction_date = serializers.DateField(allow_null=True)
    offences = ChargedOffenceSerializer(many=True, source="offences.all")


class PreviousSanctionSerializer(serializers.Serializer[Any]):
    sanction_date = serializers.DateField()
    kind = serializers.CharField()
    offence_category = serializers.CharField(help_text="OGRS3 offence category.")
    description = serializers.CharField()


class CaseSerializer(CaseSummarySerializer):
    """The case record: ``case_detail(case)``'s dictionary, rendered."""

    person = PersonSummarySerializer()
    sentences = SentenceSerializer(many=True)
    court_events = CourtEventSerializer(many=True)
    previous_sanctions = PreviousSanctionSerializer(many=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # ``instance`` is the dictionary of probation.people.selectors.case_detail.
        # Rendered part by part so that no field reaches back to the database.
        data = dict(CaseSummarySerializer(instance["case"], context=self.context).data)
        data["person"] = PersonSummarySerializer(instance["person"]).data
        data["sentences"] = SentenceSerializer(instance["sentences"], many=True).data
        data["court_events"] = CourtEventSerializer(instance["court_events"], many=True).data
        data["previous_sanctions"] = PreviousSanctionSerializer(
            instance["sanctions"], many=True
        ).data
        return data
