"""The demo of the evaluation (``manage.py seed_demo_evaluation``) as plain tables.

The closed call DREAM-OC1-2026 of ``applications.demo_data`` (seven proposals submitted by
``seed_demo``, six eligible) is taken into evaluation by its manager: results released, experts
invited and accepted, one assignment run, then part of the experts' work, so that every stage
shows in the portal:

- ``expert.kowalska``: accepted the call's declaration; one review submitted, one draft, one
  proposal still waiting for her conflict-of-interest declaration;
- ``expert.lindqvist`` and ``expert.moreau``: declared no conflict on all their proposals and
  reviewed most of them; with Kowalska's, two proposals have both reviews, one of them with scores
  more than 2 points apart on a criterion (flagged): the manager can record both consensuses;
- ``expert.santos``: in the pool, has not accepted the call's declaration yet (a person logging in
  as him sees the declaration first);
- ``expert.novak``: invited, has not answered.

The accounts are made by ``seed_demo`` (``applications.demo_data.EVALUATORS``, the demo password).
No Django here; the command resolves e-mails, acronyms and criterion names.
"""

CALL = "DREAM-OC1-2026"
MANAGER = "manager.dream@example.eu"

# e-mail → the invitation's answer ("accepted" or None: not answered), whether the call's
# declaration is accepted, and the profile (``evaluation.services.pool.profile_save`` fields).
EVALUATORS = {
    "expert.kowalska@example.eu": {
        "answer": "accepted", "declaration": True,
        "profile": {
            "expertise": ["Robotics", "Machine vision", "Artificial intelligence"],
            "country": "PL", "organisation": "Łukasiewicz – Institute of Industrial Automation",
            "languages": ["en", "pl", "de"], "max_proposals_per_call": 8,
        },
    },
    "expert.lindqvist@example.eu": {
        "answer": "accepted", "declaration": True,
        "profile": {
            "expertise": ["Industrial IoT", "Predictive maintenance", "Digital twins",
                          "Cybersecurity"],
            "country": "SE", "organisation": "Lindqvist Industrial Advisory AB",
            "languages": ["en", "sv"], "max_proposals_per_call": 10,
        },
    },
    "expert.moreau@example.eu": {
        "answer": "accepted", "declaration": True,
        "profile": {
            "expertise": ["Additive manufacturing", "Digital twins", "Robotics"],
            "country": "FR", "organisation": "Independent expert",
            "languages": ["en", "fr"], "max_proposals_per_call": 6,
        },
    },
    "expert.santos@example.eu": {
        "answer": "accepted", "declaration": False,
        "profile": {
            "expertise": ["Cybersecurity", "Industrial IoT", "Artificial intelligence",
                          "Machine vision"],
            "country": "PT", "organisation": "Instituto de Sistemas Industriais do Minho",
            "languages": ["en", "pt", "es"], "max_proposals_per_call": 8,
        },
    },
    "expert.novak@example.eu": {
        "answer": None, "declaration": False,
        "profile": {
            "expertise": ["Additive manufacturing", "Predictive maintenance"],
            "country": "CZ", "organisation": "Independent expert",
            "languages": ["en", "cs", "sk"], "max_proposals_per_call": 6,
        },
    },
}

# The experts' work, in this order. The assignment run places each expert on three proposals
# (affinity of topics and expertise, no expert from the applicant's country, balanced loads);
# the command stops with a message if an expert is not on a proposal named here.
# "declare": no conflict of interest declared; "review": None, "draft" or "submit"; "scores":
# criterion name → (score, comment), a score of None left empty.
KOWALSKA, LINDQVIST = "expert.kowalska@example.eu", "expert.lindqvist@example.eu"
MOREAU = "expert.moreau@example.eu"

WORK: list[dict] = [
    {
        "evaluator": KOWALSKA, "acronym": "ROBOSAND", "declare": True, "review": "submit",
        "scores": {
            "Excellence": ("4.5", "A well-defined problem and a convincing answer: force-"
                                  "controlled sanding guided by a 3D scan of each frame is new "
                                  "for a furniture SME of this size."),
            "Impact": ("4", "Sanding time and rework are measured today and the targets are "
                            "credible; the health benefit for the operators is a real plus."),
            "Implementation": ("4", "A sensible plan with an experienced local integrator; the "
                                    "budget is lean but matches the work described."),
        },
        "overall": "A strong, focused proposal with measurable results. Recommended.",
    },
    {
        "evaluator": MOREAU, "acronym": "ROBOSAND", "declare": True, "review": "submit",
        "scores": {
            "Excellence": ("4", "Sound technical approach; robotic sanding with force control "
                                "is established elsewhere but new to this company."),
            "Impact": ("1.5", "The impact stays inside one factory: no figures on energy or "
                              "material savings, nothing on how the solution would spread to "
                              "other furniture makers of the cluster."),
            "Implementation": ("3.5", "A realistic work plan, though the pilot on two chair "
                                      "models leaves little time to tune the sanding paths."),
        },
        "overall": "Technically convincing, but the expected impact is thin and narrowly "
                   "internal.",
    },
    {
        "evaluator": KOWALSKA, "acronym": "WAFERSCAN", "declare": True, "review": "draft",
        "scores": {
            "Excellence": ("4", "Replacing the rule-based inspection by a trained classifier "
                                "is the right move; the labelled archive is a real asset."),
            "Impact": ("3.5", "An 80 % cut of the manual re-inspection is plausible; the "
                              "throughput gain needs a clearer baseline."),
            "Implementation": (None, ""),
        },
        "overall": "",
    },
    {
        "evaluator": MOREAU, "acronym": "SINTERTWIN", "declare": True, "review": "submit",
        "scores": {
            "Excellence": ("4", "A physics-informed twin that predicts voids before the X-ray "
                                "test is an ambitious and well-argued idea."),
            "Impact": ("4.5", "Scrapping fewer finished modules saves material, energy and "
                              "money at the most expensive point of the process."),
            "Implementation": ("3.5", "The research provider is strong; eight months is tight "
                                      "for collecting enough void cases to train on."),
        },
        "overall": "An excellent fit with the call; the data collection is the main risk.",
    },
    {
        "evaluator": LINDQVIST, "acronym": "SINTERTWIN", "declare": True, "review": "submit",
        "scores": {
            "Excellence": ("4.5", "Clear objectives; combining the press physics with the "
                                  "measured curves is state of the art for die attach."),
            "Impact": ("4", "Credible scrap and energy figures, and the approach carries over "
                            "to the second press the company plans to buy."),
            "Implementation": ("3", "The plan needs a fallback if too few voids occur during "
                                    "the logging period; otherwise well organised."),
        },
        "overall": "A solid proposal with a measurable effect on waste. Recommended.",
    },
    {
        "evaluator": LINDQVIST, "acronym": "FOUNDRYSEC", "declare": True, "review": "submit",
        "scores": {
            "Excellence": ("3.5", "Segmentation, monitoring and personal remote access are "
                                  "standard measures, but badly needed and well chosen here."),
            "Impact": ("3", "The foundry becomes far more resilient; the proposal could say "
                            "more about what an outage of the furnaces costs today."),
            "Implementation": ("4", "An audit against IEC 62443 first, then the changes: the "
                                    "right order, a realistic budget and a short timeline."),
        },
        "overall": "A useful resilience project, modest in ambition but well planned.",
    },
    {"evaluator": LINDQVIST, "acronym": "SPINDLEWATCH", "declare": True, "review": None},
    {"evaluator": MOREAU, "acronym": "PRINTSPARE", "declare": True, "review": None},
    # Kowalska has not declared on PRINTSPARE yet; Santos has not accepted the call's
    # declaration, so his three proposals wait too.
]

# The manager's clarification requests during the evaluation (``applications.clarifications``),
# asked of the applicants through the services: one answered with a PDF and shared with the
# evaluators (Lindqvist reads it on the review page of SPINDLEWATCH), one still waiting.
CLARIFICATIONS: list[dict] = [
    {
        "acronym": "SPINDLEWATCH", "criterion": "Implementation",
        "question": "Your work plan pilots the vibration sensors on one machining centre. Which "
                    "one, and how many hours of operating data do you expect to log before the "
                    "model is trained?",
        "answer": "The pilot runs on our DMG Mori DMU 65 (5-axis), which runs two shifts: about "
                  "1,200 operating hours before the first training, as the attached pilot plan "
                  "shows week by week.",
        "file": ("pilot-plan.pdf", "SPINDLEWATCH pilot plan: machine, sensors and data logging"),
        "share": True,
    },
    {
        "acronym": "PRINTSPARE", "criterion": "Impact",
        "question": "How many spare parts a year do you expect to print instead of ordering "
                    "them, and what do they cost today?",
        "answer": None,
    },
]
