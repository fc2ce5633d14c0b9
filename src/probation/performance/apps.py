from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "probation.performance"
    label = "performance"
    verbose_name = "Payment by results and transparency"
