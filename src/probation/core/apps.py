from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "probation.core"
    label = "core"
    verbose_name = "Core: audit and shared building blocks"

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_migrate

        # Connects the signal that starts a session's clock at sign-in.
        from probation.core import middleware  # noqa: F401
        from probation.core.database import grant_after_migrate
        from probation.core.system_checks import application_role_check

        post_migrate.connect(grant_after_migrate, sender=self)

        # Failed sign-ins and lockouts are audited (probation/core/signin.py).
        from django.contrib.auth.signals import user_login_failed

        from probation.core.signin import on_locked_out, on_sign_in_failed

        user_login_failed.connect(on_sign_in_failed, dispatch_uid="probation-sign-in-failed")
        from axes.signals import user_locked_out

        user_locked_out.connect(on_locked_out, dispatch_uid="probation-locked-out")

        # API tokens: revoked at sign-out and deactivation, every revocation audited.
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_delete, post_save
        from rest_framework.authtoken.models import Token

        from probation.core import token_history

        post_delete.connect(token_history.on_token_deleted, sender=Token, dispatch_uid="token-rm")
        user_logged_out.connect(token_history.on_signed_out, dispatch_uid="token-sign-out")
        post_save.connect(
            token_history.on_user_saved, sender=get_user_model(), dispatch_uid="token-inactive"
        )
        checks.register(application_role_check, checks.Tags.security, deploy=True)
