"""Reference data for the sentencing limits: each court's kind (a Crown Court by its name, the
rest magistrates' courts) and each offence's mode of trial (docs/adr/0011-court-intake.md)."""

from django.db import migrations

SUMMARY = ["V002", "P001", "P002", "S005", "A001", "M001", "M004", "M006"]
INDICTABLE = ["R001", "S002"]


def load(apps, schema_editor):
    Court = apps.get_model("courts", "Court")
    Offence = apps.get_model("courts", "Offence")
    Court.objects.filter(name__contains="Crown").update(kind="crown")
    Court.objects.exclude(name__contains="Crown").update(kind="magistrates")
    Offence.objects.update(mode_of_trial="either_way")
    Offence.objects.filter(code__in=SUMMARY).update(mode_of_trial="summary")
    Offence.objects.filter(code__in=INDICTABLE).update(mode_of_trial="indictable")


def unload(apps, schema_editor):
    """The fields go with 0005; nothing to undo here."""


class Migration(migrations.Migration):
    dependencies = [("courts", "0005_court_kind_mode_of_trial_sentence_ended")]
    operations = [migrations.RunPython(load, unload)]
