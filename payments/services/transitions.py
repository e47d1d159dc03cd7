"""The one transition service of each payments state machine (see ``portal.transitions``).

Each locks the row, checks the model's ``TRANSITIONS`` table, saves and audits; a repeated
transition is a no-op. Raises InvalidTransition.
"""

from collections.abc import Mapping
from typing import Any

from payments.models import (
    BankAccount,
    GrantAgreement,
    Payment,
    PaymentBatch,
    ProgressReport,
    Tranche,
)
from portal.transitions import transition


def _move(model, obj, to: str, by: Any, reason: str, extra: Mapping[str, Any] | None):
    updated, _changed = transition(model=model, pk=obj.pk, to=to, table=model.TRANSITIONS, by=by,
                                   reason=reason, extra=extra)
    return updated


def agreement_transition(*, agreement: GrantAgreement, to: str, by: Any, reason: str = "",
                         extra: Mapping[str, Any] | None = None) -> GrantAgreement:
    return _move(GrantAgreement, agreement, to, by, reason, extra)


def bank_account_transition(*, account: BankAccount, to: str, by: Any, reason: str = "",
                            extra: Mapping[str, Any] | None = None) -> BankAccount:
    return _move(BankAccount, account, to, by, reason, extra)


def tranche_transition(*, tranche: Tranche, to: str, by: Any, reason: str = "",
                       extra: Mapping[str, Any] | None = None) -> Tranche:
    return _move(Tranche, tranche, to, by, reason, extra)


def report_transition(*, report: ProgressReport, to: str, by: Any, reason: str = "",
                      extra: Mapping[str, Any] | None = None) -> ProgressReport:
    return _move(ProgressReport, report, to, by, reason, extra)


def batch_transition(*, batch: PaymentBatch, to: str, by: Any, reason: str = "",
                     extra: Mapping[str, Any] | None = None) -> PaymentBatch:
    return _move(PaymentBatch, batch, to, by, reason, extra)


def payment_transition(*, payment: Payment, to: str, by: Any, reason: str = "",
                       extra: Mapping[str, Any] | None = None) -> Payment:
    return _move(Payment, payment, to, by, reason, extra)
