"""The 21 contract package areas and their dated CRC ownership (docs/domain/reference-data.md).

Caseload weights are rough relative sizes used only by the demo world. Working Links' three
areas passed to Seetec in 2019; every other ownership runs from the 2015 share sale, open-ended.
"""

import datetime as dt

from django.db import migrations

AREAS = [
    ("C01", "Northumbria", "Sodexo Justice Services (with Nacro)", 60),
    ("C02", "Cumbria and Lancashire", "Sodexo Justice Services (with Nacro)", 75),
    ("C03", "South Yorkshire", "Sodexo Justice Services (with Nacro)", 60),
    ("C04", "Bedfordshire, Northamptonshire, Cambridgeshire and Hertfordshire", "Sodexo Justice Services (with Nacro)", 85),
    ("C05", "Essex", "Sodexo Justice Services (with Nacro)", 55),
    ("C06", "Norfolk and Suffolk", "Sodexo Justice Services (with Nacro)", 50),
    ("C07", "Cheshire and Greater Manchester", "Purple Futures (led by Interserve)", 150),
    ("C08", "Merseyside", "Purple Futures (led by Interserve)", 70),
    ("C09", "West Yorkshire", "Purple Futures (led by Interserve)", 100),
    ("C10", "Humberside, Lincolnshire and North Yorkshire", "Purple Futures (led by Interserve)", 85),
    ("C11", "Hampshire and Isle of Wight", "Purple Futures (led by Interserve)", 60),
    ("C12", "London", "MTCnovo", 280),
    ("C13", "Thames Valley", "MTCnovo", 70),
    ("C14", "Bristol, Gloucestershire, Somerset and Wiltshire", "Working Links", 75),
    ("C15", "Dorset, Devon and Cornwall", "Working Links", 60),
    ("C16", "Wales", "Working Links", 110),
    ("C17", "Staffordshire and West Midlands", "Reducing Reoffending Partnership (Ingeus, St Giles Trust, CRI)", 150),
    ("C18", "Derbyshire, Leicestershire, Nottinghamshire and Rutland", "Reducing Reoffending Partnership (Ingeus, St Giles Trust, CRI)", 95),
    ("C19", "Durham Tees Valley", "Achieving Real Change in Communities (ARCC)", 45),
    ("C20", "Kent, Surrey and Sussex", "Seetec", 110),
    ("C21", "Warwickshire and West Mercia", "EOS Works", 50),
]
SHARE_SALE = dt.date(2015, 2, 1)
SEETEC_TAKEOVER = dt.date(2019, 2, 26)


def load(apps, schema_editor):
    Provider = apps.get_model("contracts", "Provider")
    ContractArea = apps.get_model("contracts", "ContractArea")
    Ownership = apps.get_model("contracts", "ContractAreaOwnership")
    seetec, _ = Provider.objects.get_or_create(name="Seetec")
    for code, name, owner, weight in AREAS:
        provider, _ = Provider.objects.get_or_create(name=owner)
        area = ContractArea.objects.create(code=code, name=name, caseload_weight=weight)
        if owner == "Working Links":
            Ownership.objects.create(
                contract_area=area, provider=provider, starts_on=SHARE_SALE,
                ends_on=SEETEC_TAKEOVER - dt.timedelta(days=1),
            )
            Ownership.objects.create(contract_area=area, provider=seetec, starts_on=SEETEC_TAKEOVER)
        else:
            Ownership.objects.create(contract_area=area, provider=provider, starts_on=SHARE_SALE)


def unload(apps, schema_editor):
    apps.get_model("contracts", "ContractAreaOwnership").objects.all().delete()
    apps.get_model("contracts", "ContractArea").objects.all().delete()
    apps.get_model("contracts", "Provider").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
