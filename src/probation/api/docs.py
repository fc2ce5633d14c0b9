"""Interactive API documentation (Swagger UI) served entirely from this service.

The Swagger UI files come from the ``drf-spectacular-sidecar`` package and are served by
:class:`DocsAssetView` under ``/api/v1/docs/assets/``, so the page needs no CDN (the service's
machines reach no network but their package registries) and works without any change to the
static files settings. Only the files the page uses are served, from a fixed list.
"""

from __future__ import annotations

from importlib import resources

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

SWAGGER_UI_FILES = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
ASSET_MAX_AGE = 24 * 60 * 60


def asset_url(filename: str) -> str:
    return reverse("api:docs-asset", kwargs={"filename": filename})


class SwaggerDocsView(SpectacularSwaggerView):
    """drf-spectacular's Swagger UI page, pointing at the locally served sidecar files."""

    title = "OpenProbation API"

    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        return asset_url(filename)

    @staticmethod
    def _swagger_ui_favicon() -> str:
        return asset_url("favicon-32x32.png")


class DocsAssetView(APIView):
    """One Swagger UI file from the sidecar package; 404 problem for anything else."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request, filename: str) -> FileResponse:
        content_type = SWAGGER_UI_FILES.get(filename)
        if content_type is None:
            raise exceptions.NotFound("There is no documentation file at this address.")
        try:
            package = resources.files("drf_spectacular_sidecar")
        except ModuleNotFoundError as missing:
            raise exceptions.NotFound("The documentation files are not installed.") from missing
        asset = package / "static" / "drf_spectacular_sidecar" / "swagger-ui-dist" / filename
        response = FileResponse(asset.open("rb"), content_type=content_type)
        response["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}"
        return response
