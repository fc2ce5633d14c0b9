from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "probation.core"
    label = "core"
    verbose_name = "Core: audit and shared building blocks"

    def ready(self) -> None:
        # Connects the signal that starts a session's clock at sign-in.
        from probation.core import middleware  # noqa: F401
