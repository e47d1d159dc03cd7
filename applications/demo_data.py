"""The demo data of ``manage.py seed_demo`` as plain tables (no Django, no database).

The four Euroclusters, their partners and KPI targets follow DESIGN.md section 1. Partner names are
the real cluster organisations where they are known; where the consortium member of a country is
not known for certain it is labelled by country instead of guessing a name. Every person,
enterprise, e-mail address and VAT number is invented; the VAT numbers are made up but pass the
checksum (``example_vat_number`` with a fixed seed, so every run yields the same numbers).

Dates of calls are given in days relative to the day of seeding, at round Brussels times.
"""

import random
from datetime import date
from decimal import Decimal as D
from functools import cache

from applications.identifiers import example_vat_number

DEMO_PASSWORD = "demo-portal-2026"
VAT_SEED = 20260921

# Objectives (euroclusters.models.Objective values), spelt out to keep this module Django-free.
RESILIENCE, AUTONOMY, GREEN_DIGITAL = "resilience", "autonomy", "green_digital"
TRAIN, INTERNATIONAL, OUTREACH = "train", "international", "outreach"

# Tranche events (calls.models.TrancheStep.Event values).
COUNTERSIGNED = "agreement_countersigned"
INTERIM = "interim_report_approved"
FINAL = "final_report_approved"

EUROCLUSTERS = [
    {
        "acronym": "DREAM",
        "name": "DREAM – Digital Resilient Europe for Advanced Manufacturing",
        "slug": "dream",
        "strand": "Digital / smart manufacturing",
        "cascade_budget": D("1050000"),
        "description": (
            "DREAM helps manufacturing SMEs take up digital technologies and processes for a "
            "greener and more digital production. It funds innovation projects that bring "
            "solutions of the digital ecosystem into manufacturing, and internationalisation "
            "consultancy for the SMEs it funds."
        ),
        "partners": [
            ("Pôle SCS", "FR", True),
            ("Pôle Mecatech", "BE", False),
            ("G.A.C. Group", "FR", False),
            ("MESAP", "IT", False),
            ("Cluj IT Cluster", "RO", False),
        ],
        "kpis": [
            ("Innovation projects funded", GREEN_DIGITAL, 35),
            ("Funded SMEs receiving internationalisation consultancy", INTERNATIONAL, 35),
            ("Manufacturing SMEs reached by awareness events", OUTREACH, 300),
            ("Cluster staff trained (up- and reskilling)", TRAIN, 15),
            ("Strategic partnership agreements between clusters", RESILIENCE, 5),
            ("New digital solutions deployed in manufacturing", AUTONOMY, 35),
        ],
    },
    {
        "acronym": "Silicon Europe",
        "name": "Silicon Europe Eurocluster",
        "slug": "silicon-europe",
        "strand": "Electronics (micro- and nanoelectronics, components and systems)",
        # DESIGN.md: "more than EUR 1,000,000".
        "cascade_budget": D("1100000"),
        "description": (
            "Ten clusters of the Silicon Europe Alliance strengthen the European electronics value "
            "chain and its self-sufficiency in semiconductors. The Eurocluster funds green "
            "vouchers for expert advice on the green and circular transition, and demonstration "
            "projects of SMEs in microelectronic systems."
        ),
        "partners": [
            ("Pôle SCS", "FR", False),
            ("High Tech NL", "NL", False),
            ("MESAP", "IT", False),
            ("Silicon Saxony", "DE", False),
            ("Silicon Europe Alliance cluster – Portugal", "PT", False),
            ("Silicon Alps", "AT", False),
            ("Silicon Europe Alliance cluster – Sweden", "SE", False),
            ("ICT Cluster", "BG", False),
            ("Silicon Europe Alliance cluster – Spain", "ES", False),
            ("Silicon Europe Alliance cluster – Belgium", "BE", False),
        ],
        "kpis": [
            ("New products", AUTONOMY, 12),
            ("Innovation projects", AUTONOMY, 12),
            ("Companies benefited", OUTREACH, 300),
            ("Business agreements", RESILIENCE, 20),
            ("Companies internationalised", INTERNATIONAL, 15),
            ("SMEs advised on their green transition", GREEN_DIGITAL, 25),
        ],
    },
    {
        "acronym": "RE-CENTRE",
        "name": (
            "RE-CENTRE – Cross-sectoral cluster approach for higher competitiveness through "
            "digital, green transition and resilience"
        ),
        "slug": "re-centre",
        "strand": "Cross-sectoral: furniture and interiors, IT, energy",
        "cascade_budget": D("1050000"),
        "description": (
            "RE-CENTRE brings together SMEs of furniture and interiors, IT and energy to build new "
            "business models and joint innovation projects on digital and green topics, and "
            "supports SMEs exploring the markets of Mexico and Chile."
        ),
        "partners": [
            ("CSM-DID", "IT", False),
            ("CENFIM", "ES", False),
            ("Cluj IT Cluster", "RO", False),
            ("Green Synergy Cluster", "BG", False),
        ],
        "kpis": [
            ("Collaboration innovation projects funded", AUTONOMY, 20),
            ("SMEs in collaboration projects", GREEN_DIGITAL, 40),
            ("SMEs exploring Mexico and Chile", INTERNATIONAL, 40),
            ("Cross-sectoral business partnerships", RESILIENCE, 20),
            ("Cluster and SME staff trained", TRAIN, 60),
            ("SMEs reached by matchmaking events", OUTREACH, 200),
        ],
    },
    {
        "acronym": "DESIRE",
        "name": "DESIRE – Development of E-Health Solutions Improving Resilience in Europe",
        "slug": "desire",
        "strand": "Health (e-health and digital health)",
        "cascade_budget": D("1050000"),
        "description": (
            "DESIRE addresses the challenges SMEs meet when entering the European e-health and "
            "digital-health market. A mentoring programme with financial support helps 35 SMEs "
            "with product innovation, business-process innovation and internationalisation "
            "towards third countries."
        ),
        "partners": [
            ("Cluj IT Cluster", "RO", False),
            ("Interizon", "PL", False),
            ("DESIRE partner cluster – Austria", "AT", False),
            ("DESIRE partner cluster – France", "FR", False),
        ],
        "kpis": [
            ("SMEs in the mentoring programme", RESILIENCE, 35),
            ("New-to-company product or service innovations", AUTONOMY, 15),
            ("Business-process innovations adopted", GREEN_DIGITAL, 10),
            ("Resilience and business-continuity plans", RESILIENCE, 37),
            ("SMEs entering markets in third countries", INTERNATIONAL, 10),
            ("Collaboration events for SMEs, investors and health actors", OUTREACH, 12),
            ("Webinars training cluster managers", TRAIN, 4),
        ],
    },
]

CRITERIA = [
    ("Excellence", "Clarity of the objectives, soundness and novelty of the proposed solution."),
    ("Impact", "Expected effect on the competitiveness, resilience and green and digital "
               "transition of the SME(s), with measurable indicators."),
    ("Implementation", "Quality of the work plan, budget and team; capacity to deliver on time."),
]

DECLARATION = ("Signed declaration of honour (PDF)",
               "The call's declaration of honour, dated and signed by the legal representative.")
SME_DECLARATION = ("SME self-declaration",
                   "The SME self-declaration (Recommendation 2003/361/EC), signed.")


def _sections(*extra: tuple[str, str, str, int]) -> list[dict]:
    base = [
        ("challenge", "Challenge and objectives",
         "What problem does the project solve, for whom, and what will be different after it?",
         3000),
        ("approach", "Approach and work plan",
         "Activities, milestones, the service providers involved and who does what.", 5000),
        ("impact", "Expected impact",
         "Effect on your products, processes, markets and environmental footprint, with "
         "indicators.", 3000),
    ]
    return [{"key": k, "title": t, "help": h, "max_chars": m} for k, t, h, m in [*base, *extra]]


# phase: "open" (status open, opened in the past), "forthcoming" (published, opens later),
# "closed" (status closed, deadline passed). Days are relative to the day of seeding; times are
# Brussels time.
CALLS = [
    {
        "eurocluster": "DREAM",
        "reference": "DREAM-OC2-2026",
        "title": "DREAM innovation vouchers – digital technology for manufacturing (cut-off 2)",
        "phase": "open", "opens": (-21, 12), "closes": (35, 17),
        "budget": D("750000"),
        "summary": (
            "Vouchers for manufacturing SMEs that bring a digital solution (IoT, AI, data, "
            "robotics, digital twins) into their production, with internationalisation "
            "consultancy for the SMEs funded."
        ),
        "description": (
            "DREAM funds 35 innovation projects over two cut-offs that move technology from the "
            "digital ecosystem into manufacturing, with a focus on the efficient management of "
            "resources. This second cut-off funds 25 innovation vouchers.\n\n"
            "SMEs funded by an innovation voucher may also ask for an internationalisation "
            "consultancy voucher to prepare entry into a new market with an expert."
        ),
        "eligibility": (
            "SMEs legally established in an EU Member State or a country associated to the Single "
            "Market Programme, active in manufacturing or supplying digital solutions to "
            "manufacturers. Partners of the DREAM consortium cannot apply. One application per "
            "SME; at most EUR 60,000 of support per SME across Eurocluster calls."
        ),
        "sections": _sections(("technology", "Digital technology deployed",
                               "Which technology, at which readiness level, from which provider.",
                               2000)),
        "vouchers": [
            {"name": "Innovation voucher", "min": D("10000"), "max": D("27000"), "n": 25,
             "description": "A project deploying a digital solution in a manufacturing context."},
            {"name": "Internationalisation consultancy voucher", "min": D("1000"),
             "max": D("3000"), "n": 25,
             "description": "Expert consultancy on entering a new market, for SMEs funded by a "
                            "DREAM innovation voucher."},
        ],
        "documents": [DECLARATION, SME_DECLARATION,
                      ("Offer of the technology provider",
                       "The quotation of the provider of the digital solution, if any.", False)],
        "tranches": [(50, COUNTERSIGNED), (50, FINAL)],
    },
    {
        "eurocluster": "DREAM",
        "reference": "DREAM-OC1-2026",
        "title": "DREAM innovation vouchers – digital technology for manufacturing (cut-off 1)",
        "phase": "closed", "opens": (-110, 12), "closes": (-30, 17),
        "budget": D("300000"),
        "summary": "First cut-off of the DREAM innovation vouchers: 10 projects.",
        "description": (
            "The first cut-off funded 10 innovation projects moving digital technology into "
            "manufacturing. The evaluation is in progress."
        ),
        "eligibility": (
            "SMEs legally established in an EU Member State or a country associated to the Single "
            "Market Programme, active in manufacturing or supplying digital solutions to "
            "manufacturers."
        ),
        "sections": _sections(),
        "vouchers": [
            {"name": "Innovation voucher", "min": D("10000"), "max": D("27000"), "n": 10,
             "description": "A project deploying a digital solution in a manufacturing context."},
            {"name": "Internationalisation consultancy voucher", "min": D("1000"),
             "max": D("3000"), "n": 10, "description": "For SMEs funded in this cut-off."},
        ],
        "documents": [DECLARATION, SME_DECLARATION],
        "tranches": [(50, COUNTERSIGNED), (50, FINAL)],
    },
    {
        "eurocluster": "Silicon Europe",
        "reference": "SEE-GREEN-DEMO-2026",
        "title": "Silicon Europe green vouchers and demonstration projects",
        "phase": "open", "opens": (-14, 12), "closes": (28, 17),
        "budget": D("570000"),
        "summary": (
            "25 green vouchers of EUR 3,600 for expert advice on the green and circular "
            "transition, and demonstration projects in microelectronic systems."
        ),
        "description": (
            "Green vouchers pay an expert from the Silicon Europe green expert catalogue to guide "
            "an electronics SME through its green transition (EUR 3,600 each, 25 vouchers).\n\n"
            "Demonstration projects show a new microelectronic solution in a real setting "
            "(radio communications, cybersecurity, artificial intelligence, energy harvesting, "
            "photonics, sensors). This cut-off funds 12 demonstration projects of one to three "
            "SMEs."
        ),
        "eligibility": (
            "SMEs of the electronics value chain legally established in an EU Member State or a "
            "country associated to the Single Market Programme. Partners of the Silicon Europe "
            "Eurocluster cannot apply."
        ),
        "sections": _sections(),
        "vouchers": [
            {"name": "Green voucher", "min": D("3600"), "max": D("3600"), "n": 25,
             "description": "EUR 3,600 for consultancy by a green expert of the catalogue."},
            {"name": "Demonstration project", "min": D("10000"), "max": D("40000"), "n": 12,
             "consortium": (1, 3, 1),
             "description": "A demonstrator of a microelectronic solution, by 1 to 3 SMEs."},
        ],
        "documents": [DECLARATION, SME_DECLARATION,
                      ("Offer of the green expert",
                       "For green vouchers: the expert's offer, expert chosen from the catalogue.",
                       False)],
        "tranches": [(40, COUNTERSIGNED), (45, INTERIM), (15, FINAL)],
    },
    {
        "eurocluster": "Silicon Europe",
        "reference": "SEE-DEMO-2027",
        "title": "Silicon Europe demonstration projects (cut-off 2)",
        "phase": "forthcoming", "opens": (14, 12), "closes": (74, 17),
        "budget": D("520000"),
        "summary": "13 more demonstration projects in microelectronic systems.",
        "description": (
            "The second cut-off completes the 25 demonstration projects of the Silicon Europe "
            "Eurocluster. It opens on the date shown; the guide for applicants is published."
        ),
        "eligibility": (
            "SMEs of the electronics value chain legally established in an EU Member State or a "
            "country associated to the Single Market Programme."
        ),
        "sections": _sections(),
        "vouchers": [
            {"name": "Demonstration project", "min": D("10000"), "max": D("40000"), "n": 13,
             "consortium": (1, 3, 1),
             "description": "A demonstrator of a microelectronic solution, by 1 to 3 SMEs."},
        ],
        "documents": [DECLARATION, SME_DECLARATION],
        "tranches": [(40, COUNTERSIGNED), (45, INTERIM), (15, FINAL)],
    },
    {
        "eurocluster": "RE-CENTRE",
        "reference": "RECENTRE-2026",
        "title": "RE-CENTRE collaboration innovation and internationalisation vouchers",
        "phase": "open", "opens": (-10, 12), "closes": (42, 17),
        "budget": D("1050000"),
        "summary": (
            "Innovation vouchers for about 20 collaboration projects of 2 to 4 SMEs from "
            "furniture and interiors, IT and energy (EUR 1,040,000), and internationalisation "
            "vouchers for 40 SMEs exploring Mexico and Chile (EUR 10,000)."
        ),
        "description": (
            "Collaboration projects join SMEs of at least two different countries (and ideally of "
            "two of the three sectors) on a digital or green innovation. Each project receives up "
            "to EUR 52,000, shared among its SMEs.\n\n"
            "Internationalisation vouchers cover the participation of an SME in the B2B meetings "
            "organised in Mexico and Chile."
        ),
        "eligibility": (
            "SMEs of furniture and interiors, IT or energy legally established in an EU Member "
            "State or a country associated to the Single Market Programme. Collaboration projects "
            "need 2 to 4 SMEs from at least 2 countries; the lead SME applies for all. Partners of "
            "the RE-CENTRE consortium cannot apply."
        ),
        "sections": _sections(("collaboration", "Role of each partner SME",
                               "What each SME brings and what it gains.", 3000)),
        "vouchers": [
            {"name": "Collaboration innovation voucher", "min": D("20000"), "max": D("52000"),
             "n": 20, "consortium": (2, 4, 2),
             "description": "A joint digital or green innovation project of 2 to 4 SMEs from at "
                            "least 2 countries."},
            {"name": "Internationalisation voucher (Mexico and Chile)", "min": D("250"),
             "max": D("250"), "n": 40,
             "description": "EUR 10,000 in total for 40 SMEs: participation in the B2B meetings "
                            "in Mexico and Chile."},
        ],
        "documents": [DECLARATION, SME_DECLARATION,
                      ("Partnership letter",
                       "For collaboration projects: a letter signed by every partner SME.",
                       False)],
        "tranches": [(30, COUNTERSIGNED), (70, FINAL)],
    },
    {
        "eurocluster": "DESIRE",
        "reference": "DESIRE-2026",
        "title": "DESIRE mentoring programme for e-health SMEs",
        "phase": "open", "opens": (-7, 12), "closes": (21, 17),
        "budget": D("1050000"),
        "summary": (
            "Financial support and mentoring for 35 e-health and digital-health SMEs: product "
            "innovation, business-process innovation, internationalisation towards third "
            "countries."
        ),
        "description": (
            "Product innovation vouchers reduce dependency on critical inputs and bring new "
            "e-health products and services to market. Business-process innovation vouchers "
            "modernise how the SME works. Internationalisation vouchers prepare the entry into "
            "markets outside the EU. Every funded SME also writes a resilience and "
            "business-continuity plan with its mentor."
        ),
        "eligibility": (
            "SMEs developing e-health or digital-health products or services, legally "
            "established in an EU Member State or a country associated to the Single Market "
            "Programme. Partners of the DESIRE consortium cannot apply."
        ),
        "sections": _sections(),
        "vouchers": [
            {"name": "Product innovation voucher", "min": D("10000"), "max": D("30000"),
             "n": 15, "description": "A new-to-company product or service."},
            {"name": "Business-process innovation voucher", "min": D("10000"),
             "max": D("30000"), "n": 10, "description": "A new or improved business process."},
            {"name": "Internationalisation voucher (third countries)", "min": D("5000"),
             "max": D("30000"), "n": 10,
             "description": "Entry into a market outside the EU and the associated countries."},
        ],
        "documents": [DECLARATION, SME_DECLARATION],
        "tranches": [(40, COUNTERSIGNED), (45, INTERIM), (15, FINAL)],
    },
]

STAFF = [
    # (e-mail, full name, Eurocluster acronym, role)
    ("manager.dream@example.eu", "Claire Dubreuil", "DREAM", "manager"),
    ("finance.dream@example.eu", "Julien Fabrègue", "DREAM", "finance"),
    ("manager.silicon@example.eu", "Katrin Vogelsang", "Silicon Europe", "manager"),
    ("finance.silicon@example.eu", "Pieter van Aalsum", "Silicon Europe", "finance"),
    ("manager.recentre@example.eu", "Giulia Ferraresi", "RE-CENTRE", "manager"),
    ("finance.recentre@example.eu", "Javier Ortúzar", "RE-CENTRE", "finance"),
    ("manager.desire@example.eu", "Ioana Pătrășcanu", "DESIRE", "manager"),
    ("finance.desire@example.eu", "Radu Mihăileanu", "DESIRE", "finance"),
]

ADMIN = ("admin@example.org", "Portal Administrator")

EVALUATORS = [
    ("evaluator.anneke@example.org", "Anneke Verhoeven-Smit"),
    ("evaluator.tomasz@example.org", "Tomasz Wróblewicz"),
    ("evaluator.sofia@example.org", "Sofia Lindqvarn"),
    ("evaluator.miguel@example.org", "Miguel Alvarenga Souto"),
]

# SME users and their enterprises. Figures: staff (AWU), turnover, balance sheet (EUR).
SMES = [
    {"email": "lotte@brabant-vision.example.eu", "name": "Lotte Peetermans",
     "org": {"legal_name": "Brabant Vision Systems BV", "country": "BE",
             "street": "Interleuvenlaan 62", "postcode": "3001", "city": "Leuven",
             "nace_code": "C26.7", "year_founded": 2019, "staff_headcount": D("8"),
             "annual_turnover": D("940000"), "balance_sheet_total": D("610000")}},
    {"email": "mathieu@atelier-numerique.example.eu", "name": "Mathieu Garnaud",
     "org": {"legal_name": "Atelier Numérique du Rhône SAS", "country": "FR",
             "street": "12 rue de la Soie", "postcode": "69100", "city": "Villeurbanne",
             "nace_code": "C28.4", "year_founded": 2011, "staff_headcount": D("22"),
             "annual_turnover": D("3100000"), "balance_sheet_total": D("2400000")},
     "aid": [(date(2025, 3, 18), "Région Auvergne-Rhône-Alpes", D("45000"))]},
    {"email": "chiara@legnovivo.example.eu", "name": "Chiara Bonettini",
     "org": {"legal_name": "Legno Vivo Arredamenti S.r.l.", "country": "IT",
             "street": "Via dei Mobilieri 18", "postcode": "20821", "city": "Meda",
             "nace_code": "C31.09", "year_founded": 1987, "staff_headcount": D("96"),
             "annual_turnover": D("14200000"), "balance_sheet_total": D("11800000")},
     "related": [("Finlegno Holding S.p.A.", "IT", D("30"), D("12"), D("2600000"),
                  D("9500000"))],
     "aid": [(date(2024, 6, 4), "Regione Lombardia", D("22500")),
             (date(2025, 11, 20), "Camera di Commercio Monza e Brianza", D("6000"))]},
    {"email": "lucia@levante-digital.example.eu", "name": "Lucía Navarrete",
     "org": {"legal_name": "Mobiliario Levante Digital S.L.", "country": "ES",
             "street": "Calle del Mueble 7", "postcode": "46470", "city": "Catarroja",
             "nace_code": "62.01", "year_founded": 2016, "staff_headcount": D("18"),
             "annual_turnover": D("2200000"), "balance_sheet_total": D("1500000")}},
    {"email": "andrei@somes-health.example.eu", "name": "Andrei Mureșanu",
     "org": {"legal_name": "Someș Health Analytics SRL", "country": "RO",
             "street": "Strada Observatorului 94", "postcode": "400363", "city": "Cluj-Napoca",
             "nace_code": "62.01", "year_founded": 2017, "staff_headcount": D("35"),
             "annual_turnover": D("4800000"), "balance_sheet_total": D("2900000")},
     "aid": [(date(2025, 2, 10), "Agenția pentru Dezvoltare Regională Nord-Vest",
              D("15000"))]},
    {"email": "petar@rila-solar.example.eu", "name": "Petar Dimitrovski",
     "org": {"legal_name": "Rila Solar Systems EOOD", "country": "BG",
             "street": "bul. Tsarigradsko shose 115", "postcode": "1784", "city": "Sofia",
             "nace_code": "D35.11", "year_founded": 2020, "staff_headcount": D("4"),
             "annual_turnover": D("350000"), "balance_sheet_total": D("420000")},
     "aid": [(date(2026, 1, 15), "Bulgarian SME Promotion Agency", D("8000"))]},
    {"email": "sanne@groene-chip.example.eu", "name": "Sanne Jansma",
     "org": {"legal_name": "Groene Chip Design B.V.", "country": "NL",
             "street": "High Tech Campus 27", "postcode": "5656 AE", "city": "Eindhoven",
             "nace_code": "C26.1", "year_founded": 2018, "staff_headcount": D("14"),
             "annual_turnover": D("2400000"), "balance_sheet_total": D("1900000")},
     "related": [("Brabant Seed Ventures B.V.", "NL", D("28"), D("3"), D("400000"),
                  D("5200000"))]},
    {"email": "ines@minho-sensores.example.eu", "name": "Inês Carvalhal",
     "org": {"legal_name": "Minho Sensores, Lda.", "country": "PT",
             "street": "Rua do Avepark 4", "postcode": "4805-017", "city": "Guimarães",
             "nace_code": "C26.51", "year_founded": 2021, "staff_headcount": D("9"),
             "annual_turnover": D("1200000"), "balance_sheet_total": D("800000")}},
    {"email": "jonas@elbtal-mikro.example.eu", "name": "Jonas Richterling",
     "org": {"legal_name": "Elbtal Mikrosysteme GmbH", "country": "DE",
             "street": "Manfred-von-Ardenne-Ring 20", "postcode": "01099", "city": "Dresden",
             "nace_code": "C26.11", "year_founded": 2008, "staff_headcount": D("140"),
             "annual_turnover": D("31000000"), "balance_sheet_total": D("24000000")}},
    {"email": "eva@drau-elektronik.example.eu", "name": "Eva Hubmayr",
     "org": {"legal_name": "Drau Leistungselektronik GmbH", "country": "AT",
             "street": "Europastraße 12", "postcode": "9524", "city": "Villach",
             "nace_code": "C27.11", "year_founded": 2014, "staff_headcount": D("30"),
             "annual_turnover": D("6000000"), "balance_sheet_total": D("4500000")},
     # A linked enterprise (more than 50 % held): its figures count in full, so medium-sized.
     "related": [("Karawanken Industrieholding AG", "AT", D("60"), D("80"), D("12000000"),
                  D("9000000"))]},
]

# Applications, created through the same services as the portal. "submit": how many times the
# application is submitted (0 = draft); "revision" is applied before the second submission.
APPLICATIONS = [
    {
        "applicant": "mathieu@atelier-numerique.example.eu", "call": "DREAM-OC2-2026",
        "voucher": "Innovation voucher", "submit": 2, "documents": "mandatory",
        "fields": {
            "title": "Vision-guided quality control for a silk-weaving line",
            "acronym": "SILKEYE",
            "summary": "A camera and edge-AI system that spots weaving defects in real time and "
                       "stops the loom before a roll is spoilt.",
            "sections": {
                "challenge": "Defects are found at the end of the roll: 6 % of the fabric is "
                             "scrapped.",
                "approach": "Install two line-scan cameras, train a defect model with the "
                            "provider, connect it to the loom controller; pilot on one line.",
                "impact": "Scrap down from 6 % to 2 %, 18 t less yarn wasted a year.",
                "technology": "Line-scan cameras and an edge-AI box (TRL 7) from a Lyon "
                              "provider.",
            },
            "requested_amount": D("25000"), "duration_months": 9,
        },
        "budget": [("subcontracting", "Defect model training and integration", D("15000")),
                   ("equipment", "Line-scan cameras and edge computer", D("8000")),
                   ("personnel", "Production engineer time", D("2000"))],
        "revision": {"summary": "A camera and edge-AI system that spots weaving defects in real "
                                "time, stops the loom and logs each defect for the quality "
                                "team."},
    },
    {
        "applicant": "lotte@brabant-vision.example.eu", "call": "DREAM-OC2-2026",
        "voucher": "Innovation voucher", "submit": 1, "documents": "mandatory",
        "fields": {
            "title": "Digital twin of a packaging cell for predictive maintenance",
            "acronym": "PACKTWIN",
            "summary": "A digital twin of a food-packaging cell predicts failures of its "
                       "sealing unit from vibration and temperature data.",
            "sections": {
                "challenge": "Unplanned stops of the sealing unit cost 40 hours a year.",
                "approach": "Sensors, a data pipeline and a twin model built with a Walloon "
                            "integrator; six-month pilot.",
                "impact": "Half the unplanned stops; less film and energy wasted.",
                "technology": "Industrial IoT sensors and an open-source twin platform (TRL 6).",
            },
            "requested_amount": D("18000"), "duration_months": 8,
        },
        "budget": [("subcontracting", "Twin model and integration", D("12000")),
                   ("equipment", "Vibration and temperature sensors", D("6000"))],
    },
    {
        "applicant": "sanne@groene-chip.example.eu", "call": "SEE-GREEN-DEMO-2026",
        "voucher": "Green voucher", "submit": 1, "documents": "all",
        "fields": {
            "title": "Life-cycle assessment of our power-management chips",
            "acronym": "GREENLCA",
            "summary": "A green expert runs a life-cycle assessment of two chip families and "
                       "proposes an eco-design roadmap.",
            "sections": {
                "challenge": "Customers ask for product carbon footprints we cannot give yet.",
                "approach": "Expert from the catalogue: data collection, LCA, roadmap workshop.",
                "impact": "Footprints for two product families and three eco-design measures.",
            },
            "requested_amount": D("3600"), "duration_months": 4,
        },
        "budget": [("subcontracting", "Green expert consultancy (LCA)", D("3600"))],
    },
    {
        "applicant": "chiara@legnovivo.example.eu", "call": "RECENTRE-2026",
        "voucher": "Collaboration innovation voucher", "submit": 1, "documents": "all",
        "partners": [("lucia@levante-digital.example.eu",
                      "Configurator and digital product passport")],
        "fields": {
            "title": "Digital product passport for circular upholstered furniture",
            "acronym": "CIRCUPASS",
            "summary": "An Italian furniture maker and a Spanish software SME build a digital "
                       "product passport and 3D configurator for repairable sofas.",
            "sections": {
                "challenge": "Buyers and repairers cannot tell which materials a sofa contains.",
                "approach": "Material data model, QR passport, 3D configurator; pilot on two "
                            "product lines.",
                "impact": "Two repairable product lines, 30 % of parts recovered at end of life.",
                "collaboration": "Legno Vivo designs and produces; Levante Digital builds the "
                                 "passport and configurator.",
            },
            "requested_amount": D("48000"), "duration_months": 12,
        },
        "budget": [("personnel", "Design and production staff (IT)", D("20000")),
                   ("personnel", "Software development (ES)", D("22000")),
                   ("travel", "Two project meetings", D("3000")),
                   ("other", "QR labels and material tests", D("3000"))],
    },
    {
        # Levante Digital is a partner in CIRCUPASS and also leads this one in the same call,
        # which RE-CENTRE does not allow: both go to the manager's "needs review" list.
        "applicant": "lucia@levante-digital.example.eu", "call": "RECENTRE-2026",
        "voucher": "Internationalisation voucher (Mexico and Chile)", "submit": 1,
        "documents": "mandatory",
        "fields": {
            "title": "B2B meetings in Santiago for our furniture configurator",
            "acronym": "CONFIGCL",
            "summary": "Meet Chilean furniture retailers at the RE-CENTRE B2B days to test "
                       "demand for our 3D configurator.",
            "sections": {
                "challenge": "We have no customers outside Spain yet.",
                "approach": "Prepare a Spanish-language demo, attend the Santiago B2B meetings.",
                "impact": "Five qualified leads and one pilot with a Chilean retailer.",
                "collaboration": "A single SME: not applicable.",
            },
            "requested_amount": D("250"), "duration_months": 3,
        },
        "budget": [("travel", "Participation in the B2B meetings", D("250"))],
    },
    {
        "applicant": "ines@minho-sensores.example.eu", "call": "SEE-GREEN-DEMO-2026",
        "voucher": "Demonstration project", "submit": 0, "documents": "mandatory",
        "fields": {
            "title": "Energy-harvesting soil sensors for vineyards",
            "acronym": "VINHARVEST",
            "summary": "Battery-free soil-moisture sensors powered by a small solar harvester, "
                       "demonstrated in three Minho vineyards.",
            "sections": {
                "challenge": "Battery changes make dense sensor networks too costly.",
                "approach": "Design the harvester board, field trial in three vineyards.",
                "impact": "Sensors without batteries; 20 % less irrigation water.",
            },
            "requested_amount": D("36000"), "duration_months": 10,
        },
        "budget": [("personnel", "Hardware design", D("24000")),
                   ("equipment", "Prototype boards and sensors", D("9000")),
                   ("travel", "Field trials", D("3000"))],
    },
    {
        "applicant": "andrei@somes-health.example.eu", "call": "DESIRE-2026",
        "voucher": "Product innovation voucher", "submit": 0, "documents": "none",
        "fields": {
            "title": "Remote monitoring of heart-failure patients at home",
            "acronym": "HOMEHEART",
            "summary": "A tablet app and connected scale that warn the care team of fluid "
                       "retention early.",
            "sections": {
                "challenge": "Readmissions of heart-failure patients within 30 days.",
            },
        },
    },
    {
        "applicant": "petar@rila-solar.example.eu", "call": "RECENTRE-2026",
        "voucher": "Internationalisation voucher (Mexico and Chile)", "submit": 0,
        "documents": "none",
        "fields": {"title": "Solar carports for furniture showrooms in Chile"},
    },
]


@cache
def build() -> dict:
    """The tables above, with made-up VAT numbers filled in, always the same ones. Read-only."""
    rng = random.Random(VAT_SEED)
    # A cluster in several consortia (Cluj IT Cluster, Pôle SCS, MESAP) keeps one VAT number.
    numbers: dict[tuple[str, str], str] = {}
    euroclusters = []
    for eurocluster in EUROCLUSTERS:
        partners = []
        for name, country, coordinator in eurocluster["partners"]:
            if (name, country) not in numbers:
                numbers[name, country] = example_vat_number(country, rng)
            partners.append({"name": name, "country": country, "is_coordinator": coordinator,
                             "registration_number": numbers[name, country]})
        euroclusters.append({**eurocluster, "partners": partners})
    smes = []
    for sme in SMES:
        org = {**sme["org"],
               "registration_number": example_vat_number(sme["org"]["country"], rng)}
        related = [
            {"name": name, "country": country, "share_percent": share, "staff_headcount": staff,
             "annual_turnover": turnover, "balance_sheet_total": balance}
            for name, country, share, staff, turnover, balance in sme.get("related", [])
        ]
        aid = [{"granted_on": granted_on, "granting_body": body, "amount": amount}
               for granted_on, body, amount in sme.get("aid", [])]
        smes.append({**sme, "org": org, "related": related, "aid": aid})
    return {"euroclusters": euroclusters, "calls": CALLS, "staff": STAFF, "admin": ADMIN,
            "evaluators": EVALUATORS, "smes": smes, "applications": APPLICATIONS}


def demo_pdf(title: str) -> bytes:
    """A small, valid one-page PDF showing ``title`` (ASCII only), built in memory."""
    import unicodedata

    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    text = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = (f"BT /F1 14 Tf 72 760 Td ({text}) Tj 0 -24 Td /F1 10 Tf "
              f"(Demo document generated by seed_demo.) Tj ET").encode()
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 5 0 R>>>>"
        b"/Contents 4 0 R>>",
        b"<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n"
            .encode())
    return bytes(out)
