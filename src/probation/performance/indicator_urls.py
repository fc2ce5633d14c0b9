"""URLs of the indicator pages (included from probation/performance/urls.py under /contracts/)."""

from django.urls import URLPattern, path

from probation.performance.indicator_views import indicators_page

urlpatterns: list[URLPattern] = [
    path("indicators/", indicators_page, name="indicators"),
]
