from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "probation.workforce"
    label = "workforce"
    verbose_name = "Workforce: organisations, teams and staff"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

        from probation.workforce import history
        from probation.workforce.models import User

        pre_save.connect(history.before_save, sender=User, dispatch_uid="user-audit-before")
        post_save.connect(history.after_save, sender=User, dispatch_uid="user-audit-after")
        post_delete.connect(history.after_delete, sender=User, dispatch_uid="user-audit-delete")
        m2m_changed.connect(
            history.roles_changed, sender=User.roles.through, dispatch_uid="user-audit-roles"
        )
