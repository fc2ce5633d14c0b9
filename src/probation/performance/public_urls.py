"""URLs of the public pages (included from probation/performance/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
