"""Fixed data the demo world draws from: names, places, weights and sentence mixes.

Everything here is plain data, so the world is reproducible for a seed and needs no Faker at run
time. Weights are our own plausible choices for a demonstration, not published statistics, unless
a ``docs/domain/`` document is cited.
"""

from __future__ import annotations

from typing import Final

# The password every demo sign-in shares (printed by ``probation demo``; never use in production).
DEMO_PASSWORD: Final = "demo-password-2014"  # noqa: S105 (printed for the demo)
# Every member of staff the demo creates has an e-mail address at this reserved domain, which is
# how ``probation demo --reset`` tells demo staff from real ones.
DEMO_EMAIL_DOMAIN: Final = "demo.openprobation.invalid"

# fmt: off
# About 300 surnames common in England and Wales, most common first (the builder weights them so).
SURNAMES: Final = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes",
    "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin",
    "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison",
    "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price",
    "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey",
    "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall",
    "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman",
    "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews",
    "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell",
    "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "Graham", "Pearson",
    "Ahmed", "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews", "Stewart", "Elliott",
    "Reynolds", "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West", "Lawrence",
    "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson", "Ball", "Burton", "O'Brien",
    "Watts", "Rose", "Booth", "Perry", "Ryan", "Grant", "Wells", "Armstrong", "Francis", "Rees",
    "Hayes", "Hart", "Hudson", "Newman", "Barrett", "Webster", "Hunter", "Gregory", "Carr", "Lowe",
    "Page", "Marsh", "Riley", "Dunn", "Woods", "Parsons", "Berry", "Stone", "Reid", "Holland",
    "Hawkins", "Harding", "Porter", "Robertson", "Newton", "Oliver", "Reed", "Kennedy",
    "Williamson", "Bird", "Gardner", "Shah", "Dean", "Lane", "Cooke", "Bates", "Henderson",
    "Parry", "Burgess", "Bishop", "Walton", "Burns", "Nicholson", "Shepherd", "Ross", "Cross",
    "Long", "Freeman", "Warren", "Nicholls", "Hamilton", "Byrne", "Sutton", "McDonald", "Yates",
    "Hodgson", "Robson", "Curtis", "Hopkins", "O'Connor", "Harper", "Coleman", "Watkins", "Moss",
    "McCarthy", "Chambers", "O'Neill", "Griffin", "Sharp", "Hardy", "Wheeler", "Potter",
    "Osborne", "Johnston", "Gordon", "Doyle", "Wallace", "George", "Jordan", "Hutchinson", "Rowe",
    "Burke", "May", "Pritchard", "Gilbert", "Willis", "Higgins", "Read", "Miles", "Stevenson",
    "Stephenson", "Hammond", "Arnold", "Buckley", "Walters", "Hewitt", "Barber", "Nelson",
    "Slater", "Austin", "Sullivan", "Whitehead", "Mann", "Frost", "Lambert", "Stephens", "Blake",
    "Akhtar", "Lynch", "Goodwin", "Barton", "Woodward", "Thomson", "Cunningham", "Quinn",
    "Barnett", "Baxter", "Bibi", "Clayton", "Nash", "Greenwood", "Jennings", "Holt", "Kemp",
    "Poole", "Gallagher", "Bond", "Stokes", "Tucker", "Davidson", "Fowler", "Heath", "Norman",
    "Middleton", "Lawson", "Banks", "French", "Stanley", "Jarvis", "Gibbs", "Ferguson", "Hayward",
    "Carroll", "Farrell", "Duffy", "Hanson", "Mahmood", "Iqbal", "Rahman", "Chowdhury", "Mensah",
    "Okafor", "Adeyemi", "Owusu", "Boateng", "Nowak", "Kowalski", "Wisniewski", "Popescu",
    "Kaczmarek", "Sharma", "Joseph", "Charles", "Samuel", "Daniels", "Douglas", "Fraser",
    "McLean", "Sweeney", "Doherty", "Kavanagh", "Flynn", "Whittaker", "Ashworth", "Pickering",
    "Sanderson", "Hargreaves", "Naylor", "Metcalfe", "Wainwright", "Birch", "Lord", "Tomlinson",
)

MALE_FORENAMES: Final = (
    "Daniel", "James", "Michael", "David", "Christopher", "Thomas", "Ryan", "Matthew", "Jack",
    "Liam", "Lewis", "Connor", "Callum", "Jordan", "Joshua", "Luke", "Kieran", "Dean", "Lee",
    "Craig", "Darren", "Wayne", "Scott", "Mark", "Paul", "Steven", "Stephen", "John", "Andrew",
    "Richard", "Robert", "Anthony", "Peter", "Gary", "Kevin", "Jason", "Carl", "Shaun", "Martin",
    "Neil", "Ian", "Simon", "Jamie", "Adam", "Ben", "Benjamin", "Nathan", "Aaron", "Ashley",
    "Bradley", "Jake", "Kyle", "Reece", "Tyler", "Brandon", "Declan", "Sean", "Aidan", "Conor",
    "Patrick", "Kenneth", "Brian", "Keith", "Terry", "Barry", "Alan", "Colin", "Graham", "Philip",
    "Stuart", "Gavin", "Wesley", "Dale", "Leon", "Marcus", "Nathaniel", "Tom", "Alex",
    "Alexander", "Edward", "Henry", "Jonathan", "Oliver", "Harry", "George", "Jacob", "Charlie",
    "William", "Samuel", "Joseph", "Mohammed", "Muhammad", "Ahmed", "Ali", "Imran", "Adil",
    "Hamza", "Bilal", "Usman", "Zain", "Arjun", "Rajesh", "Sanjay", "Amir", "Tariq", "Kwame",
    "Kofi", "Emmanuel", "Tunde", "Chinedu", "Jerome", "Dwayne", "Tyrone", "Marlon", "Leroy",
    "Delroy", "Piotr", "Tomasz", "Marcin", "Krzysztof", "Pawel", "Andrei", "Mihai", "Ionut",
    "Vytautas", "Dariusz", "Gareth", "Rhys", "Owen", "Dylan", "Ewan", "Cameron", "Finlay", "Rory",
    "Niall", "Ciaran", "Damian", "Dominic", "Elliot", "Harvey", "Mason", "Ethan", "Alfie", "Max",
    "Toby", "Billy", "Frankie", "Mitchell", "Lloyd", "Trevor", "Clive", "Derek", "Roy", "Terence",
    "Dennis", "Ronald", "Raymond", "Malcolm",
)

FEMALE_FORENAMES: Final = (
    "Emma", "Sophie", "Chloe", "Jessica", "Hannah", "Amy", "Laura", "Rebecca", "Sarah", "Lauren",
    "Charlotte", "Emily", "Katie", "Gemma", "Danielle", "Stacey", "Kelly", "Leanne", "Nicola",
    "Michelle", "Lisa", "Claire", "Donna", "Joanne", "Julie", "Karen", "Tracey", "Sharon",
    "Angela", "Amanda", "Samantha", "Natalie", "Zoe", "Kirsty", "Jade", "Shannon", "Courtney",
    "Chelsea", "Megan", "Bethany", "Abigail", "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ella",
    "Lucy", "Grace", "Holly", "Jasmine", "Paige", "Leah", "Molly", "Ellie", "Georgia", "Rachel",
    "Victoria", "Jennifer", "Elizabeth", "Helen", "Louise", "Kerry", "Hayley", "Lindsey", "Carly",
    "Toni", "Jodie", "Jenna", "Aimee", "Stephanie", "Jacqueline", "Dawn", "Susan", "Deborah",
    "Alison", "Caroline", "Fiona", "Catherine", "Maria", "Anna", "Natasha", "Vicky", "Kimberley",
    "Shelley", "Sian", "Ffion", "Cerys", "Bronwen", "Rhiannon", "Aisha", "Fatima", "Ayesha",
    "Zainab", "Sana", "Nadia", "Amira", "Yasmin", "Shabana", "Nasreen", "Priya", "Anjali",
    "Sunita", "Harpreet", "Simran", "Gurpreet", "Precious", "Blessing", "Chantelle", "Shanice",
    "Keisha", "Tanisha", "Monique", "Kamila", "Agnieszka", "Katarzyna", "Magdalena", "Joanna",
    "Ewa", "Ioana", "Elena", "Andreea", "Siobhan", "Aoife", "Niamh", "Roisin", "Bridget",
    "Kathleen", "Mary", "Margaret", "Patricia", "Linda", "Brenda", "Janet", "Pauline", "Denise",
    "Carol", "Elaine", "Wendy", "Lorraine", "Beverley", "Tina", "Debbie", "Marie", "Lynn",
    "Sandra", "Gillian", "Heather", "Rosie", "Freya", "Poppy", "Daisy", "Millie", "Evie",
    "Phoebe", "Tia", "Demi", "Kayleigh", "Naomi",
)

# Forms a person may give instead of their forename (aliases): nicknames and spellings.
NICKNAMES: Final = {
    "Daniel": "Danny", "James": "Jimmy", "Michael": "Mick", "David": "Dave", "Christopher": "Chris",
    "Thomas": "Tommy", "Matthew": "Matt", "Joshua": "Josh", "Anthony": "Tony", "Robert": "Bobby",
    "Richard": "Rick", "Stephen": "Steve", "Steven": "Steve", "Andrew": "Andy", "Jonathan": "Jon",
    "Kenneth": "Kenny", "Terence": "Terry", "Raymond": "Ray", "Benjamin": "Ben",
    "Alexander": "Alex", "Nathaniel": "Nat", "Edward": "Eddie", "Samuel": "Sam", "Joseph": "Joe",
    "Mohammed": "Mohammad", "Muhammad": "Mohammed", "William": "Billy", "Charlie": "Charles",
    "Rebecca": "Becky", "Samantha": "Sam", "Elizabeth": "Liz", "Victoria": "Vicky",
    "Jennifer": "Jenny", "Jacqueline": "Jackie", "Deborah": "Debbie", "Catherine": "Kate",
    "Margaret": "Maggie", "Patricia": "Trish", "Kimberley": "Kim", "Natasha": "Tash",
    "Stephanie": "Steph", "Danielle": "Dani", "Nicola": "Nicky", "Abigail": "Abby",
}
# fmt: on

# Towns (with their postcode area) in each contract package area: addresses and offices.
TOWNS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "C01": (
        ("Newcastle upon Tyne", "NE"),
        ("Sunderland", "SR"),
        ("Gateshead", "NE"),
        ("North Shields", "NE"),
        ("Blyth", "NE"),
    ),
    "C02": (
        ("Preston", "PR"),
        ("Blackpool", "FY"),
        ("Blackburn", "BB"),
        ("Lancaster", "LA"),
        ("Carlisle", "CA"),
        ("Burnley", "BB"),
    ),
    "C03": (("Sheffield", "S"), ("Doncaster", "DN"), ("Rotherham", "S"), ("Barnsley", "S")),
    "C04": (
        ("Luton", "LU"),
        ("Bedford", "MK"),
        ("Northampton", "NN"),
        ("Cambridge", "CB"),
        ("Peterborough", "PE"),
        ("Stevenage", "SG"),
        ("Watford", "WD"),
    ),
    "C05": (
        ("Chelmsford", "CM"),
        ("Colchester", "CO"),
        ("Southend-on-Sea", "SS"),
        ("Basildon", "SS"),
        ("Harlow", "CM"),
    ),
    "C06": (
        ("Norwich", "NR"),
        ("Ipswich", "IP"),
        ("Great Yarmouth", "NR"),
        ("King's Lynn", "PE"),
        ("Lowestoft", "NR"),
    ),
    "C07": (
        ("Manchester", "M"),
        ("Salford", "M"),
        ("Stockport", "SK"),
        ("Bolton", "BL"),
        ("Wigan", "WN"),
        ("Oldham", "OL"),
        ("Chester", "CH"),
        ("Warrington", "WA"),
        ("Crewe", "CW"),
    ),
    "C08": (
        ("Liverpool", "L"),
        ("Birkenhead", "CH"),
        ("Bootle", "L"),
        ("St Helens", "WA"),
        ("Southport", "PR"),
        ("Huyton", "L"),
    ),
    "C09": (
        ("Leeds", "LS"),
        ("Bradford", "BD"),
        ("Wakefield", "WF"),
        ("Huddersfield", "HD"),
        ("Halifax", "HX"),
    ),
    "C10": (
        ("Hull", "HU"),
        ("Grimsby", "DN"),
        ("Lincoln", "LN"),
        ("York", "YO"),
        ("Scarborough", "YO"),
        ("Scunthorpe", "DN"),
    ),
    "C11": (
        ("Southampton", "SO"),
        ("Portsmouth", "PO"),
        ("Basingstoke", "RG"),
        ("Ryde", "PO"),
        ("Winchester", "SO"),
    ),
    "C12": (
        ("Westminster", "SW"),
        ("Islington", "N"),
        ("Hackney", "E"),
        ("Tower Hamlets", "E"),
        ("Lambeth", "SE"),
        ("Croydon", "CR"),
        ("Brent", "NW"),
        ("Ealing", "W"),
        ("Newham", "E"),
        ("Enfield", "EN"),
    ),
    "C13": (
        ("Reading", "RG"),
        ("Oxford", "OX"),
        ("Slough", "SL"),
        ("Milton Keynes", "MK"),
        ("High Wycombe", "HP"),
    ),
    "C14": (
        ("Bristol", "BS"),
        ("Gloucester", "GL"),
        ("Taunton", "TA"),
        ("Swindon", "SN"),
        ("Bath", "BA"),
        ("Cheltenham", "GL"),
    ),
    "C15": (
        ("Exeter", "EX"),
        ("Plymouth", "PL"),
        ("Bournemouth", "BH"),
        ("Truro", "TR"),
        ("Torquay", "TQ"),
        ("Poole", "BH"),
    ),
    "C16": (
        ("Cardiff", "CF"),
        ("Swansea", "SA"),
        ("Newport", "NP"),
        ("Wrexham", "LL"),
        ("Llandudno", "LL"),
        ("Merthyr Tydfil", "CF"),
    ),
    "C17": (
        ("Birmingham", "B"),
        ("Wolverhampton", "WV"),
        ("Coventry", "CV"),
        ("Stoke-on-Trent", "ST"),
        ("Walsall", "WS"),
        ("Dudley", "DY"),
    ),
    "C18": (
        ("Nottingham", "NG"),
        ("Leicester", "LE"),
        ("Derby", "DE"),
        ("Mansfield", "NG"),
        ("Chesterfield", "S"),
    ),
    "C19": (
        ("Middlesbrough", "TS"),
        ("Stockton-on-Tees", "TS"),
        ("Darlington", "DL"),
        ("Hartlepool", "TS"),
        ("Durham", "DH"),
    ),
    "C20": (
        ("Maidstone", "ME"),
        ("Canterbury", "CT"),
        ("Guildford", "GU"),
        ("Brighton", "BN"),
        ("Crawley", "RH"),
        ("Hastings", "TN"),
    ),
    "C21": (
        ("Worcester", "WR"),
        ("Leamington Spa", "CV"),
        ("Telford", "TF"),
        ("Shrewsbury", "SY"),
        ("Hereford", "HR"),
        ("Nuneaton", "CV"),
    ),
}

# The NPS division that covers each contract package area (docs/domain/operating-model.md).
AREA_DIVISION: Final = {
    "C01": "North East", "C03": "North East", "C09": "North East", "C10": "North East",
    "C19": "North East",
    "C02": "North West", "C07": "North West", "C08": "North West",
    "C17": "Midlands", "C18": "Midlands", "C21": "Midlands",
    "C16": "Wales",
    "C11": "South West and South Central", "C13": "South West and South Central",
    "C14": "South West and South Central", "C15": "South West and South Central",
    "C04": "South East and Eastern", "C05": "South East and Eastern",
    "C06": "South East and Eastern", "C20": "South East and Eastern",
    "C12": "London",
}  # fmt: skip

STREETS: Final = (
    "High",
    "Church",
    "Station",
    "Victoria",
    "Park",
    "Green",
    "Manor",
    "Mill",
    "Queen's",
    "King's",
    "New",
    "Albert",
    "Grange",
    "Springfield",
    "Oak",
    "Elm",
    "Ash",
    "Beech",
    "Willow",
    "Chestnut",
    "Windsor",
    "York",
    "Clarence",
    "Alexandra",
    "Cromwell",
    "Nelson",
    "Market",
    "School",
    "Chapel",
    "Bridge",
    "North",
    "South",
    "West",
    "Orchard",
    "Meadow",
    "Hawthorn",
    "Cedar",
    "Highfield",
    "Mount",
    "Moor",
    "Hill",
    "Stanley",
    "Derby",
    "George",
    "Princes",
    "Richmond",
    "Westfield",
    "Woodland",
    "Brook",
    "Shaftesbury",
    "Sandy",
    "Cambridge",
    "Oxford",
    "Garden",
    "Rose",
    "Lime",
    "Holly",
    "Poplar",
    "Sycamore",
    "Lansdowne",
)
STREET_KINDS: Final = (
    "Road",
    "Street",
    "Avenue",
    "Close",
    "Lane",
    "Drive",
    "Way",
    "Crescent",
    "Grove",
    "Terrace",
    "Gardens",
    "Court",
)
BLOCK_NAMES: Final = ("Tower", "House", "Court", "Lodge", "Heights", "Point")
POSTCODE_UNIT_LETTERS: Final = "ABDEFGHJLNPQRSTUWXYZ"

# --- Offending ---------------------------------------------------------------------------------

# Main current offence of people starting supervision, by OGRS3 category (the keys of
# docs/domain/ogrs3.md).
CURRENT_OFFENCE_WEIGHTS: Final = {
    "violence": 26.0, "theft": 13.0, "drug_possession_supply": 9.0, "motoring": 6.0,
    "drink_driving": 5.0, "public_order": 5.0, "burglary_domestic": 4.0, "burglary_other": 2.0,
    "fraud": 4.0, "criminal_damage": 4.0, "sexual_not_child": 2.5, "sexual_child": 2.0,
    "robbery": 3.0, "other": 6.0, "handling": 1.5, "absconding": 1.0, "vehicle_theft": 2.0,
    "theft_from_vehicle": 1.5, "drug_import_export_production": 1.5, "soliciting": 0.5,
}  # fmt: skip
# Previous sanctions: more acquisitive and minor offending, very few sexual offences.
HISTORY_OFFENCE_WEIGHTS: Final = {
    "violence": 18.0, "theft": 24.0, "drug_possession_supply": 10.0, "motoring": 6.0,
    "drink_driving": 3.0, "public_order": 8.0, "burglary_domestic": 3.0, "burglary_other": 3.0,
    "fraud": 3.0, "criminal_damage": 7.0, "sexual_not_child": 0.3, "sexual_child": 0.2,
    "robbery": 1.5, "other": 5.0, "handling": 2.5, "absconding": 6.0, "vehicle_theft": 2.5,
    "theft_from_vehicle": 2.0, "drug_import_export_production": 0.5, "soliciting": 0.3,
}  # fmt: skip
SEXUAL_CATEGORIES: Final = frozenset({"sexual_not_child", "sexual_child"})

# Disposals (docs/domain/sentences.md keys): about 55% community order, 15% suspended sentence
# order, 30% custody, of which a few extended or indeterminate sentences.
DISPOSAL_WEIGHTS: Final = {
    "community_order": 55.0,
    "suspended_sentence_order": 15.0,
    "custody": 28.5,
    "custody_extended": 1.0,
    "custody_indeterminate": 0.5,
}
# Community order lengths in months.
COMMUNITY_ORDER_MONTHS: Final = (6, 9, 12, 12, 12, 12, 18, 18, 18, 24, 24, 36)
# Suspended sentence orders: custodial term and operational (supervision) period, in months.
SSO_TERM_MONTHS: Final = (2, 3, 4, 6, 6, 8, 9, 12, 12, 16, 18, 24)
SSO_OPERATIONAL_MONTHS: Final = (12, 12, 18, 18, 24, 24)
# Determinate custody terms in months and how often each is given to people probation supervises.
CUSTODY_MONTHS: Final = {
    3: 6.0, 4: 6.0, 6: 12.0, 8: 6.0, 9: 5.0, 12: 10.0, 16: 6.0, 18: 8.0, 20: 3.0, 24: 9.0,
    30: 6.0, 36: 7.0, 48: 6.0, 60: 4.0, 72: 2.0, 96: 1.5, 120: 0.5,
}  # fmt: skip

# Requirements of community and suspended sentence orders: how often an order carries each
# (docs/domain/sentences.md keys). Every order carries at least one.
REQUIREMENT_RATES: Final = {
    "unpaid_work": 0.50,
    "rehabilitation_activity": 0.55,
    "curfew": 0.12,
    "programme": 0.08,
    "drug_rehabilitation": 0.06,
    "alcohol_treatment": 0.04,
    "exclusion": 0.03,
    "prohibited_activity": 0.02,
    "residence": 0.02,
    "mental_health_treatment": 0.02,
    "alcohol_abstinence_monitoring": 0.02,
    "attendance_centre": 0.01,
    "foreign_travel_prohibition": 0.005,
}
UNPAID_WORK_HOURS: Final = {
    40: 3.0, 60: 6.0, 80: 8.0, 100: 9.0, 120: 10.0, 150: 8.0, 180: 5.0, 200: 6.0, 240: 3.0,
    250: 2.0, 300: 2.0,
}  # fmt: skip
RAR_DAYS: Final = (5, 10, 10, 15, 15, 20, 20, 25, 30, 30, 40, 60)
# Accredited programmes: name, sessions, categories it is mainly given for (empty = any).
PROGRAMMES: Final = (
    ("Thinking Skills Programme", 19, ()),
    ("Building Better Relationships", 24, ("violence", "public_order")),
    ("Resolve", 24, ("violence", "robbery")),
    ("Drink Impaired Drivers", 14, ("drink_driving",)),
    ("Horizon", 31, ("sexual_not_child", "sexual_child")),
    ("Kaizen", 80, ("violence",)),
)
CURFEW_WINDOWS: Final = ("19:00-07:00", "20:00-06:00", "21:00-06:00", "18:00-06:00", "22:00-05:00")
PROHIBITED_ACTIVITIES: Final = (
    "Not to enter licensed premises",
    "Not to attend football matches",
    "Not to contact the victim directly or indirectly",
    "Not to own or keep a dog",
    "Not to use social media",
)
EXCLUSION_ZONES: Final = (
    "Town centre",
    "Victim's home street and surrounding roads",
    "Retail park",
    "Named shopping centre",
)

# --- Risk and need (probation.demo.risk) ----------------------------------------------------------

# Overall RoSH (the highest across audiences) by disposal, chosen so that the whole caseload is
# about 35% low, 45% medium, 17% high and 3% very high; sexual offences run higher. Extended
# sentences follow a finding of dangerousness, so they are high or very high.
ROSH_BY_DISPOSAL: Final = {
    "community_order": {"low": 42.0, "medium": 46.0, "high": 11.0, "very_high": 1.0},
    "suspended_sentence_order": {"low": 42.0, "medium": 46.0, "high": 11.0, "very_high": 1.0},
    "custody": {"low": 19.0, "medium": 44.0, "high": 31.0, "very_high": 6.0},
    "custody_extended": {"low": 0.0, "medium": 0.0, "high": 60.0, "very_high": 40.0},
    "custody_indeterminate": {"low": 0.0, "medium": 0.0, "high": 50.0, "very_high": 50.0},
}
ROSH_SEXUAL: Final = {"low": 8.0, "medium": 52.0, "high": 35.0, "very_high": 5.0}
# RSR (percent) by overall RoSH: a gamma-distributed figure with this mean, at most 15.
RSR_MEAN_BY_ROSH: Final = {"low": 1.1, "medium": 2.4, "high": 4.2, "very_high": 6.5}
# Share of assessed cases with an RSR figure (it is not computed on some oral reports).
RSR_RATE: Final = 0.95
# MAPPA level by overall RoSH (low and medium RoSH cases are managed at level 1).
MAPPA_LEVEL_BY_ROSH: Final = {
    "low": {1: 1.0},
    "medium": {1: 1.0},
    "high": {1: 75.0, 2: 22.0, 3: 3.0},
    "very_high": {1: 30.0, 2: 50.0, 3: 20.0},
}

# Registrations (complexity factors and integrated offender management) and how often a
# registration is of each kind; probation.demo.risk adjusts them for the person and the offence.
REGISTRATION_WEIGHTS: Final = {
    "mental_health": 22.0,
    "self_harm": 9.0,
    "vulnerability": 9.0,
    "child_concerns": 9.0,
    "child_protection": 5.0,
    "risk_to_children": 3.0,
    "public_interest": 0.6,
    "adult_at_risk": 5.0,
    "street_gangs": 5.0,
    "terrorism": 0.0,  # only for MAPPA cases (below)
    "integrated_offender_management": 16.0,
}
ACQUISITIVE_CATEGORIES: Final = frozenset(
    {
        "theft", "burglary_domestic", "burglary_other", "robbery", "handling", "vehicle_theft",
        "theft_from_vehicle", "fraud",
    }
)  # fmt: skip
# How likely each need section is to be a problem, before the person's likelihood of
# reoffending (OGRS3) and the offence adjust it: 0 none, about 0.5 some, 1 pervasive.
NEED_BASE: Final = {
    "accommodation": 0.12,
    "education_training_employment": 0.3,
    "relationships": 0.25,
    "lifestyle": 0.3,
    "drugs": 0.15,
    "alcohol": 0.12,
    "thinking_behaviour": 0.35,
    "attitudes": 0.22,
}
NEED_BY_CATEGORY: Final = {
    "drugs": (
        {"drug_possession_supply", "drug_import_export_production", "theft", "burglary_domestic",
         "burglary_other", "robbery", "handling", "theft_from_vehicle", "soliciting"},
        0.3,
    ),
    "alcohol": ({"drink_driving", "violence", "public_order", "criminal_damage"}, 0.3),
    "relationships": ({"violence", "sexual_child", "sexual_not_child"}, 0.15),
    "thinking_behaviour": ({"violence", "public_order", "criminal_damage", "robbery"}, 0.1),
    "attitudes": ({"robbery", "burglary_domestic", "drug_import_export_production"}, 0.1),
}  # fmt: skip
# A question's answer is not known this often; a whole section is left unanswered this often.
UNKNOWN_ANSWER_RATE: Final = 0.04
UNKNOWN_SECTION_RATE: Final = 0.03
