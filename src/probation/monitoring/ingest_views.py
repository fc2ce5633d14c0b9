"""The HTTP batch endpoint for telemetry: the fallback for a gateway that cannot use MQTT.

``POST /monitoring/telemetry`` with ``Authorization: Token <key>`` and a body in either payload
form (``docs/how-to/publish-telemetry.md``): JSON (``application/json``, one device's object or
a list of them) or the compact lines (``text/plain``). The same reading and the same
:func:`store_batch` as the MQTT worker, so the same idempotency and dead letters; the answer is
``202`` with the counts once the batch is committed (a gateway may send it again safely).

Who may send: the API token of a user of an electronic monitoring provider organisation with the
monitoring operator role (a gateway gets its own such account), and only for that provider's
devices (another provider's serial is a dead letter, as an unknown one is). Everything else is an
RFC 7807 problem: 401 without a valid token, 403 for another user, 400 for a body that is too
large or from which nothing could be read (its reasons in ``errors``, and kept as dead letters),
415 for another media type, 503 if the database is unavailable (nothing was stored: send again).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.db import DatabaseError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from probation.core.authentication import ExpiringTokenAuthentication
from probation.monitoring.ingest import IncomingMessage, store_batch
from probation.monitoring.payloads import MAX_MESSAGE_BYTES
from probation.workforce.models import OrganisationKind, RoleCode, User


class _RawTelemetryParser(BaseParser):
    """The body's bytes, at most the size of one message (read no further)."""

    def parse(
        self,
        stream: IO[Any] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> dict[str, bytes]:
        too_large = exceptions.ParseError(
            f"The request body is larger than {MAX_MESSAGE_BYTES // 1024} KiB: send smaller "
            "batches.",
            code="too_large",
        )
        request = (parser_context or {}).get("request")
        try:
            length = int(getattr(request, "META", {}).get("CONTENT_LENGTH") or 0)
        except (TypeError, ValueError):
            length = 0
        if length > MAX_MESSAGE_BYTES:
            raise too_large
        raw = stream.read(MAX_MESSAGE_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_MESSAGE_BYTES:
            raise too_large
        return {"body": bytes(raw)}


class JSONTelemetryParser(_RawTelemetryParser):
    media_type = "application/json"


class CompactTelemetryParser(_RawTelemetryParser):
    media_type = "text/plain"


class IsTelemetryGateway(BasePermission):
    """A monitoring operator of an electronic monitoring provider."""

    message = "Only an electronic monitoring provider's gateway account may send telemetry."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            isinstance(user, User)
            and user.organisation is not None
            and user.organisation.kind == OrganisationKind.EM_PROVIDER
            and user.has_role(RoleCode.MONITORING_OPERATOR)
        )


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The telemetry could not be stored just now; nothing was kept. Send it again."
    default_code = "unavailable"
    problem_slug = "telemetry-not-stored"
    problem_title = "Telemetry not stored"


@extend_schema(exclude=True)  # documented in docs/how-to/publish-telemetry.md: not JSON only
class TelemetryBatchView(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsAuthenticated, IsTelemetryGateway]
    parser_classes = [JSONTelemetryParser, CompactTelemetryParser]

    def post(self, request: Request) -> Response:
        user = request.user
        if not isinstance(user, User) or user.organisation_id is None:
            raise exceptions.PermissionDenied(IsTelemetryGateway.message)
        body = request.data.get("body") if isinstance(request.data, dict) else None
        if not isinstance(body, bytes) or not body.strip():
            raise exceptions.ParseError("The request body is empty.", code="empty")
        try:
            result = store_batch(
                [IncomingMessage(request.path, body)],
                provider_id=user.organisation_id,
            )
        except DatabaseError as error:
            raise DatabaseUnavailable from error
        stored = result.fixes_stored + result.events_stored + result.duplicates
        if not stored and result.dead_letters:
            raise exceptions.ValidationError({"body": result.reasons or ["Nothing could be read."]})
        return Response(
            {**result.as_json(), "reasons": result.reasons}, status=status.HTTP_202_ACCEPTED
        )
