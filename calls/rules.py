"""Who may do what with a call and the parts that make it up.

Everyone in the call's Eurocluster may look; only its managers (and superusers) may change it.
The inline parts (voucher types, criteria, documents, tranches) are asked about with the call
itself as the object, which exposes ``scope_eurocluster_id`` like the parts do.
"""

import rules

from euroclusters.rules import is_admin, is_manager, is_member

for _model in (
    "opencall", "vouchertype", "criterion", "requireddocument", "calldocument", "tranchestep",
):
    rules.add_perm(f"calls.view_{_model}", is_admin | is_member)
    rules.add_perm(f"calls.add_{_model}", is_admin | is_manager)
    rules.add_perm(f"calls.change_{_model}", is_admin | is_manager)
    rules.add_perm(f"calls.delete_{_model}", is_admin | is_manager)

# Questions about a call: its Eurocluster's managers read, answer and publish them.
rules.add_perm("calls.manage_questions", is_admin | is_manager)
