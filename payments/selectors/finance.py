"""Reads of the finance part: what finance officers see (due and approved tranches, batches,
payments) and the budget ledger of a call and of a Eurocluster.

Every list comes with its relations loaded, in a fixed number of queries whatever its length.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from applications.models import Application
from calls.models import OpenCall
from euroclusters.models import Eurocluster, Membership
from euroclusters.rules import eurocluster_ids_in_scope
from payments.models import BankAccount, GrantAgreement, Payment, PaymentBatch, Tranche

ZERO = Decimal("0.00")


# --- scope ------------------------------------------------------------------------------------


def finance_eurocluster_ids(user) -> frozenset[int] | None:
    """The Euroclusters where ``user`` is a finance officer; None for a superuser (all)."""
    return eurocluster_ids_in_scope(user, Membership.Role.FINANCE)


def ledger_eurocluster_ids(user) -> frozenset[int] | None:
    """The Euroclusters whose ledger ``user`` reads (manager or finance); None: all."""
    return eurocluster_ids_in_scope(user, Membership.Role.MANAGER, Membership.Role.FINANCE)


def _scoped(queryset: QuerySet, path: str, ids: frozenset[int] | None) -> QuerySet:
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


def finance_euroclusters(user) -> QuerySet[Eurocluster]:
    return _scoped(Eurocluster.objects.all(), "pk", finance_eurocluster_ids(user)).order_by(
        "acronym")


# --- bank details: may the beneficiary be paid? ------------------------------------------------


def active_bank_account(organisation) -> BankAccount | None:
    """The account the organisation's tranches are paid to now, or None."""
    return BankAccount.objects.filter(organisation=organisation,
                                      status=BankAccount.Status.ACTIVE).first()


def _blocked_reason(statuses: set[str], *, to_beneficiary: bool) -> str | None:
    """The rule, given the statuses of an organisation's active and pending bank accounts.

    Blocked when the organisation has no active bank account, or when a change of its bank
    details waits for a finance officer's approval (the money must not go to the old account
    while the beneficiary says it should go to a new one, nor to the new one before a finance
    officer has checked it). ``to_beneficiary`` words it for the beneficiary's own pages.
    """
    if BankAccount.Status.PENDING in statuses:
        return _("A change of bank details is waiting for a finance officer's approval.")
    if BankAccount.Status.ACTIVE not in statuses:
        if to_beneficiary:
            return _("Give your bank details: no tranche can be paid until you do.")
        return _("The beneficiary has not given bank details yet.")
    return None


def blocked_reasons(organisation_ids, *, to_beneficiary: bool = False) -> dict[int, str]:
    """Why payments to each organisation are blocked, in one query (organisations that may be
    paid are left out)."""
    organisation_ids = set(organisation_ids)
    statuses: dict[int, set[str]] = defaultdict(set)
    for organisation_id, status in BankAccount.objects.filter(
        organisation_id__in=organisation_ids,
        status__in=[BankAccount.Status.ACTIVE, BankAccount.Status.PENDING],
    ).values_list("organisation_id", "status"):
        statuses[organisation_id].add(status)
    reasons = {}
    for organisation_id in organisation_ids:
        reason = _blocked_reason(statuses.get(organisation_id, set()),
                                 to_beneficiary=to_beneficiary)
        if reason is not None:
            reasons[organisation_id] = reason
    return reasons


def payments_blocked_reason(organisation, *, to_beneficiary: bool = False) -> str | None:
    """Why no tranche of ``organisation`` may be approved or paid now, or None when it may (the
    rule of ``blocked_reasons``, for one organisation: one query)."""
    return blocked_reasons([organisation.pk], to_beneficiary=to_beneficiary).get(organisation.pk)


# --- tranches ---------------------------------------------------------------------------------


def finance_tranches(user) -> QuerySet[Tranche]:
    return _scoped(Tranche.objects.all(), "agreement__application__call__eurocluster_id",
                   finance_eurocluster_ids(user))


def _tranche_rows(queryset: QuerySet[Tranche]) -> list[Tranche]:
    tranches = list(queryset.select_related(
        "agreement__application__organisation", "agreement__application__call__eurocluster",
    ).order_by("agreement__application__call__eurocluster__acronym", "due_at", "pk"))
    reasons = blocked_reasons(t.agreement.application.organisation_id for t in tranches)
    for tranche in tranches:
        tranche.blocked_reason = reasons.get(tranche.agreement.application.organisation_id)
    return tranches


def tranches_to_approve(user) -> list[Tranche]:
    """Due tranches of the user's Euroclusters, each with ``blocked_reason`` (or None)."""
    return _tranche_rows(finance_tranches(user).filter(status=Tranche.Status.DUE))


def tranches_waiting_for_batch(user) -> list[Tranche]:
    """Approved tranches of the user's Euroclusters not yet in a batch (``blocked_reason`` set:
    a fill leaves the blocked ones out)."""
    return _tranche_rows(finance_tranches(user).filter(status=Tranche.Status.APPROVED))


def batches_for(user) -> QuerySet[PaymentBatch]:
    """The batches of the user's Euroclusters, with their live payments counted and summed."""
    live = Q(payments__status__in=Payment.LIVE)
    return (_scoped(PaymentBatch.objects.all(), "eurocluster_id", finance_eurocluster_ids(user))
            .select_related("eurocluster", "created_by")
            .annotate(payment_count=Count("payments", filter=live),
                      payment_total=Sum("payments__amount", filter=live)))


def batch_payments(batch: PaymentBatch) -> list[Payment]:
    return list(batch.payments.select_related(
        "bank_account", "tranche__agreement__application__organisation",
        "tranche__agreement__application__call").order_by("pk"))


# --- ledger -----------------------------------------------------------------------------------


@dataclass
class Ledger:
    """Money of a call or a Eurocluster, exact to the cent.

    ``allocated``: the budget; ``committed``: live agreements plus selected applications
    without an agreement yet; ``paid``: payments marked paid; ``remaining``: allocated −
    committed; ``to_pay``: committed − paid.
    """

    allocated: Decimal
    committed: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.committed

    @property
    def to_pay(self) -> Decimal:
        return self.committed - self.paid


@dataclass
class CallLedger(Ledger):
    call: OpenCall | None = None


@dataclass
class EuroclusterLedger(Ledger):
    eurocluster: Eurocluster | None = None
    calls: list[CallLedger] = field(default_factory=list)

    @property
    def allocated_to_calls(self) -> Decimal:
        return sum((c.allocated for c in self.calls), ZERO)


def _sums(queryset: QuerySet, key: str, amount: str) -> dict[int, Decimal]:
    return {row[key]: row["total"] or ZERO
            for row in queryset.values(key).annotate(total=Sum(amount)).order_by()}


def call_ledgers(calls: list[OpenCall]) -> list[CallLedger]:
    """The ledger of each call, in three queries for all of them."""
    ids = [call.pk for call in calls]
    agreed = _sums(GrantAgreement.objects.filter(application__call_id__in=ids)
                   .exclude(status=GrantAgreement.Status.DECLINED),
                   "application__call_id", "amount")
    selected = _sums(Application.objects.filter(call_id__in=ids,
                                                status=Application.Status.SELECTED,
                                                agreement__isnull=True),
                     "call_id", "requested_amount")
    paid = _sums(Payment.objects.filter(status=Payment.Status.PAID,
                                        tranche__agreement__application__call_id__in=ids),
                 "tranche__agreement__application__call_id", "amount")
    return [CallLedger(call=call, allocated=call.budget or ZERO,
                       committed=agreed.get(call.pk, ZERO) + selected.get(call.pk, ZERO),
                       paid=paid.get(call.pk, ZERO))
            for call in calls]


def call_ledger(call: OpenCall) -> CallLedger:
    return call_ledgers([call])[0]


def calls_for_ledger(user) -> QuerySet[OpenCall]:
    """The calls whose ledger ``user`` reads (404 for the others)."""
    return _scoped(OpenCall.objects.select_related("eurocluster"), "eurocluster_id",
                   ledger_eurocluster_ids(user))


def eurocluster_ledgers(user) -> list[EuroclusterLedger]:
    """Each Eurocluster the user reads the ledger of, with its calls: five queries in all."""
    euroclusters = list(_scoped(Eurocluster.objects.all(), "pk", ledger_eurocluster_ids(user))
                        .order_by("acronym"))
    calls = list(OpenCall.objects.filter(eurocluster__in=euroclusters)
                 .select_related("eurocluster").order_by("eurocluster_id", "reference"))
    by_eurocluster: dict[int, list[CallLedger]] = defaultdict(list)
    for ledger in call_ledgers(calls):
        by_eurocluster[ledger.call.eurocluster_id].append(ledger)
    result = []
    for eurocluster in euroclusters:
        rows = by_eurocluster.get(eurocluster.pk, [])
        result.append(EuroclusterLedger(
            eurocluster=eurocluster, calls=rows, allocated=eurocluster.cascade_budget,
            committed=sum((c.committed for c in rows), ZERO),
            paid=sum((c.paid for c in rows), ZERO)))
    return result
