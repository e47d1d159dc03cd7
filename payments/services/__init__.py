"""Every write of the payments app, one package per part (each package lists its public services
in its ``__init__``, one module per seam inside):

- ``transitions``: the one transition service of each state machine;
- ``agreements``: generation (WeasyPrint) with the commitment checks (call budget, per-third-party
  cap) under row locks; signatures and verification; declines past the deadline;
- ``beneficiary``: tranches and their events, bank accounts and their approval, progress reports;
- ``finance``: tranche approval and payment batches; the SEPA export, sending, reconciliation.

The services that move money (``agreement_generate``, the signatures, each step of
``batch_fill``, ``payment_mark_paid``) run in a transaction of their own
(``transaction.atomic(durable=True)``): called inside another transaction they raise
RuntimeError, so their locks are short and what they commit is committed when they return.

Reads live in ``payments.selectors``; services never import ``payments.tasks`` (tasks are queued
by name, ``portal.queue``).
"""
