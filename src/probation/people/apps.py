from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "probation.people"
    label = "people"
    verbose_name = "People on probation and their cases"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from probation.people import history
        from probation.people.models import CaseAccess

        post_save.connect(history.after_save, sender=CaseAccess, dispatch_uid="caseaccess-save")
        post_delete.connect(
            history.after_delete, sender=CaseAccess, dispatch_uid="caseaccess-delete"
        )
