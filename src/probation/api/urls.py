"""The API under /api/v1/. Anything here that matches no endpoint is a 404 problem (last line)."""

from django.urls import URLPattern, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from probation.api import calculators, views

app_name = "api"
urlpatterns: list[URLPattern] = [
    path("persons/", views.PersonListView.as_view(), name="person-list"),
    path("persons/<str:crn>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/<str:crn>/", views.CaseView.as_view(), name="case-detail"),
    path("calculators/ogrs3", calculators.Ogrs3CalculatorView.as_view(), name="calc-ogrs3"),
    path("calculators/tier", calculators.TierCalculatorView.as_view(), name="calc-tier"),
    path(
        "calculators/custody-dates",
        calculators.CustodyDatesCalculatorView.as_view(),
        name="calc-custody-dates",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^", views.NotFoundView.as_view(), name="not-found"),
]
