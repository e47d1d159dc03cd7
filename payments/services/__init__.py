"""Every write of the payments app, one module per part:

- ``transitions``: the one transition service of each state machine;
- ``agreements``: generation (WeasyPrint), signatures, verification, declines past the deadline,
  and the commitment checks (call budget, per-third-party cap) under row locks;
- ``beneficiary``: bank accounts and their approval, tranches and their events, progress reports;
- ``finance``: tranche approval, payment batches, SEPA export, sending, reconciliation.
"""
