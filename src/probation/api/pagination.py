"""Limit/offset pagination that refuses bad numbers instead of silently ignoring them.

DRF's own ``LimitOffsetPagination`` reads ``?limit=-1`` as "the default" and ``?offset=abc`` as
0, and ``?limit=`` as absent. A client that sent those has a bug it should hear about, so here
they are a 400 problem.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 10_000_000  # far beyond any caseload; keeps the number sane for every database


def _bounded_int(request: Request, name: str, *, minimum: int, maximum: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise ValidationError(
            {name: [f"Enter {name} as a whole number in the digits 0 to 9, or leave {name} out."]},
            code="invalid",
        )
    value = int(text)
    if value < minimum or value > maximum:
        raise ValidationError(
            {name: [f"Enter {name} between {minimum} and {maximum}."]}, code="out_of_range"
        )
    return value


class StrictLimitOffsetPagination(LimitOffsetPagination):
    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def get_limit(self, request: Request) -> int:
        value = _bounded_int(request, self.limit_query_param, minimum=1, maximum=MAX_LIMIT)
        return self.default_limit if value is None else value

    def get_offset(self, request: Request) -> int:
        value = _bounded_int(request, self.offset_query_param, minimum=0, maximum=MAX_OFFSET)
        return 0 if value is None else value

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            self.offset_query_param: {"minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
