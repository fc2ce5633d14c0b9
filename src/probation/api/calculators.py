"""Calculators: the pure rules of ``probation.rules`` over HTTP (JSON in, JSON out).

For analysts and other systems that want a tier, an OGRS3 score or custody dates without a case
record. Nothing is stored and no case data is read, so nothing is audited; signing in is still
required. A fact the rule refuses is a 400 problem naming the field.

The facts are read strictly, by the input policy of ``probation.core.limits``: dates are
YYYY-MM-DD within their policy (a sentence in year 9999 is a 400, not an overflow), numbers are in
the digits 0 to 9, and ages must be plausible. The body is JSON only, at most 64 KiB and 32 levels
deep (``api.parsers``). An ``Idempotency-Key`` header makes a retry safe (``api.idempotency``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from probation.api import idempotency
from probation.api.fields import AsciiFloatField, AsciiIntegerField, PolicyDateField
from probation.api.parsers import CalculatorJSONParser
from probation.api.problems import PROBLEM_CONTENT_TYPE
from probation.api.serializers import ProblemSerializer, ValidationProblemSerializer
from probation.core.audit import to_jsonable
from probation.core.limits import BIRTH_DATES, EVENT_DATES
from probation.rules import custody, ogrs3, tiering
from probation.rules.dates import whole_years

#: The oldest age at conviction OGRS3 accepts: anything older is a mistyped date of birth.
MAXIMUM_AGE = 110

CALCULATOR_PROBLEMS: dict[Any, OpenApiResponse] = {
    (400, PROBLEM_CONTENT_TYPE): OpenApiResponse(
        ValidationProblemSerializer,
        description=(
            "A fact is missing or not valid, or the body is not JSON, is larger than 64 KiB or "
            "nests deeper than 32 levels; `errors` lists each message."
        ),
    ),
    (401, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description="Sign in first."),
    (406, PROBLEM_CONTENT_TYPE): OpenApiResponse(
        ProblemSerializer, description="The Accept header asks for a format other than JSON."
    ),
    (415, PROBLEM_CONTENT_TYPE): OpenApiResponse(
        ProblemSerializer, description="Send the facts as `application/json`."
    ),
    (422, PROBLEM_CONTENT_TYPE): OpenApiResponse(
        ProblemSerializer,
        description="The `Idempotency-Key` was used before, within 24 hours, for a different "
        "request.",
    ),
}

CALCULATOR_PARAMETERS = [idempotency.KEY_PARAMETER, idempotency.REPLAYED_PARAMETER]
CALCULATOR_DESCRIPTION = (
    "Send the facts as JSON (at most 64 KiB). Nothing is stored and no case is read. Dates are "
    "YYYY-MM-DD: events from 1900-01-01 to five years from today, births from 1900-01-01 to "
    "today. A fact that is missing or not valid is a 400 problem naming the field. Send an "
    "`Idempotency-Key` to make a retry safe."
)


def _rule_error(error: ValueError) -> ValidationError:
    """The rules say "field: message"; put the message under the field."""
    text = str(error)
    field, _, message = text.partition(": ")
    if message and field.replace("_", "").replace("[", "").replace("]", "").isalnum():
        return ValidationError({field.split("[")[0]: [message]})
    return ValidationError({"non_field_errors": [text]})


def _check_keys(data: Any, serializer: serializers.Serializer[Any]) -> None:
    if isinstance(data, dict):
        unknown = sorted(set(data) - set(serializer.fields))
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in unknown[:20]})


class Ogrs3InputSerializer(serializers.Serializer[Any]):
    sex = serializers.ChoiceField(choices=ogrs3.SEXES)
    date_of_birth = PolicyDateField(policy=BIRTH_DATES, label="date of birth")
    conviction_date = PolicyDateField(policy=EVENT_DATES, label="date of conviction")
    follow_up_start = PolicyDateField(
        policy=EVENT_DATES,
        label="date follow-up starts",
        help_text="The date follow-up starts (release, or the sentence for a community "
        "sentence), YYYY-MM-DD: on or after the date of conviction.",
    )
    total_sanctions = AsciiIntegerField(min_value=1, max_value=1000)
    first_sanction_age = AsciiIntegerField(
        min_value=ogrs3.MINIMUM_SANCTION_AGE,
        max_value=MAXIMUM_AGE,
        help_text="Age at the first sanction: from 10 to the age at conviction.",
    )
    offence_category = serializers.ChoiceField(choices=sorted(ogrs3.OFFENCE_CATEGORIES))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Ages that make sense together: 10 to 110 at conviction, a first sanction between 10
        and then, and follow-up from the conviction on."""
        errors: dict[str, list[str]] = {}
        born, convicted = attrs["date_of_birth"], attrs["conviction_date"]
        age = whole_years(born, convicted)
        minimum = ogrs3.MINIMUM_SANCTION_AGE
        if age < minimum:
            errors["date_of_birth"] = [
                f"The date of birth must make the person at least {minimum} years old on the "
                "date of conviction"
            ]
        elif age > MAXIMUM_AGE:
            errors["date_of_birth"] = [
                f"The date of birth must make the person at most {MAXIMUM_AGE} years old on "
                "the date of conviction"
            ]
        else:
            first = attrs["first_sanction_age"]
            if not minimum <= first <= age:
                errors["first_sanction_age"] = [
                    f"The age at first sanction must be between {minimum} and {age}, the age "
                    "at conviction"
                ]
            elif attrs["total_sanctions"] == 1 and first != age:
                errors["first_sanction_age"] = [
                    f"With 1 sanction in total, the age at first sanction must be {age}, the "
                    "age at conviction"
                ]
        if attrs["follow_up_start"] < convicted:
            errors["follow_up_start"] = [
                "The date follow-up starts must be the same as or after the date of conviction"
            ]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class Ogrs3OutputSerializer(serializers.Serializer[Any]):
    one_year = serializers.IntegerField()
    two_year = serializers.IntegerField()
    band = serializers.CharField()
    x = serializers.FloatField()
    age_at_conviction = serializers.IntegerField()
    age_at_follow_up = serializers.IntegerField()
    age_sex_term = serializers.FloatField()
    sanction_term = serializers.FloatField()
    copas = serializers.FloatField()
    copas_term = serializers.FloatField()
    offence_weight = serializers.FloatField()


class TierSentenceSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=tiering.SENTENCE_KINDS)
    active = serializers.BooleanField()
    requirements = serializers.ListField(
        child=serializers.CharField(max_length=60), max_length=30, default=list
    )


class TierInputSerializer(serializers.Serializer[Any]):
    sex = serializers.ChoiceField(choices=tiering.SEXES)
    rsr = AsciiFloatField(required=False, allow_null=True, default=None, min_value=0, max_value=100)
    ogrs = AsciiIntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=100
    )
    rosh = serializers.ChoiceField(
        choices=tiering.ROSH_LEVELS, required=False, allow_null=True, default=None
    )
    mappa_level = serializers.ChoiceField(
        choices=tiering.MAPPA_LEVELS, required=False, allow_null=True, default=None
    )
    complexity_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(tiering.COMPLEXITY_FACTORS)),
        max_length=20,
        default=list,
    )
    parenting_responsibilities = serializers.BooleanField(default=False)
    impulsivity_or_temper = serializers.BooleanField(default=False)
    previous_enforcement = serializers.BooleanField(default=False)
    integrated_offender_management = serializers.BooleanField(default=False)
    unsupervised = serializers.BooleanField(default=False)
    sentences = serializers.ListField(child=TierSentenceSerializer(), default=list, max_length=20)
    needs = serializers.DictField(
        child=serializers.ChoiceField(choices=tiering.SEVERITIES, allow_null=True),
        required=False,
        allow_null=True,
        default=None,
    )


class TierOutputSerializer(serializers.Serializer[Any]):
    tier = serializers.CharField()
    protect_level = serializers.CharField()
    protect_points = serializers.IntegerField()
    change_level = serializers.IntegerField()
    change_points = serializers.IntegerField()
    change_basis = serializers.CharField()
    reasons = serializers.ListField(child=serializers.ListField())
    explanation = serializers.CharField()


class CustodyInputSerializer(serializers.Serializer[Any]):
    sentence_date = PolicyDateField(policy=EVENT_DATES, label="date of sentence")
    length_days = AsciiIntegerField(min_value=1, max_value=36500)
    remand_days = AsciiIntegerField(min_value=0, max_value=36500, default=0)
    offence_date = PolicyDateField(policy=EVENT_DATES, label="date of the offence")
    date_of_birth = PolicyDateField(policy=BIRTH_DATES, label="date of birth")
    extended = serializers.BooleanField(default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if attrs["offence_date"] > attrs["sentence_date"]:
            errors["offence_date"] = [
                "The date of the offence must be the same as or before the date of sentence"
            ]
        elif attrs["date_of_birth"] >= attrs["offence_date"]:
            errors["date_of_birth"] = ["The date of birth must be before the date of the offence"]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class CustodyOutputSerializer(serializers.Serializer[Any]):
    release_date = serializers.DateField()
    sentence_expiry_date = serializers.DateField()
    licence_end = serializers.DateField(allow_null=True)
    supervision_end = serializers.DateField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class CalculatorView(APIView):
    # Validate the facts, run the rule, answer with its result; a refused fact is a 400. JSON
    # is the only body read (bounded by CalculatorJSONParser). With an Idempotency-Key, a
    # repeated request gets the stored answer. (A comment, not a docstring: drf-spectacular
    # would publish a docstring as every calculator's description.)

    parser_classes = [CalculatorJSONParser]
    input_serializer: type[serializers.Serializer[Any]]

    def compute(self, facts: dict[str, Any]) -> Any:
        raise NotImplementedError

    def calculate(self, request: Request) -> Response:
        data = request.data  # parse first: a body that cannot be read is a 400 whatever the key
        key = idempotency.request_key(request)
        if key is not None:
            stored = idempotency.replay(request, key)
            if stored is not None:
                return stored
        serializer = self.input_serializer(data=data)
        _check_keys(data, serializer)
        serializer.is_valid(raise_exception=True)
        try:
            response = Response(self.compute(dict(serializer.validated_data)))
        except ValueError as error:
            raise _rule_error(error) from error
        except OverflowError as error:
            # The date policy keeps every date far from the calendar's ends; should a rule
            # still overflow, the facts are at fault, not the service.
            raise ValidationError(
                {"non_field_errors": ["These facts give dates outside the supported years."]}
            ) from error
        if key is not None:
            idempotency.remember(request, key, response)
        return response


class Ogrs3CalculatorView(CalculatorView):
    input_serializer = Ogrs3InputSerializer

    def compute(self, facts: dict[str, Any]) -> Any:
        return to_jsonable(ogrs3.calculate(ogrs3.Ogrs3Facts(**facts)))

    @extend_schema(
        summary="OGRS3 one- and two-year proven reoffending probabilities",
        request=Ogrs3InputSerializer,
        description=CALCULATOR_DESCRIPTION,
        examples=[
            OpenApiExample(
                "ShopTheft",
                summary="Shop theft, fifth sanction",
                request_only=True,
                value={
                    "sex": "male",
                    "date_of_birth": "1990-05-17",
                    "conviction_date": "2025-01-06",
                    "follow_up_start": "2025-01-06",
                    "total_sanctions": 5,
                    "first_sanction_age": 16,
                    "offence_category": "theft",
                },
            )
        ],
        parameters=CALCULATOR_PARAMETERS,
        responses={200: Ogrs3OutputSerializer, **CALCULATOR_PROBLEMS},
        tags=["calculators"],
    )
    def post(self, request: Request) -> Response:
        return self.calculate(request)


class TierCalculatorView(CalculatorView):
    input_serializer = TierInputSerializer

    def compute(self, facts: dict[str, Any]) -> Any:
        facts["complexity_factors"] = frozenset(facts["complexity_factors"])
        try:
            facts["sentences"] = tuple(tiering.TierSentence(**s) for s in facts["sentences"])
        except ValueError as error:
            raise ValidationError({"sentences": [str(error)]}) from error
        result = tiering.calculate(tiering.TierFacts(**facts))
        body = {f.name: to_jsonable(getattr(result, f.name)) for f in dataclasses.fields(result)}
        del body["protect_reasons"], body["change_reasons"]
        body["reasons"] = [list(r) for r in result.reasons]
        body["explanation"] = result.explanation
        return body

    @extend_schema(
        summary="Tier (A3–D0, S when unsupervised) with its points and explanation",
        request=TierInputSerializer,
        description=CALCULATOR_DESCRIPTION,
        examples=[
            OpenApiExample(
                "SpecExample",
                summary="The worked example of the tiering spec (B2)",
                request_only=True,
                value={
                    "sex": "male",
                    "rosh": "high",
                    "mappa_level": 1,
                    "complexity_factors": ["mental_health", "self_harm"],
                    "sentences": [
                        {"kind": "community", "active": True, "requirements": ["programme"]}
                    ],
                    "needs": {
                        "thinking_behaviour": "severe",
                        "attitudes": "severe",
                        "drugs": "standard",
                    },
                    "ogrs": 55,
                },
            )
        ],
        parameters=CALCULATOR_PARAMETERS,
        responses={200: TierOutputSerializer, **CALCULATOR_PROBLEMS},
        tags=["calculators"],
    )
    def post(self, request: Request) -> Response:
        return self.calculate(request)


class CustodyDatesCalculatorView(CalculatorView):
    input_serializer = CustodyInputSerializer

    def compute(self, facts: dict[str, Any]) -> Any:
        return to_jsonable(custody.custody_dates(custody.CustodyFacts(**facts)))

    @extend_schema(
        summary="Release, licence and post-sentence supervision dates of a determinate sentence",
        request=CustodyInputSerializer,
        description=CALCULATOR_DESCRIPTION,
        examples=[
            OpenApiExample(
                "SixMonths",
                summary="Six months: licence, then supervision",
                request_only=True,
                value={
                    "sentence_date": "2025-03-03",
                    "length_days": 182,
                    "offence_date": "2025-01-10",
                    "date_of_birth": "1990-01-01",
                },
            )
        ],
        parameters=CALCULATOR_PARAMETERS,
        responses={200: CustodyOutputSerializer, **CALCULATOR_PROBLEMS},
        tags=["calculators"],
    )
    def post(self, request: Request) -> Response:
        return self.calculate(request)
