"""Every write of grant agreements, one module per part:

- ``generation``: the agreement's PDF (WeasyPrint), with the commitment checks that keep a call
  within its budget and an enterprise within the per-third-party cap, under row locks;
- ``signatures``: the beneficiary's signature and the manager's countersignature;
- ``declines``: agreements not signed by their deadline are declined.

The names below are the part's public services, importable from here.
"""

from payments.services.agreements.declines import (
    agreement_decline_overdue,
    agreements_decline_overdue,
)
from payments.services.agreements.generation import (
    CommitmentExceeded,
    agreement_generate,
    agreements_generate_missing,
)
from payments.services.agreements.signatures import (
    WRONG_PASSWORD_LIMIT,
    WRONG_PASSWORD_WINDOW,
    DocumentTampered,
    SignatureRefused,
    agreement_countersign,
    agreement_sign,
)

__all__ = [
    "WRONG_PASSWORD_LIMIT",
    "WRONG_PASSWORD_WINDOW",
    "CommitmentExceeded",
    "DocumentTampered",
    "SignatureRefused",
    "agreement_countersign",
    "agreement_decline_overdue",
    "agreement_generate",
    "agreement_sign",
    "agreements_decline_overdue",
    "agreements_generate_missing",
]
