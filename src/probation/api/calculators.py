"""Calculators: the pure rules of ``probation.rules`` over HTTP (JSON in, JSON out).

For analysts and other systems that want a tier, an OGRS3 score or custody dates without a case
record. Nothing is stored and no case data is read, so nothing is audited; signing in is still
required. A fact the rule refuses is a 400 problem naming the field.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from probation.api.problems import PROBLEM_CONTENT_TYPE
from probation.api.serializers import ProblemSerializer, ValidationProblemSerializer
from probation.core.audit import to_jsonable
from probation.rules import custody, ogrs3, tiering

CALCULATOR_PROBLEMS: dict[Any, OpenApiResponse] = {
    (400, PROBLEM_CONTENT_TYPE): OpenApiResponse(
        ValidationProblemSerializer, description="A fact is missing or not valid."
    ),
    (401, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description="Sign in first."),
    (415, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description="Send JSON."),
}


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
    date_of_birth = serializers.DateField()
    conviction_date = serializers.DateField()
    follow_up_start = serializers.DateField()
    total_sanctions = serializers.IntegerField(min_value=1, max_value=1000)
    first_sanction_age = serializers.IntegerField(min_value=0, max_value=130)
    offence_category = serializers.ChoiceField(choices=sorted(ogrs3.OFFENCE_CATEGORIES))


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
    rsr = serializers.FloatField(required=False, allow_null=True, default=None)
    ogrs = serializers.IntegerField(
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
    sentence_date = serializers.DateField()
    length_days = serializers.IntegerField(min_value=1, max_value=36500)
    remand_days = serializers.IntegerField(min_value=0, max_value=36500, default=0)
    offence_date = serializers.DateField()
    date_of_birth = serializers.DateField()
    extended = serializers.BooleanField(default=False)


class CustodyOutputSerializer(serializers.Serializer[Any]):
    release_date = serializers.DateField()
    sentence_expiry_date = serializers.DateField()
    licence_end = serializers.DateField(allow_null=True)
    supervision_end = serializers.DateField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class CalculatorView(APIView):
    """Validate the facts, run the rule, answer with its result; a refused fact is a 400."""

    input_serializer: type[serializers.Serializer[Any]]

    def compute(self, facts: dict[str, Any]) -> Any:
        raise NotImplementedError

    def calculate(self, request: Request) -> Response:
        serializer = self.input_serializer(data=request.data)
        _check_keys(request.data, serializer)
        serializer.is_valid(raise_exception=True)
        try:
            return Response(self.compute(dict(serializer.validated_data)))
        except ValueError as error:
            raise _rule_error(error) from error


class Ogrs3CalculatorView(CalculatorView):
    input_serializer = Ogrs3InputSerializer

    def compute(self, facts: dict[str, Any]) -> Any:
        return to_jsonable(ogrs3.calculate(ogrs3.Ogrs3Facts(**facts)))

    @extend_schema(
        summary="OGRS3 one- and two-year proven reoffending probabilities",
        request=Ogrs3InputSerializer,
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
        responses={200: CustodyOutputSerializer, **CALCULATOR_PROBLEMS},
        tags=["calculators"],
    )
    def post(self, request: Request) -> Response:
        return self.calculate(request)
