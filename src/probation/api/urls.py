"""The API under /api/v1/. Anything here that matches no endpoint is a 404 problem (last line)."""

from django.urls import URLPattern, path, re_path
from drf_spectacular.views import SpectacularAPIView

from probation.api import views
from probation.api.docs import DocsAssetView, SwaggerDocsView

app_name = "api"
urlpatterns: list[URLPattern] = [
    path("persons/", views.PersonListView.as_view(), name="person-list"),
    path("persons/<str:crn>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/<str:crn>/", views.CaseView.as_view(), name="case-detail"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerDocsView.as_view(url_name="api:schema"), name="docs"),
    path("docs/assets/<str:filename>", DocsAssetView.as_view(), name="docs-asset"),
    re_path(r"^", views.NotFoundView.as_view(), name="not-found"),
]
