"""URLs of the statement pages (included from probation/performance/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
