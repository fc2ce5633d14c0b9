"""Seed the workload points tables from the rules' default tables (docs/domain/workload.md).

The values are imported from ``probation.rules.workload``, never retyped, so the seeded reference
data is the spec's default table by construction (tests/workforce/test_case_points.py checks it).
"""

from django.db import migrations

from probation.rules.workload import CASE_POINTS, REPORT_POINTS


def seed(apps, schema_editor):
    CasePoints = apps.get_model("workforce", "CasePoints")
    ReportPoints = apps.get_model("workforce", "ReportPoints")
    for case_type, row in CASE_POINTS.items():
        for tier, points in row.items():
            CasePoints.objects.update_or_create(
                case_type=case_type, tier=tier, defaults={"points": points}
            )
    for report, points in REPORT_POINTS.items():
        ReportPoints.objects.update_or_create(report=report, defaults={"points": points})


def unseed(apps, schema_editor):
    apps.get_model("workforce", "CasePoints").objects.all().delete()
    apps.get_model("workforce", "ReportPoints").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("workforce", "0004_workload_points")]

    operations = [migrations.RunPython(seed, unseed)]
