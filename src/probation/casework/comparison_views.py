"""Pages of the comparison journey (issue: allocation); their URLs are listed at the bottom and
included by ``probation/casework/urls.py``."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
