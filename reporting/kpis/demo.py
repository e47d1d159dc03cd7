"""How the demo's 25 KPI targets are measured, and a few values their managers reported
(``manage.py seed_demo_kpis``). Plain tables, no Django: the command resolves the names.

Targets are named as in ``applications.demo_data.EUROCLUSTERS``. Reported values are dated in
days before the seeding day, so the trend has points whatever the day of the demo.
"""

from datetime import date

# The grant's action period of every demo Eurocluster (30 months, as the Euroclusters' grants).
STARTS_ON, ENDS_ON = date(2026, 1, 1), date(2028, 6, 30)

# Voucher types whose name contains this (case-insensitive) are internationalisation vouchers.
INTERNATIONALISATION_WORD = "internationali"

# (Eurocluster acronym, KPI name) -> measure (euroclusters.models.KpiTarget.Measure values).
MEASURES = {
    ("DREAM", "Innovation projects funded"): "projects_funded",
    ("DREAM", "Funded SMEs receiving internationalisation consultancy"):
        "smes_internationalised",
    ("DREAM", "Manufacturing SMEs reached by awareness events"): "reported",
    ("DREAM", "Cluster staff trained (up- and reskilling)"): "reported",
    ("DREAM", "Strategic partnership agreements between clusters"): "reported",
    ("DREAM", "New digital solutions deployed in manufacturing"): "new_products",
    ("Silicon Europe", "New products"): "new_products",
    ("Silicon Europe", "Innovation projects"): "projects_funded",
    ("Silicon Europe", "Companies benefited"): "smes_supported",
    ("Silicon Europe", "Business agreements"): "business_agreements",
    ("Silicon Europe", "Companies internationalised"): "smes_internationalised",
    ("Silicon Europe", "SMEs advised on their green transition"): "reported",
    ("RE-CENTRE", "Collaboration innovation projects funded"): "projects_funded",
    ("RE-CENTRE", "SMEs in collaboration projects"): "smes_supported",
    ("RE-CENTRE", "SMEs exploring Mexico and Chile"): "smes_internationalised",
    ("RE-CENTRE", "Cross-sectoral business partnerships"): "business_agreements",
    ("RE-CENTRE", "Cluster and SME staff trained"): "reported",
    ("RE-CENTRE", "SMEs reached by matchmaking events"): "reported",
    ("DESIRE", "SMEs in the mentoring programme"): "smes_supported",
    ("DESIRE", "New-to-company product or service innovations"): "new_products",
    ("DESIRE", "Business-process innovations adopted"): "reported",
    ("DESIRE", "Resilience and business-continuity plans"): "reported",
    ("DESIRE", "SMEs entering markets in third countries"): "smes_internationalised",
    ("DESIRE", "Collaboration events for SMEs, investors and health actors"): "reported",
    ("DESIRE", "Webinars training cluster managers"): "reported",
}

# (Eurocluster, KPI name, days before today, value, note): recorded by the Eurocluster's manager.
REPORTED = [
    ("DREAM", "Manufacturing SMEs reached by awareness events", 250, 40,
     "Two awareness days in Marseille and Liège; attendance lists kept by Pôle SCS."),
    ("DREAM", "Manufacturing SMEs reached by awareness events", 70, 115,
     "Webinar series on digital twins (three sessions), unique company registrations."),
    ("DREAM", "Cluster staff trained (up- and reskilling)", 120, 6,
     "Train-the-trainer course on industrial cybersecurity."),
    ("Silicon Europe", "SMEs advised on their green transition", 90, 8,
     "Expert advice sessions delivered under the green vouchers."),
    ("RE-CENTRE", "Cluster and SME staff trained", 200, 18,
     "Workshop on circular furniture design, Pordenone."),
    ("RE-CENTRE", "Cluster and SME staff trained", 45, 31,
     "Online course on energy communities for SME staff."),
    ("RE-CENTRE", "SMEs reached by matchmaking events", 100, 64,
     "Valencia B2B matchmaking and the Pordenone furniture fair."),
    ("DESIRE", "Webinars training cluster managers", 280, 1,
     "Webinar on the Medical Device Regulation."),
    ("DESIRE", "Webinars training cluster managers", 30, 2,
     "Webinar on reimbursement pathways for digital health apps."),
    ("DESIRE", "Collaboration events for SMEs, investors and health actors", 60, 3,
     "Investor day in Cluj-Napoca, with hospital procurement officers."),
]
