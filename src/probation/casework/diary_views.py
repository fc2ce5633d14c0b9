"""Pages of issue 9 (supervision and enforcement): placeholder until its journey lands."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
