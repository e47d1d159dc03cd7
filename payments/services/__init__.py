"""Every write of the payments app, one package per part (each package lists its public services
in its ``__init__``, one module per seam inside):

- ``transitions``: the one transition service of each state machine;
- ``agreements``: generation (WeasyPrint) with the commitment checks (call budget, per-third-party
  cap) under row locks; signatures and verification; declines past the deadline;
- ``beneficiary``: tranches and their events, bank accounts and their approval, progress reports;
- ``finance``: tranche approval and payment batches; the SEPA export, sending, reconciliation.

Reads live in ``payments.selectors``; services never import ``payments.tasks`` (tasks are queued
by name, ``portal.queue``).
"""
