"""Read-only API over persons and cases: thin views over the scoped selectors.

- Lists start from ``cases_visible_to``/``people_visible_to`` and write one audit event per
  request ("cases.listed", "persons.listed") with the query and the CRNs returned.
- Details go through ``people.access.case_released_to``, which audits the view or the refusal and raises
  ``CaseNotAvailable`` identically for a CRN that does not exist, is malformed, or is refused.
- An unauthenticated request is refused with 401 and audited: as "case.access_refused"
  (reason "anonymous") on a case-reading detail endpoint, as "api.unauthenticated" on a list.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from probation.api import selectors
from probation.api.pagination import StrictLimitOffsetPagination
from probation.api.parsers import BoundedJSONParser
from probation.api.problems import PROBLEM_CONTENT_TYPE
from probation.api.serializers import (
    CaseListQuerySerializer,
    CaseSerializer,
    CaseSummarySerializer,
    PersonListQuerySerializer,
    PersonSerializer,
    PersonSummarySerializer,
    ProblemSerializer,
    ValidationProblemSerializer,
)
from probation.casework.selectors import case_facts
from probation.core.audit import AuditAction
from probation.people.access import anonymous_refused, case_released_to, reads_audited

AUDIT_TEXT_LIMIT = 200

PROBLEM_DESCRIPTIONS = {
    400: "The query parameters are not valid; `errors` lists each message.",
    401: "No credentials, or credentials that are not valid.",
    404: (
        "The case does not exist, the CRN is malformed, or you may not see it. The three are "
        "deliberately indistinguishable."
    ),
    405: "The API is read-only: only GET, HEAD and OPTIONS are allowed.",
    406: "The Accept header asks for a format other than JSON.",
    429: (
        "Too many requests without valid credentials from your address; `Retry-After` says "
        "when to try again."
    ),
}


def problems(*codes: int) -> dict[Any, OpenApiResponse]:
    """OpenAPI responses for the given error statuses, as ``application/problem+json``."""
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            response=ValidationProblemSerializer if code == 400 else ProblemSerializer,
            description=PROBLEM_DESCRIPTIONS[code],
        )
        for code in codes
    }


CRN_PARAMETER = OpenApiParameter(
    "crn",
    str,
    OpenApiParameter.PATH,
    description="Case reference number: a letter and six digits, like X123456.",
)


def clean_text(value: Any, limit: int = AUDIT_TEXT_LIMIT) -> str:
    """Client text made safe to store in the audit trail: printable characters only, bounded.

    (PostgreSQL refuses NUL in text and JSON, and control characters have no business there.)
    """
    return "".join(ch for ch in str(value or "")[: limit * 2] if ch.isprintable())[:limit]


def validated_query(serializer_class: type[Serializer[Any]], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class UnauthenticatedThrottle(SimpleRateThrottle):
    """Requests without valid credentials, counted by client address (``anon`` rate).

    Checked when authentication fails, before the refusal is audited: past the rate an
    unauthenticated client gets 429 and writes nothing, so nobody can flood the append-only
    audit table. (DRF's own throttles run after authentication and permission checks, so they
    never saw these requests; and they read ``request.user``, which would authenticate again.)
    """

    scope = "anon"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CaseDataAPIView(APIView):
    """Audits every request refused for lack of (valid) credentials before answering 401, up
    to the unauthenticated rate; beyond it, 429 and no audit row."""

    parser_classes = [BoundedJSONParser]

    def audit_unauthenticated(self, exc: exceptions.APIException) -> None:
        raise NotImplementedError

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        try:
            super().initial(request, *args, **kwargs)
        except (exceptions.NotAuthenticated, exceptions.AuthenticationFailed):
            throttle = UnauthenticatedThrottle()
            if not throttle.allow_request(request, self):
                self.throttled(request, throttle.wait() or 0.0)
            raise

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            self.audit_unauthenticated(exc)
        return super().handle_exception(exc)

    @staticmethod
    def credentials(exc: exceptions.APIException) -> str:
        return "invalid" if isinstance(exc, exceptions.AuthenticationFailed) else "missing"


class CaseDataListView(CaseDataAPIView, GenericAPIView):
    pagination_class = StrictLimitOffsetPagination
    endpoint: ClassVar[str] = ""

    def audit_unauthenticated(self, exc: exceptions.APIException) -> None:
        reads_audited(
            user=None,
            action=AuditAction.API_UNAUTHENTICATED,
            details={
                "reason": "anonymous",
                "credentials": self.credentials(exc),
                "endpoint": self.endpoint,
                "query": {
                    clean_text(k, 50): clean_text(v) for k, v in list(self.request.GET.items())[:10]
                },
            },
            path=clean_text(self.request.path, 500),
        )


class CaseDetailView(CaseDataAPIView):
    page: ClassVar[str] = ""

    def audit_unauthenticated(self, exc: exceptions.APIException) -> None:
        anonymous_refused(
            requested=clean_text(self.kwargs.get("crn", ""), 50),
            path=clean_text(self.request.path, 500),
            details={"credentials": self.credentials(exc)},
        )

    def released_case(self, request: Request, crn: str) -> Any:
        """The case if the user may see it (audited either way); else ``CaseNotAvailable``."""
        return case_released_to(
            user=request.user,
            crn=clean_text(crn, 50),
            page=self.page,
            path=clean_text(request.path, 500),
        )


class PersonListView(CaseDataListView):
    endpoint = "persons.list"

    @extend_schema(
        operation_id="persons_list",
        summary="List or search people",
        description=(
            "People whose case you may see, by surname. With `q`, the matches of a search by "
            "CRN, PNC number or name (at most 50, best first). Each request is audited."
        ),
        tags=["persons"],
        parameters=[PersonListQuerySerializer],
        responses={
            (200, "application/json"): PersonSummarySerializer(many=True),
            **problems(400, 401, 405, 406, 429),
        },
    )
    def get(self, request: Request) -> Response:
        query = validated_query(PersonListQuerySerializer, request)
        search = query.get("q", "")
        people = selectors.api_people(for_user=request.user, search=search)
        page = self.paginate_queryset(people) or []
        reads_audited(
            user=request.user,
            action=AuditAction.PERSONS_LISTED,
            details={
                "query": clean_text(search),
                "count": getattr(self.paginator, "count", len(page)),
                "crns": [person.crn for person in page],
            },
            path=clean_text(request.path, 500),
        )
        return self.get_paginated_response(PersonSummarySerializer(page, many=True).data)


class PersonDetailView(CaseDetailView):
    page = "API: person"

    @extend_schema(
        operation_id="persons_retrieve",
        summary="A person's identity",
        description=(
            "CRN, PNC number, names, aliases, date of birth, sex and addresses of the person "
            "of a case you may see. The view, or the refusal, is audited."
        ),
        tags=["persons"],
        parameters=[CRN_PARAMETER],
        responses={
            (200, "application/json"): PersonSerializer,
            **problems(401, 404, 405, 406, 429),
        },
    )
    def get(self, request: Request, crn: str) -> Response:
        case = self.released_case(request, crn)
        return Response(PersonSerializer(selectors.person_identity(case)).data)


class CaseListView(CaseDataListView):
    endpoint = "cases.list"

    @extend_schema(
        operation_id="cases_list",
        summary="List cases",
        description=(
            "The cases you may see, by surname, optionally only yours, of one status or of one "
            "contract package area. Each request is audited."
        ),
        tags=["cases"],
        parameters=[CaseListQuerySerializer],
        responses={
            (200, "application/json"): CaseSummarySerializer(many=True),
            **problems(400, 401, 405, 406, 429),
        },
    )
    def get(self, request: Request) -> Response:
        query = validated_query(CaseListQuerySerializer, request)
        area = query.get("contract_area")
        cases = selectors.api_cases(
            for_user=request.user,
            mine=query.get("officer") == "me",
            status=query.get("status"),
            contract_area=area,
        )
        page = self.paginate_queryset(cases) or []
        reads_audited(
            user=request.user,
            action=AuditAction.CASES_LISTED,
            details={
                "query": {
                    "officer": query.get("officer", ""),
                    "status": query.get("status", ""),
                    "contract_area": area.code if area else "",
                },
                "count": getattr(self.paginator, "count", len(page)),
                "crns": [case.person.crn for case in page],
            },
            path=clean_text(request.path, 500),
        )
        return self.get_paginated_response(CaseSummarySerializer(page, many=True).data)


class CaseView(CaseDetailView):
    page = "API: case"

    @extend_schema(
        operation_id="cases_retrieve",
        summary="A case record",
        description=(
            "Status, responsible organisation and officer (null while not yet allocated), "
            "contract area, sentences with requirements and key dates, court events with "
            "offences and their OGRS3 categories, and previous sanctions. The view, or the "
            "refusal, is audited."
        ),
        tags=["cases"],
        parameters=[CRN_PARAMETER],
        responses={(200, "application/json"): CaseSerializer, **problems(401, 404, 405, 406, 429)},
    )
    def get(self, request: Request, crn: str) -> Response:
        case = self.released_case(request, crn)
        return Response(CaseSerializer(case_facts(case)).data)


class NotFoundView(APIView):
    """Anything under /api/v1/ that matched no endpoint: a 404 problem, whatever the method."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def http_method_not_allowed(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound("There is no API resource at this address.")

    def options(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return self.http_method_not_allowed(request, *args, **kwargs)
