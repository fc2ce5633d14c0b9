"""The API's JSON parser: bounded in size and depth, strict about what JSON is."""

from __future__ import annotations

import io
import json

import pytest
from rest_framework.exceptions import ParseError

from probation.api.parsers import BoundedJSONParser, CalculatorJSONParser, nesting_depth


def parse(body: bytes | str, parser: BoundedJSONParser | None = None, **meta: str):
    raw = body.encode() if isinstance(body, str) else body

    class FakeRequest:
        META = {"CONTENT_LENGTH": str(len(raw)), **meta}

    parser = parser or CalculatorJSONParser()
    return parser.parse(io.BytesIO(raw), "application/json", {"request": FakeRequest()})


def refusal(body: bytes | str, **meta: str) -> ParseError:
    with pytest.raises(ParseError) as raised:
        parse(body, **meta)
    return raised.value


@pytest.mark.parametrize(
    "text, depth",
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "{{{{"]', 1),
        ('["\\"[[[["]', 1),
        ("[" * 40 + "]" * 40, 40),
    ],
)
def test_nesting_depth_ignores_brackets_in_strings(text, depth):
    assert nesting_depth(text) == depth


def test_ordinary_facts_parse():
    assert parse('{"sex": "male", "rsr": 1.5, "sentences": [{"kind": "community"}]}') == {
        "sex": "male",
        "rsr": 1.5,
        "sentences": [{"kind": "community"}],
    }


def test_nesting_up_to_the_limit_parses():
    body = "[" * 32 + "]" * 32
    assert parse(body) == json.loads(body)


@pytest.mark.parametrize("depth", [33, 1000, 100_000 // 2])
def test_nesting_beyond_the_limit_is_refused_before_parsing(depth):
    body = "[" * depth + "]" * depth
    if len(body) > CalculatorJSONParser.max_bytes:
        assert refusal(body).detail.code == "too_large"
    else:
        error = refusal(body)
        assert error.detail.code == "too_deep"
        assert "32" in str(error.detail)


def test_an_unclosed_deep_array_is_refused_not_a_recursion_error():
    assert refusal("[" * 5000).detail.code == "too_deep"


def test_a_recursion_error_while_parsing_is_a_parse_error(monkeypatch):
    def explode(*args, **kwargs):
        raise RecursionError

    monkeypatch.setattr("probation.api.parsers.json.loads", explode)
    assert refusal("[1]").detail.code == "too_deep"


def test_a_body_over_the_size_limit_is_refused_from_its_content_length():
    error = refusal("{}", CONTENT_LENGTH=str(64 * 1024 + 1))
    assert error.detail.code == "too_large"
    assert "64 KiB" in str(error.detail)


def test_a_body_over_the_size_limit_is_refused_whatever_its_content_length_says():
    body = json.dumps({"sex": "x" * (64 * 1024)})
    assert refusal(body, CONTENT_LENGTH="10").detail.code == "too_large"


def test_a_body_at_the_size_limit_parses():
    body = json.dumps({"sex": "x" * (64 * 1024 - len(json.dumps({"sex": ""})))})
    assert len(body.encode()) == 64 * 1024
    assert parse(body)["sex"].startswith("x")


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "{",
        '{"a": NaN}',
        '{"a": Infinity}',
        '{"a": -Infinity}',
        '{"a": 1e999}',
        '{"a": ' + "9" * 5000 + "}",
        b'{"a": "\xff\xfe"}',
    ],
)
def test_what_is_not_json_is_refused(body):
    error = refusal(body)
    assert error.detail.code == "not_json"
    assert "99999" not in str(error.detail)
