"""The exception handler turns every error into an RFC 7807 problem."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from probation.api.problems import PROBLEM_CONTENT_TYPE, field_errors, problem_exception_handler
from probation.core.errors import CaseNotAvailable, Conflict, DomainError, InvalidInput

PATH = "/api/v1/cases/"


def handle(exc: Exception) -> Any:
    request = APIRequestFactory().get(PATH)
    response = problem_exception_handler(exc, {"request": request, "view": None})
    assert response is not None
    assert response.content_type == PROBLEM_CONTENT_TYPE
    assert response.data["instance"] == PATH
    assert set(response.data) >= {"type", "title", "status", "detail", "instance"}
    assert response.data["status"] == response.status_code
    return response


@pytest.mark.parametrize(
    "exc, status, slug",
    [
        (exceptions.NotAuthenticated(), 401, "unauthenticated"),
        (exceptions.AuthenticationFailed(), 401, "unauthenticated"),
        (exceptions.PermissionDenied(), 403, "forbidden"),
        (exceptions.NotFound(), 404, "not-found"),
        (exceptions.MethodNotAllowed("POST"), 405, "method-not-allowed"),
        (exceptions.NotAcceptable(), 406, "not-acceptable"),
        (exceptions.UnsupportedMediaType("text/xml"), 415, "unsupported-media-type"),
        (exceptions.Throttled(wait=30), 429, "too-many-requests"),
        (exceptions.ParseError(), 400, "malformed-request"),
        (Http404("No Case matches the given query."), 404, "not-found"),
        (DjangoPermissionDenied(), 403, "forbidden"),
    ],
)
def test_each_drf_and_django_error_has_its_status_and_problem_type(exc, status, slug):
    response = handle(exc)
    assert response.status_code == status
    assert response.data["type"] == f"https://openprobation.example/problems/{slug}"
    assert response.data["detail"]


def test_http404_message_from_django_is_not_passed_on():
    """A Django 404's message can name a model or a lookup; the client gets a generic one."""
    response = handle(Http404("No Case matches the given query."))
    assert "Case" not in response.data["detail"]


def test_throttling_keeps_retry_after():
    assert handle(exceptions.Throttled(wait=30))["Retry-After"] == "30"


def test_method_not_allowed_message_names_the_method():
    assert "POST" in handle(exceptions.MethodNotAllowed("POST")).data["detail"]


def test_validation_error_lists_every_field_message():
    exc = exceptions.ValidationError(
        {
            "status": ['"bogus" is not a valid choice.'],
            "contract_area": ["Enter the code of a contract package area, like C08.", "Again."],
        }
    )
    response = handle(exc)
    assert response.status_code == 400
    assert response.data["type"] == "https://openprobation.example/problems/invalid-request"
    assert [(e["field"], e["message"]) for e in response.data["errors"]] == [
        ("status", '"bogus" is not a valid choice.'),
        ("contract_area", "Enter the code of a contract package area, like C08."),
        ("contract_area", "Again."),
    ]


def test_nested_and_non_field_validation_errors_are_flattened_with_paths():
    detail = exceptions.ValidationError(
        {"a": {"b": ["inner"]}, "items": [{"c": ["first"]}, {}], "non_field_errors": ["whole"]}
    ).detail
    assert [(e["field"], e["message"]) for e in field_errors(detail)] == [
        ("a.b", "inner"),
        ("items.0.c", "first"),
        ("", "whole"),
    ]


def test_a_bare_validation_message_is_a_non_field_error():
    response = handle(exceptions.ValidationError("Nothing to search for."))
    assert response.data["errors"] == [
        {"field": "", "message": "Nothing to search for.", "code": "invalid"}
    ]


def test_domain_error_keeps_its_status_message_and_field():
    response = handle(InvalidInput("Enter a CRN like X123456", field="crn"))
    assert response.status_code == 400
    assert response.data["type"].endswith("/invalid-input")
    assert response.data["detail"] == "Enter a CRN like X123456"
    assert response.data["errors"] == [
        {"field": "crn", "message": "Enter a CRN like X123456", "code": "invalid-input"}
    ]


def test_conflict_is_409():
    response = handle(Conflict("Someone else allocated this case first."))
    assert response.status_code == 409
    assert response.data["type"].endswith("/conflict")
    assert "errors" not in response.data


def test_plain_domain_error_is_400():
    response = handle(DomainError("Not allowed now."))
    assert response.status_code == 400
    assert response.data["type"].endswith("/domain-error")


def test_case_not_available_is_a_404_that_says_nothing_about_the_case():
    response = handle(CaseNotAvailable())
    assert response.status_code == 404
    assert response.data["detail"] == CaseNotAvailable.message


def test_an_unexpected_error_is_a_500_problem_without_internals(settings, caplog):
    settings.DEBUG = False
    response = handle(RuntimeError("database password is hunter2"))
    assert response.status_code == 500
    assert "hunter2" not in str(response.data)
    assert "Unhandled API error" in caplog.text


def test_an_unexpected_error_is_left_to_the_debug_page_in_debug_mode(settings):
    settings.DEBUG = True
    request = APIRequestFactory().get(PATH)
    assert problem_exception_handler(RuntimeError("boom"), {"request": request}) is None


def test_a_parse_error_is_a_400_with_errors_as_the_schema_promises():
    response = handle(exceptions.ParseError("The request body is not valid JSON.", code="not_json"))
    assert response.status_code == 400
    assert response.data["type"].endswith("/malformed-request")
    assert response.data["errors"] == [
        {"field": "", "message": "The request body is not valid JSON.", "code": "not_json"}
    ]


def test_a_plain_domain_error_400_has_errors_too():
    response = handle(DomainError("Not allowed now."))
    assert response.data["errors"] == [
        {"field": "", "message": "Not allowed now.", "code": "domain-error"}
    ]


def test_an_exception_with_its_own_problem_type_keeps_it():
    class Teapot(exceptions.APIException):
        status_code = 422
        default_detail = "No."
        problem_slug = "teapot"
        problem_title = "I am a teapot"

    response = handle(Teapot())
    assert response.status_code == 422
    assert response.data["type"] == "https://openprobation.example/problems/teapot"
    assert response.data["title"] == "I am a teapot"
