"""URLs of the public pages and open data (included under ``/performance/`` by
probation/performance/urls.py; namespace ``performance:``). No sign-in."""

from django.urls import URLPattern, path

from probation.performance import public_views

urlpatterns: list[URLPattern] = [
    path("", public_views.index, name="public-index"),
    # Before the quarter's page, whose pattern would otherwise take "open-data" for a quarter.
    path("open-data/", public_views.open_data, name="open-data"),
    path("open-data/schema.json", public_views.schema_json, name="open-data-schema"),
    path("open-data/<str:quarter>.csv", public_views.quarter_csv, name="open-data-csv"),
    path("open-data/<str:quarter>.json", public_views.quarter_json, name="open-data-json"),
    path("<str:quarter>/", public_views.quarter_page, name="public-quarter"),
    path("<str:quarter>/<str:code>/", public_views.area_page, name="public-area"),
]
