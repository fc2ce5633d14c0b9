from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "probation.monitoring"
    label = "monitoring"
    verbose_name = "Electronic monitoring: orders, devices, telemetry, alerts and billing"
