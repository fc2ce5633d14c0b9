"""Roles, the NPS and its seven divisions, one CRC per contract area, an EM provider and the
commissioner (docs/domain/operating-model.md, docs/domain/reference-data.md)."""

from django.db import migrations

ROLES = [
    ("practitioner", "Practitioner"),
    ("allocating_manager", "Allocating manager"),
    ("court_officer", "Court officer"),
    ("enforcement_officer", "Enforcement officer"),
    ("monitoring_operator", "Monitoring operator"),
    ("contract_manager", "Contract manager"),
    ("auditor", "Auditor"),
    ("administrator", "Administrator"),
]
DIVISIONS = [
    "North West", "North East", "Midlands", "Wales", "South West and South Central",
    "South East and Eastern", "London",
]


def load(apps, schema_editor):
    Role = apps.get_model("workforce", "Role")
    Division = apps.get_model("workforce", "Division")
    Organisation = apps.get_model("workforce", "Organisation")
    ContractArea = apps.get_model("contracts", "ContractArea")
    for code, name in ROLES:
        Role.objects.create(code=code, name=name)
    for name in DIVISIONS:
        Division.objects.create(name=name)
    Organisation.objects.create(code="NPS", name="National Probation Service", kind="nps")
    for area in ContractArea.objects.order_by("code"):
        Organisation.objects.create(
            code=f"CRC-{area.code}", name=f"{area.name} CRC", kind="crc", contract_area=area
        )
    Organisation.objects.create(code="EMS", name="Electronic Monitoring Service", kind="em_provider")
    Organisation.objects.create(
        code="MOJ", name="Ministry of Justice (HMPPS contract management)", kind="commissioner"
    )


def unload(apps, schema_editor):
    for model in ("Organisation", "Division", "Role"):
        apps.get_model("workforce", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("workforce", "0001_initial"), ("contracts", "0002_reference_data")]
    operations = [migrations.RunPython(load, unload)]
