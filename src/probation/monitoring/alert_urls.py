"""The monitoring operator's alert queue (``/monitoring/``, their home), the resolved alerts and
one alert's page (``monitoring/alert_views.py``)."""

from django.urls import URLPattern, URLResolver, path

from probation.monitoring import alert_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("monitoring/", alert_views.alert_queue_page, name="alert-queue"),
    path("monitoring/alerts/resolved/", alert_views.resolved_alerts_page, name="alerts-resolved"),
    path("monitoring/alerts/<int:alert_id>/", alert_views.alert_page, name="alert"),
]
