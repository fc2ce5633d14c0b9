"""Courts (two to four per contract area) and the offence list, each offence mapped to its OGRS3
category key (docs/domain/ogrs3.md). Offence codes are the platform's own."""

from django.db import migrations

COURTS = {
    "C01": ["Newcastle", "North Tyneside", "Sunderland"],
    "C02": ["Preston", "Blackpool", "Carlisle"],
    "C03": ["Sheffield", "Doncaster", "Barnsley"],
    "C04": ["Luton", "Northampton", "Cambridge", "St Albans"],
    "C05": ["Chelmsford", "Colchester", "Southend"],
    "C06": ["Norwich", "Ipswich", "King's Lynn"],
    "C07": ["Manchester", "Stockport", "Chester", "Wigan"],
    "C08": ["Liverpool", "Sefton", "Wirral"],
    "C09": ["Leeds", "Bradford", "Wakefield"],
    "C10": ["Hull", "Lincoln", "York", "Grimsby"],
    "C11": ["Southampton", "Portsmouth", "Isle of Wight"],
    "C12": ["Westminster", "Highbury Corner", "Thames", "Croydon"],
    "C13": ["Reading", "Oxford", "High Wycombe"],
    "C14": ["Bristol", "Gloucester", "Taunton", "Swindon"],
    "C15": ["Exeter", "Plymouth", "Bournemouth", "Truro"],
    "C16": ["Cardiff", "Swansea", "Newport", "Llandudno"],
    "C17": ["Birmingham", "Wolverhampton", "Stoke-on-Trent", "Walsall"],
    "C18": ["Nottingham", "Leicester", "Derby"],
    "C19": ["Teesside", "Durham", "Darlington"],
    "C20": ["Maidstone", "Guildford", "Brighton", "Canterbury"],
    "C21": ["Worcester", "Leamington Spa", "Telford"],
}

OFFENCES = [
    ("V001", "Assault occasioning actual bodily harm", "violence", False),
    ("V002", "Common assault", "violence", False),
    ("V003", "Wounding or inflicting grievous bodily harm", "violence", False),
    ("V004", "Assault of an emergency worker", "violence", False),
    ("V005", "Threats to kill", "violence", False),
    ("R001", "Robbery", "robbery", False),
    ("P001", "Harassment", "public_order", False),
    ("P002", "Using threatening behaviour", "public_order", False),
    ("P003", "Affray", "public_order", False),
    ("S001", "Sexual assault", "sexual_not_child", True),
    ("S002", "Rape", "sexual_not_child", True),
    ("S003", "Sexual activity with a child", "sexual_child", True),
    ("S004", "Making indecent photographs of children", "sexual_child", True),
    ("S005", "Soliciting for prostitution", "soliciting", False),
    ("B001", "Burglary of a dwelling", "burglary_domestic", False),
    ("B002", "Burglary of a non-dwelling", "burglary_other", False),
    ("T001", "Theft from a shop", "theft", False),
    ("T002", "Theft from the person", "theft", False),
    ("T003", "Theft by an employee", "theft", False),
    ("H001", "Handling stolen goods", "handling", False),
    ("F001", "Fraud by false representation", "fraud", False),
    ("F002", "Possession of a false identity document", "fraud", False),
    ("A001", "Failing to surrender to bail", "absconding", False),
    ("M001", "Taking a vehicle without consent", "vehicle_theft", False),
    ("M002", "Aggravated vehicle taking", "vehicle_theft", False),
    ("M003", "Theft from a motor vehicle", "theft_from_vehicle", False),
    ("M004", "Driving while disqualified", "motoring", False),
    ("M005", "Dangerous driving", "motoring", False),
    ("M006", "Driving with excess alcohol", "drink_driving", False),
    ("D001", "Criminal damage", "criminal_damage", False),
    ("D002", "Arson", "criminal_damage", False),
    ("N001", "Production of a controlled drug (cannabis)", "drug_import_export_production", False),
    ("N002", "Importation of a controlled drug", "drug_import_export_production", False),
    ("N003", "Possession with intent to supply a class A drug", "drug_possession_supply", False),
    ("N004", "Possession of a controlled drug", "drug_possession_supply", False),
    ("O001", "Possession of an offensive weapon", "other", False),
    ("O002", "Breach of a restraining order", "other", False),
]


def load(apps, schema_editor):
    Court = apps.get_model("courts", "Court")
    Offence = apps.get_model("courts", "Offence")
    ContractArea = apps.get_model("contracts", "ContractArea")
    areas = {a.code: a for a in ContractArea.objects.all()}
    for area_code, towns in COURTS.items():
        for number, town in enumerate(towns, start=1):
            Court.objects.create(
                code=f"{area_code}M{number:02d}",
                name=f"{town} Magistrates' Court",
                contract_area=areas[area_code],
            )
        Court.objects.create(
            code=f"{area_code}CC", name=f"{towns[0]} Crown Court", contract_area=areas[area_code]
        )
    for code, description, category, sexual in OFFENCES:
        Offence.objects.create(
            code=code, description=description, ogrs3_category=category, sexual=sexual
        )


def unload(apps, schema_editor):
    apps.get_model("courts", "Court").objects.all().delete()
    apps.get_model("courts", "Offence").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("courts", "0002_initial"), ("contracts", "0002_reference_data")]
    operations = [migrations.RunPython(load, unload)]
