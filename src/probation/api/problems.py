"""RFC 7807 problem JSON for every API error.

Every error the API can return (DRF's own exceptions, Django's ``Http404`` and
``PermissionDenied``, the domain's :class:`DomainError` and :class:`CaseNotAvailable`) is turned
into an ``application/problem+json`` body with the members ``type``, ``title``, ``status``,
``detail`` and ``instance``; a validation error or a body that cannot be parsed (every 400)
adds ``errors``, one entry per field message (field ``""`` when the message is about no field).
An ``APIException`` with a ``problem_slug`` (and ``problem_title``) gets its own problem type.

An error nothing here recognises is logged and answered as a 500 problem, so that even a bug
does not leak a stack trace or an HTML page to an API client (with ``DEBUG`` on, it is re-raised
for the developer's debug page instead).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler, set_rollback

from probation.core.errors import CaseNotAvailable, DomainError

logger = logging.getLogger("probation.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://openprobation.example/problems/"

# status → (slug of the problem type URI, title). Titles are fixed per type (RFC 7807 §3.1).
PROBLEM_TYPES: dict[int, tuple[str, str]] = {
    400: ("invalid-request", "Your request is not valid"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "You do not have permission to do this"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Cannot respond in the requested format"),
    409: ("conflict", "The record has changed"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("unprocessable-request", "The request cannot be processed"),
    429: ("too-many-requests", "Too many requests"),
    500: ("server-error", "Something went wrong"),
}
PARSE_ERROR = ("malformed-request", "The request body could not be read")

CASE_NOT_AVAILABLE_TYPE = PROBLEM_BASE + "case-not-available"
CASE_NOT_AVAILABLE_TITLE = "Case not available"


def problem_type(slug: str) -> str:
    return PROBLEM_BASE + slug


def _instance(context: Mapping[str, Any]) -> str:
    request = context.get("request")
    return str(request.path) if request is not None else ""


def problem_response(
    *,
    status_code: int,
    detail: str,
    instance: str,
    type_uri: str | None = None,
    title: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A DRF response carrying one RFC 7807 problem."""
    slug, default_title = PROBLEM_TYPES.get(status_code, ("", ""))
    body: dict[str, Any] = {
        "type": type_uri or (problem_type(slug) if slug else "about:blank"),
        "title": title or default_title or "Error",
        "status": status_code,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=dict(headers or {}))
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def field_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Flatten DRF's nested error details into ``[{"field", "message", "code"}]``.

    Errors not tied to a field (DRF's ``non_field_errors`` or a bare list) have field ``""``.
    """
    if isinstance(detail, Mapping):
        flat: list[dict[str, str]] = []
        for key, value in detail.items():
            name = "" if key == api_settings.NON_FIELD_ERRORS_KEY else str(key)
            path = f"{prefix}.{name}" if prefix and name else name or prefix
            flat.extend(field_errors(value, path))
        return flat
    if isinstance(detail, list | tuple):
        items: list[dict[str, str]] = []
        for index, value in enumerate(detail):
            # A list of messages belongs to the field itself; a list of objects is indexed.
            is_nested = isinstance(value, Mapping | list | tuple)
            items.extend(field_errors(value, f"{prefix}.{index}" if is_nested else prefix))
        return items
    code = getattr(detail, "code", None) or "invalid"
    return [{"field": prefix, "message": str(detail), "code": str(code)}]


def _message(detail: Any) -> str:
    if isinstance(detail, list | tuple) and detail:
        return _message(detail[0])
    if isinstance(detail, Mapping) and detail:
        return _message(next(iter(detail.values())))
    return str(detail)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: every error as ``application/problem+json``."""
    instance = _instance(context)

    if isinstance(exc, CaseNotAvailable):
        # One body for "does not exist" and "you may not see it": it must reveal nothing.
        return problem_response(
            status_code=status.HTTP_404_NOT_FOUND,
            type_uri=CASE_NOT_AVAILABLE_TYPE,
            title=CASE_NOT_AVAILABLE_TITLE,
            detail=CaseNotAvailable.message,
            instance=instance,
        )

    if isinstance(exc, DomainError):
        name = type(exc).__name__
        slug = "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")
        # Every 400 has ``errors`` (the schema's promise); other statuses only about a field.
        errors = (
            [{"field": exc.field or "", "message": exc.message, "code": slug}]
            if exc.field or exc.status == status.HTTP_400_BAD_REQUEST
            else None
        )
        return problem_response(
            status_code=exc.status,
            type_uri=problem_type(slug),
            title=PROBLEM_TYPES.get(exc.status, ("", "Request refused"))[1],
            detail=exc.message,
            instance=instance,
            errors=errors,
        )

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*(exc.args or (None,)))

    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        # Not an error a client can cause on purpose: log it, answer without internals.
        return _unexpected(exc, context, instance)

    headers = {
        name: value
        for name, value in response.items()
        if name in ("WWW-Authenticate", "Retry-After", "Allow")
    }
    if isinstance(exc, exceptions.ValidationError):
        return problem_response(
            status_code=response.status_code,
            detail="Check the errors and try again.",
            instance=instance,
            errors=field_errors(exc.detail),
            headers=headers,
        )
    type_uri = title = None
    errors = None
    if isinstance(exc, exceptions.ParseError):
        # A 400 like any other: the schema promises ``errors`` on every 400, so it has one.
        type_uri, title = problem_type(PARSE_ERROR[0]), PARSE_ERROR[1]
        errors = field_errors(exc.detail)
    elif problem_slug := getattr(exc, "problem_slug", None):
        type_uri, title = problem_type(problem_slug), getattr(exc, "problem_title", None)
    return problem_response(
        status_code=response.status_code,
        type_uri=type_uri,
        title=title,
        detail=_message(exc.detail),
        instance=instance,
        errors=errors,
        headers=headers,
    )


def _unexpected(exc: Exception, context: Mapping[str, Any], instance: str) -> Response | None:
    if settings.DEBUG:
        return None  # let Django show its debug page to the developer
    request = context.get("request")
    method = request.method if isinstance(request, Request) else "?"
    logger.error("Unhandled API error on %s %s", method, instance, exc_info=exc)
    set_rollback()
    return problem_response(
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        detail="The service could not complete the request. It has been logged.",
        instance=instance,
    )
