from django.apps import AppConfig


class AllocationConfig(AppConfig):
    name = "probation.allocation"
    label = "allocation"
    verbose_name = "Allocation: the sift and assignment to a practitioner"
