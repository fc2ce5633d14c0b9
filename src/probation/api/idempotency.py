"""``Idempotency-Key`` on the API's POSTs: a retried request gets the first answer again.

A client that is not sure its POST arrived (a timeout, a dropped connection) sends it again
with the same ``Idempotency-Key`` header, a string it chose (1 to 255 printable ASCII
characters, such as a UUID). Within :data:`TTL_SECONDS` (24 hours):

- the same key, from the same client, with the same request (method, path and JSON body, however
  it is spaced or ordered) gets the stored response back without it being computed again,
  marked ``Idempotent-Replayed: true``;
- the same key with a different request is refused: 422, "Idempotency-Key reused with a
  different request".

Only successful responses are stored, so a request refused as invalid can be corrected and sent
again under the same key. "The same client" is the signed-in user (the address, for anyone
else); keys of different clients never meet. The responses live in Django's cache, under a
hash of the client and the key, so neither the key nor the body is kept in clear.
"""

from __future__ import annotations

import hashlib
import json

from django.core.cache import cache
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
TTL_SECONDS = 24 * 60 * 60
PATTERN = r"^[!-~]{1,255}$"  # printable ASCII, no spaces
_CACHE_PREFIX = "api:idempotency:"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "Idempotency-Key reused with a different request. Send the original request again, "
        "or use a new key for a new request."
    )
    default_code = "idempotency_key_reused"
    problem_slug = "idempotency-key-reused"
    problem_title = "Idempotency-Key reused with a different request"


KEY_PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": PATTERN},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A string you choose (1 to 255 printable ASCII characters without spaces, e.g. a "
        "UUID) to make retrying safe: for 24 hours, the same key with the same body gets the "
        "first response again, marked `Idempotent-Replayed: true`, without it being computed "
        "again; the same key with a different body is refused with 422. Only successful "
        "responses are kept."
    ),
)
REPLAYED_PARAMETER = OpenApiParameter(
    REPLAYED_HEADER,
    str,
    OpenApiParameter.HEADER,
    enum=["true"],
    response=[200],
    description="Present when this is the stored response to an earlier request with the key.",
)


def request_key(request: Request) -> str | None:
    """The request's ``Idempotency-Key``, checked; None without one. A bad key is a 400."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    if not (0 < len(raw) <= MAX_KEY_LENGTH and all("!" <= ch <= "~" for ch in raw)):
        raise exceptions.ValidationError(
            {
                HEADER: [
                    f"Enter an {HEADER} of 1 to {MAX_KEY_LENGTH} printable ASCII characters "
                    "without spaces, such as a UUID."
                ]
            },
            code="invalid",
        )
    return raw


def _client(request: Request) -> str:
    user = request.user
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"address:{request.META.get('REMOTE_ADDR', '')}"


def _cache_key(request: Request, key: str) -> str:
    digest = hashlib.sha256(f"{_client(request)}\0{key}".encode()).hexdigest()
    return _CACHE_PREFIX + digest


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{request.method} {request.path}\0{body}".encode()).hexdigest()


def replay(request: Request, key: str) -> Response | None:
    """The stored response to this key, or None; 422 if the key was used for another request."""
    stored = cache.get(_cache_key(request, key))
    if stored is None:
        return None
    if stored["fingerprint"] != _fingerprint(request):
        raise IdempotencyKeyReused()
    return Response(stored["data"], status=stored["status"], headers={REPLAYED_HEADER: "true"})


def remember(request: Request, key: str, response: Response) -> None:
    """Keep a successful response for 24 hours; the first one stored wins."""
    if not status.is_success(response.status_code):
        return
    cache.add(
        _cache_key(request, key),
        {
            "fingerprint": _fingerprint(request),
            "status": response.status_code,
            "data": response.data,
        },
        timeout=TTL_SECONDS,
    )
