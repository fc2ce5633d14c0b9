"""The HTTP batch endpoint for telemetry, the fallback when MQTT is unavailable."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
