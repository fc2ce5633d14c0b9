"""Pages of electronic monitoring (docs/domain/electronic-monitoring.md): orders and devices
(``order_urls``), the alert queue and alerts (``alert_urls``), the HTTP telemetry batch fallback
(``ingest_urls``) and the provider's claims (``claim_urls``). Each module owns its own prefixes
(case pages live under ``cases/<crn>/monitoring/``, the operator's under ``monitoring/``)."""

from django.urls import include, path

app_name = "monitoring"

urlpatterns = [
    path("", include("probation.monitoring.order_urls")),
    path("", include("probation.monitoring.alert_urls")),
    path("", include("probation.monitoring.ingest_urls")),
    path("", include("probation.monitoring.claim_urls")),
]
