"""Every write of the finance part, one module per part:

- ``batches``: tranche approval, payment batches and their fill (one short transaction per
  tranche; how paying at most once is guaranteed is told there);
- ``settlement``: the SEPA file (pain.001) of a batch, sending it, and each payment's
  reconciliation (paid or failed).

The names below are the part's public services, importable from here.
"""

from payments.services.finance.batches import (
    BatchRefused,
    TrancheRefused,
    batch_create,
    batch_fill,
    batch_fill_sweep,
    batch_reference_prefix,
    batch_refill,
    batch_remove_payment,
    fill_delay_seconds,
    tranche_approve,
)
from payments.services.finance.settlement import (
    PaymentRefused,
    batch_export,
    batch_mark_sent,
    batch_reopen,
    eurocluster_account,
    eurocluster_account_problem,
    next_business_day,
    payment_mark_failed,
    payment_mark_paid,
    remittance_text,
)

__all__ = [
    "BatchRefused",
    "PaymentRefused",
    "TrancheRefused",
    "batch_create",
    "batch_export",
    "batch_fill",
    "batch_fill_sweep",
    "batch_mark_sent",
    "batch_reference_prefix",
    "batch_refill",
    "batch_remove_payment",
    "batch_reopen",
    "eurocluster_account",
    "eurocluster_account_problem",
    "fill_delay_seconds",
    "next_business_day",
    "payment_mark_failed",
    "payment_mark_paid",
    "remittance_text",
    "tranche_approve",
]
