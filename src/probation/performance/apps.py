from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "probation.performance"
    label = "performance"
    verbose_name = "Payment by results and transparency"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save, pre_save

        from probation.performance import terms_history
        from probation.performance.models import ContractTerms

        # Every change to a contract's prices is audited, whatever the path (terms_history.py).
        pre_save.connect(
            terms_history.before_save, sender=ContractTerms, dispatch_uid="terms-audit-before"
        )
        post_save.connect(
            terms_history.after_save, sender=ContractTerms, dispatch_uid="terms-audit-after"
        )
        post_delete.connect(
            terms_history.after_delete, sender=ContractTerms, dispatch_uid="terms-audit-delete"
        )
