from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "probation.core"
    label = "core"
    verbose_name = "Core: audit and shared building blocks"
