"""The API's only request parser: JSON, bounded in size and depth, refused as a 400 problem.

Python's ``json`` module recurses once per nested array or object, so a body of a thousand
``[`` raised ``RecursionError`` (a 500), and nothing bounded how much a client could make the
service read. This parser:

- refuses a body longer than ``max_bytes`` (from ``Content-Length`` before reading anything,
  and by reading at most one byte more than the limit);
- refuses nesting deeper than ``max_depth``, counted before the body is decoded (and catches
  ``RecursionError`` in case the count ever misses);
- refuses ``NaN``, ``Infinity`` and numbers too large for a float, which JSON does not have;
- reads UTF-8 only (RFC 8259 §8.1).

Each refusal is a :class:`~rest_framework.exceptions.ParseError` with its own code, so the
problem's ``errors`` says which (``too_large``, ``too_deep``, ``not_json``).

Being the only parser of a view also makes the OpenAPI schema honest: a request body is
documented as ``application/json`` alone, and anything else is a 415.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

KIB = 1024
DEFAULT_MAX_BYTES = 64 * KIB
DEFAULT_MAX_DEPTH = 32

# A JSON string (with escapes); what is left once they are removed holds the structure.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (0 for a scalar).

    Counted over the text with its strings removed, so brackets inside strings do not count.
    Malformed text may be over-counted, never under-counted: it fails to parse anyway.
    """
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:20]}")
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _content_length(parser_context: Mapping[str, Any] | None) -> int | None:
    request = (parser_context or {}).get("request")
    meta = getattr(request, "META", None) or {}
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return None


class BoundedJSONParser(JSONParser):
    """JSON of at most ``max_bytes`` bytes, nested at most ``max_depth`` deep."""

    media_type = "application/json"
    max_bytes = DEFAULT_MAX_BYTES
    max_depth = DEFAULT_MAX_DEPTH

    def parse(
        self,
        stream: IO[Any] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        too_large = ParseError(
            f"The request body is larger than {self.max_bytes // KIB} KiB.", code="too_large"
        )
        length = _content_length(parser_context)
        if length is not None and length > self.max_bytes:
            raise too_large
        raw = stream.read(self.max_bytes + 1) if stream is not None else b""
        if len(raw) > self.max_bytes:
            raise too_large
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
        except UnicodeDecodeError:
            raise ParseError("Send the request body as JSON in UTF-8.", code="not_json") from None
        if nesting_depth(text) > self.max_depth:
            raise ParseError(
                f"The request body nests arrays and objects more than {self.max_depth} deep.",
                code="too_deep",
            )
        try:
            return json.loads(text, parse_constant=_no_constants, parse_float=_finite_float)
        except RecursionError:
            raise ParseError(
                f"The request body nests arrays and objects more than {self.max_depth} deep.",
                code="too_deep",
            ) from None
        except json.JSONDecodeError as error:
            reason = f"{error.msg} (line {error.lineno}, column {error.colno})"
        except ValueError:
            # A refused constant, a float out of range, an integer of thousands of digits.
            reason = "it has NaN, Infinity or a number out of range"
        raise ParseError(f"The request body is not valid JSON: {reason}.", code="not_json")


class CalculatorJSONParser(BoundedJSONParser):
    """The calculators' facts fit in a few hundred bytes; 64 KiB is generous."""

    max_bytes = 64 * KIB
    max_depth = 32
