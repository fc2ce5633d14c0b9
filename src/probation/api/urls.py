"""The API under /api/v1/. Anything here that matches no endpoint is a 404 problem (last line)."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.urls import URLPattern, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from probation.api import calculators, views

app_name = "api"

# The schema's description (Markdown, shown at the top of /api/v1/docs/): how to authenticate.
DESCRIPTION = f"""Read persons and cases, scoped to the signed-in user's organisation and role, and
compute OGRS3, tiers and custody dates. Every read of case data is audited. Errors are RFC 7807
problem JSON.

## Authentication

Send a token in the `Authorization` header of every request:

    Authorization: Token <key>

- **A person** creates their own token in the service: sign in, choose **API token** in the
  header (`/account/api-token/`). The key is shown once; creating a new one replaces the old.
  The token acts as its user and sees only the cases that user may see, so for roles that read
  no case records (monitoring operator, contract manager, administrator) the person and case
  endpoints return nothing.
- **A system** gets its own account, with only the role it needs, from an administrator, who
  creates its token on the command line: `python manage.py drf_create_token <username>`
  (`--reset` replaces it).

A token expires {settings.API_TOKEN_TTL_DAYS} days after it is made and ends when its
user signs out or is deactivated; an expired or revoked token gets 401.

A signed-in browser session also works, as on this page.
"""
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
    path(
        "schema/",
        SpectacularAPIView.as_view(custom_settings={"DESCRIPTION": DESCRIPTION}),
        name="schema",
    ),
    # The split view serves Swagger UI's start-up script as a file, not inline, so the page keeps
    # the Content-Security-Policy; Swagger UI sets inline styles, allowed on this page only.
    path(
        "docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    re_path(r"^", views.NotFoundView.as_view(), name="not-found"),
]
