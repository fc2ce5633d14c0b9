"""The HTTP batch endpoint for telemetry, the fallback when MQTT is unavailable
(``docs/how-to/publish-telemetry.md``)."""

from django.urls import URLPattern, URLResolver, path

from probation.monitoring.ingest_views import TelemetryBatchView

urlpatterns: list[URLPattern | URLResolver] = [
    path("monitoring/telemetry", TelemetryBatchView.as_view(), name="telemetry"),
]
