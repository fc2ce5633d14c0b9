"""Pages of payment by results: statements and cohorts (``statement_urls``), gaming indicators
(``indicator_urls``) for contract managers, and the public performance pages (``public_urls``),
which need no sign-in."""

from django.urls import include, path

app_name = "performance"

urlpatterns = [
    path("performance/", include("probation.performance.public_urls")),
    path("contracts/", include("probation.performance.statement_urls")),
    path("contracts/", include("probation.performance.indicator_urls")),
]
