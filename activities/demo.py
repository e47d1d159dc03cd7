"""The support activities of the demo (``manage.py seed_demo_activities``) as plain tables.

A few activities per demo Eurocluster, recorded by its manager, with participants drawn from the
demo enterprises of ``applications.demo_data`` (by their user's e-mail) and a few organisations
that never applied, entered by name, country and number: RE-CENTRE's internationalisation
mission to Mexico and Chile and a B2B matchmaking, a Silicon Europe training on eco-design and
two business agreements between its green-voucher beneficiaries, DREAM's internationalisation
consultancy for funded SMEs, and a DESIRE webinar. The same SME takes part in several activities
(and calls): the KPIs count it once.

No Django here; the command resolves e-mails and Eurocluster acronyms.
"""

import random
from datetime import date

from applications.identifiers import example_vat_number

# Objectives and activity types (euroclusters.models.Objective, activities.models.Activity.Kind
# values), spelt out to keep this module Django-free.
RESILIENCE, TRAIN, INTERNATIONAL, OUTREACH = "resilience", "train", "international", "outreach"
TRAINING, B2B_MEETING, MISSION = "training", "b2b_meeting", "mission"
CONSULTANCY, BUSINESS_AGREEMENT = "consultancy", "business_agreement"

_rng = random.Random(20261205)
# Organisations that never applied on the portal: made-up names, numbers that pass the checksum.
MOBILI_FRIULANI = ("Mobili Friulani S.r.l.", "IT", example_vat_number("IT", _rng))
CASA_NOGAL = ("Casa Nogal Interiores S.L.", "ES", example_vat_number("ES", _rng))
VITALIS = ("Vitalis Telemed SRL", "RO", example_vat_number("RO", _rng))

CHIARA, LUCIA = "chiara@legnovivo.example.eu", "lucia@levante-digital.example.eu"
PETAR, ANDREI = "petar@rila-solar.example.eu", "andrei@somes-health.example.eu"
SANNE, INES = "sanne@groene-chip.example.eu", "ines@minho-sensores.example.eu"
JONAS, EVA = "jonas@elbtal-mikro.example.eu", "eva@drau-elektronik.example.eu"
LOTTE, MATHIEU = "lotte@brabant-vision.example.eu", "mathieu@atelier-numerique.example.eu"
ELENI, MARTA = "eleni@thermi-additive.example.eu", "marta@wzo-cnc.example.eu"

# Each: Eurocluster acronym, type, title, first day, last day, place, online, objective, notes,
# participants (an e-mail: that user's enterprise; a tuple: name, country, number).
ACTIVITIES: list[dict] = [
    {"eurocluster": "RE-CENTRE", "kind": MISSION,
     "title": "Internationalisation mission to Mexico and Chile",
     "starts_on": date(2026, 10, 12), "ends_on": date(2026, 10, 23),
     "place": "Mexico City, Guadalajara and Santiago de Chile", "online": False,
     "objective": INTERNATIONAL,
     "notes": "Visits to furniture retailers and energy integrators, B2B meetings at the "
              "chambers of commerce; one week in Mexico, one in Chile.",
     "participants": [CHIARA, LUCIA, PETAR, MOBILI_FRIULANI, CASA_NOGAL]},
    {"eurocluster": "RE-CENTRE", "kind": B2B_MEETING,
     "title": "Furniture meets IT: B2B matchmaking", "starts_on": date(2026, 5, 20),
     "ends_on": None, "place": "Valencia", "online": False, "objective": OUTREACH, "notes": "",
     "participants": [CHIARA, LUCIA, ANDREI, CASA_NOGAL]},
    {"eurocluster": "Silicon Europe", "kind": TRAINING,
     "title": "Eco-design of electronic products: training for SMEs",
     "starts_on": date(2026, 4, 14), "ends_on": date(2026, 4, 15), "place": "",
     "online": True, "objective": TRAIN,
     "notes": "Two half-days: life-cycle assessment basics, design for repair and recycling.",
     "participants": [SANNE, INES, JONAS, EVA, LOTTE]},
    {"eurocluster": "Silicon Europe", "kind": BUSINESS_AGREEMENT,
     "title": "Supply agreement: Groene Chip Design and Brabant Vision Systems",
     "starts_on": date(2026, 9, 2), "ends_on": None, "place": "Eindhoven", "online": False,
     "objective": RESILIENCE,
     "notes": "Low-power image-sensor chips for the refurbished camera line.",
     "participants": [SANNE, LOTTE]},
    {"eurocluster": "Silicon Europe", "kind": BUSINESS_AGREEMENT,
     "title": "Joint development agreement: power modules for sensor nodes",
     "starts_on": date(2026, 11, 18), "ends_on": None, "place": "Villach", "online": False,
     "objective": RESILIENCE, "notes": "",
     "participants": [EVA, JONAS, INES]},
    {"eurocluster": "DREAM", "kind": CONSULTANCY,
     "title": "Internationalisation consultancy for funded SMEs",
     "starts_on": date(2026, 6, 1), "ends_on": date(2026, 11, 30), "place": "", "online": True,
     "objective": INTERNATIONAL,
     "notes": "Market-entry plans for North America and South-East Asia, one per SME.",
     "participants": [MATHIEU, ELENI, MARTA]},
    {"eurocluster": "DESIRE", "kind": TRAINING,
     "title": "Webinar: the Medical Device Regulation for e-health SMEs",
     "starts_on": date(2026, 2, 25), "ends_on": None, "place": "", "online": True,
     "objective": TRAIN, "notes": "", "participants": [ANDREI, VITALIS]},
]
