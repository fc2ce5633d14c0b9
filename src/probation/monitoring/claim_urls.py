"""Provider claims and their reconciliation against the billing ledger."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
