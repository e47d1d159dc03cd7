"""The demo of grant agreements and payments (``manage.py seed_demo_payments``) as plain tables.

The closed call SEE-GREEN-OC1-2026 of ``applications.demo_data`` (four green vouchers of
EUR 3,600 submitted by ``seed_demo``, all eligible) is evaluated by two experts, its consensus
recorded and its results published by the Silicon Europe manager, and its four grant agreements
are taken to different stages, so that every step of the issue shows in the portal:

- GREENSENS (``ines@minho-sensores.example.eu``): the agreement is generated and waits for her
  signature; she has given no bank details yet;
- LENSLOOP (``lotte@brabant-vision.example.eu``): signed by the beneficiary, waiting for the
  manager's countersignature; she changed her bank details after signing, so the change waits
  for the finance officer's approval (and blocks her payments until then);
- CLEANROOM-E (``jonas@elbtal-mikro.example.eu``): countersigned; its first tranche (40 %) is
  due: the finance officer can approve it, put it into a batch and export the SEPA file;
- SILVERBACK (``eva@drau-elektronik.example.eu``): countersigned, its first tranche paid (a
  batch exported, sent and reconciled with the bank's reference), and the interim report
  submitted: the manager can review it; approving it makes the second tranche due.

No Django here; the command resolves e-mails, acronyms and criterion names.
"""

CALL = "SEE-GREEN-OC1-2026"
MANAGER = "manager.silicon@example.eu"
FINANCE = "finance.silicon@example.eu"

# Every demo signature is recorded with these (the portal records what the browser sends).
IP_ADDRESS = "127.0.0.1"
USER_AGENT = "seed_demo_payments (demo data, signed by the command)"

LINDQVIST, MOREAU = "expert.lindqvist@example.eu", "expert.moreau@example.eu"
EVALUATORS = [LINDQVIST, MOREAU]

# The reviews and the consensus of each proposal: criterion → (Lindqvist's score, Moreau's
# score, the consensus score, Lindqvist's comment, Moreau's comment); the consensus comment
# joins both. "overall": (Lindqvist, Moreau, consensus). Every total passes the thresholds, and
# the four vouchers fit the call's budget: all four are selected.
REVIEWS: dict[str, dict] = {
    "GREENSENS": {
        "Excellence": ("4", "3.5", "4",
                       "Recycled polymers and a screwed housing are the right levers for a "
                       "product that is thrown away whole today.",
                       "Sound but conventional eco-design; the choice of the two polymers "
                       "should be justified by the screening assessment."),
        "Impact": ("4", "4", "4",
                   "Repairable sensors in the field matter to vineyards; the footprint will "
                   "also help the company sell to larger customers.",
                   "A clear, measurable result: the share of recycled material and a product "
                   "footprint the customers ask for."),
        "Implementation": ("3.5", "4", "4",
                           "Six months is enough for a screening assessment and moulding "
                           "trials with the existing moulder.",
                           "The expert's offer is detailed and priced at the voucher's amount; "
                           "the moulder is already involved."),
        "overall": ("A focused voucher with a visible result.",
                    "Good value for a green voucher.",
                    "Recommended: a focused eco-design voucher with a measurable result."),
    },
    "LENSLOOP": {
        "Excellence": ("4", "4", "4",
                       "A take-back and refurbishment scheme is a real circular business model, "
                       "not only a footprint study.",
                       "Well argued: the cameras outlive their first use and the lenses are the "
                       "most valuable part to recover."),
        "Impact": ("3.5", "4", "3.5",
                   "The waste avoided is modest in tonnes but the refurbished cameras open a "
                   "second market for the company.",
                   "Credible figures from the returns of last year; the scheme can be copied by "
                   "other vision suppliers of the cluster."),
        "Implementation": ("4", "3.5", "4",
                           "Testing the scheme with three customers is realistic within the "
                           "six months of the voucher.",
                           "The plan depends on the customers' willingness to return cameras; "
                           "letters of intent would have helped."),
        "overall": ("A convincing circular model.", "Recommended.",
                    "Recommended: a circular business model with a second market."),
    },
    "CLEANROOM-E": {
        "Excellence": ("4.5", "4", "4.5",
                       "Metering before modelling is the right method; clean-room set-back "
                       "modes are proven but new to this site.",
                       "A classic energy audit, done properly, on the largest consumer of the "
                       "site: a sensible use of a green voucher."),
        "Impact": ("4.5", "4.5", "4.5",
                   "About 900 MWh a year is a large saving for a voucher of EUR 3,600, and it "
                   "cuts the company's costs at once.",
                   "The saving is large and easy to verify on the meters; the plan can be "
                   "repeated in the company's second clean room."),
        "Implementation": ("3.5", "3.5", "3.5",
                           "Four weeks of metering is short for seasonal effects; the expert "
                           "should correct for the outdoor temperature.",
                           "The plan is clear, but the production managers must accept the "
                           "night and weekend set-back modes."),
        "overall": ("Excellent value for money.", "Strongly recommended.",
                    "Strongly recommended: the largest saving of the cut-off."),
    },
    "SILVERBACK": {
        "Excellence": ("4", "4", "4",
                       "Recovering silver and cutting solvents addresses both cost and "
                       "hazardous waste in a power-electronics line.",
                       "A well-chosen topic: the silver lost today is both a cost and a "
                       "dependency on a critical raw material."),
        "Impact": ("4", "3.5", "4",
                   "Silver sold back pays for the collection; a third less solvent is a clear "
                   "benefit for the operators.",
                   "The recovery rate is not yet known; the expert's sampling will tell, which "
                   "the proposal says honestly."),
        "Implementation": ("4", "4", "4",
                           "Sampling, comparing recovery partners and a written procedure: the "
                           "right steps in the right order.",
                           "The operators are involved in writing the procedure, which makes it "
                           "likely to be followed after the voucher."),
        "overall": ("A practical and useful voucher.", "Recommended.",
                    "Recommended: a practical recovery project on a critical raw material."),
    },
}

# The stage each agreement is taken to, in order: "generated" < "signed" (by the beneficiary)
# < "countersigned" (by the manager: tranches created, the first one due) < "paid" (the first
# tranche approved, batched, exported, sent and paid). "bank": the beneficiary's account given
# before signing (active at once); "bank_change": new details given after signing (pending a
# finance officer's approval). Holders in the characters a SEPA transfer carries; invented
# accounts at real banks (valid check digits, the BIC of the IBAN's bank).
STAGES = ("generated", "signed", "countersigned", "paid")

AGREEMENTS: dict[str, dict] = {
    "GREENSENS": {"stage": "generated"},
    "LENSLOOP": {
        "stage": "signed",
        "bank": ("Brabant Vision Systems BV", "BE73735012345660", "KREDBEBB"),
        "bank_change": ("Brabant Vision Systems BV", "BE91001098765476", "GEBABEBB"),
    },
    "CLEANROOM-E": {
        "stage": "countersigned",
        "bank": ("Elbtal Mikrosysteme GmbH", "DE24850503003120456789", "OSDDDE81XXX"),
    },
    "SILVERBACK": {
        "stage": "paid",
        "bank": ("Drau Leistungselektronik GmbH", "AT522070600412345678", "KSPKAT2KXXX"),
        "bank_reference": "GKCC-2026-004417",
        "interim": {
            "text": (
                "The green expert sampled the waste of the sintering line for three weeks: "
                "stencil wipes, rejected modules and the cleaning solvent. About 70 % of the "
                "silver paste lost today can be collected separately and sold to a refiner; "
                "two recovery partners in Austria and one in Slovenia sent offers, and the "
                "operators drafted the collection procedure with the expert. The solvent can be "
                "cut by a third by cleaning the stencils every second print instead of every "
                "print, which the quality team is now validating."
            ),
            "deliverables": (
                "D1 Waste sampling report (three weeks, four waste streams)\n"
                "D2 Comparison of three silver recovery partners\n"
                "D3 Draft collection procedure, reviewed by the line operators"
            ),
        },
    },
}
