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
from portal.transitions import transition_row


def agreement_transition(*, agreement: GrantAgreement, to: str, by: Any, reason: str = "",
                         extra: Mapping[str, Any] | None = None) -> GrantAgreement:
    return transition_row(agreement, to=to, by=by, reason=reason, extra=extra)


def bank_account_transition(*, account: BankAccount, to: str, by: Any, reason: str = "",
                            extra: Mapping[str, Any] | None = None) -> BankAccount:
    return transition_row(account, to=to, by=by, reason=reason, extra=extra)


def tranche_transition(*, tranche: Tranche, to: str, by: Any, reason: str = "",
                       extra: Mapping[str, Any] | None = None) -> Tranche:
    return transition_row(tranche, to=to, by=by, reason=reason, extra=extra)


def report_transition(*, report: ProgressReport, to: str, by: Any, reason: str = "",
                      extra: Mapping[str, Any] | None = None) -> ProgressReport:
    return transition_row(report, to=to, by=by, reason=reason, extra=extra)


def batch_transition(*, batch: PaymentBatch, to: str, by: Any, reason: str = "",
                     extra: Mapping[str, Any] | None = None) -> PaymentBatch:
    return transition_row(batch, to=to, by=by, reason=reason, extra=extra)


def payment_transition(*, payment: Payment, to: str, by: Any, reason: str = "",
                       extra: Mapping[str, Any] | None = None) -> Payment:
    return transition_row(payment, to=to, by=by, reason=reason, extra=extra)
