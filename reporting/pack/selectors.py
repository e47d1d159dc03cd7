"""Reads of the EC reporting pack: what one Eurocluster did in a period (from, to, Brussels days,
both included).

Applications count when they were submitted in the period, agreements when they were
countersigned in it, payments when they were paid in it (settled, or the batch's execution date
when the bank gave no settlement time). The ledger is the payments ledger of today (the one the
dashboard shows), which the pack says on its sheet and in its PDF.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from applications.models import Application
from calls.models import OpenCall, VoucherType
from euroclusters.models import Eurocluster
from evaluation.models import RankingEntry
from payments.models import GrantAgreement, Payment, Signature
from payments.selectors.finance import ZERO, CallLedger, EuroclusterLedger, call_ledgers
from portal.formats import BRUSSELS
from reporting.dashboard.selectors import Breakdown, who_applies
from reporting.kpis.selectors import Kpi, kpis_of

SIGNED = (GrantAgreement.Status.COUNTERSIGNED, GrantAgreement.Status.CLOSED)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def since(self) -> datetime.datetime:
        """The first moment of the period (midnight in Brussels)."""
        return datetime.datetime.combine(self.start, datetime.time(), BRUSSELS)

    @property
    def until(self) -> datetime.datetime:
        """The first moment after the period."""
        return datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time(),
                                         BRUSSELS)

    def moments(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.since, f"{field}__lt": self.until})


@dataclass
class Pack:
    eurocluster: Eurocluster
    period: Period
    calls: list[OpenCall]
    received: list[Breakdown]
    results: list[RankingEntry]
    third_parties: list[GrantAgreement]
    payments: list[Payment]
    kpis: list[Kpi]
    ledger: EuroclusterLedger
    today: datetime.date
    kpis_on: datetime.date  # the period's end, or today for a period that ends later

    @property
    def contracted(self) -> Decimal:
        """Agreements countersigned in the period."""
        return sum((a.amount for a in self.third_parties if a.in_period), ZERO)

    @property
    def countersigned_count(self) -> int:
        return sum(1 for a in self.third_parties if a.in_period)

    @property
    def paid(self) -> Decimal:
        """Payments paid in the period."""
        return sum((p.amount for p in self.payments), ZERO)

    @property
    def received_count(self) -> int:
        return sum(row[1] for row in self.received[0].rows) if self.received else 0


def pack_calls(eurocluster: Eurocluster, period: Period) -> QuerySet[OpenCall]:
    """The calls opened by the end of the period."""
    return (OpenCall.objects.filter(eurocluster=eurocluster, opens_at__lt=period.until)
            .prefetch_related(Prefetch("voucher_types",
                                       queryset=VoucherType.objects.order_by("pk")))
            .order_by("opens_at", "reference"))


def received_applications(eurocluster: Eurocluster, period: Period) -> QuerySet[Application]:
    """The applications submitted in the period (withdrawn since or not)."""
    return Application.objects.filter(period.moments("submitted_at"),
                                      call__eurocluster=eurocluster).exclude(
        status=Application.Status.DRAFT)


def paid_in(eurocluster: Eurocluster, period: Period) -> QuerySet[Payment]:
    """The payments of ``eurocluster`` paid in the period."""
    return (Payment.objects.filter(status=Payment.Status.PAID,
                                   tranche__agreement__application__call__eurocluster=eurocluster)
            .filter(period.moments("settled_at")
                    | Q(settled_at__isnull=True, batch__execution_date__gte=period.start,
                        batch__execution_date__lte=period.end)))


def payment_day(payment: Payment) -> datetime.date | None:
    if payment.settled_at is not None:
        return payment.settled_at.astimezone(BRUSSELS).date()
    return payment.batch.execution_date


def third_parties(eurocluster: Eurocluster, period: Period) -> list[GrantAgreement]:
    """Agreements countersigned in the period, and those paid in it (countersigned before),
    each with ``countersigned_at``, ``in_period`` and ``paid_in_period``."""
    paid = dict(paid_in(eurocluster, period).values("tranche__agreement_id")
                .annotate(total=Sum("amount")).values_list("tranche__agreement_id", "total")
                .order_by())
    countersigned = Min("signatures__signed_at",
                        filter=Q(signatures__role=Signature.Role.COUNTERSIGNATORY))
    agreements = list(
        GrantAgreement.objects.filter(status__in=SIGNED, application__call__eurocluster=eurocluster)
        .annotate(countersigned_at=countersigned)
        .filter(Q(countersigned_at__gte=period.since, countersigned_at__lt=period.until)
                | Q(pk__in=list(paid)))
        .select_related("application__organisation", "application__call",
                        "application__voucher_type")
        .order_by("countersigned_at", "pk"))
    for agreement in agreements:
        moment = agreement.countersigned_at
        agreement.in_period = moment is not None and period.since <= moment < period.until
        agreement.paid_in_period = paid.get(agreement.pk, ZERO)
    return agreements


def evaluation_results(eurocluster: Eurocluster, period: Period) -> list[RankingEntry]:
    """The ranking entries of the applications submitted in the period."""
    return list(RankingEntry.objects.filter(
        application__in=received_applications(eurocluster, period))
        .select_related("application__organisation", "application__call")
        .order_by("application__call__reference", "rank", "reserve_position", "application_id"))


def ledger_of(eurocluster: Eurocluster) -> EuroclusterLedger:
    rows: list[CallLedger] = call_ledgers(list(OpenCall.objects.filter(eurocluster=eurocluster)
                                               .order_by("reference")))
    return EuroclusterLedger(eurocluster=eurocluster, calls=rows,
                             allocated=eurocluster.cascade_budget,
                             committed=sum((c.committed for c in rows), ZERO),
                             paid=sum((c.paid for c in rows), ZERO))


def pack(*, eurocluster: Eurocluster, period: Period) -> Pack:
    """Everything the pack's files show, for one Eurocluster and period."""
    today = timezone.localdate()
    kpis_on = min(period.end, today)
    return Pack(
        eurocluster=eurocluster, period=period,
        calls=list(pack_calls(eurocluster, period)),
        received=who_applies([], applications=received_applications(eurocluster, period)),
        results=evaluation_results(eurocluster, period),
        third_parties=third_parties(eurocluster, period),
        payments=list(paid_in(eurocluster, period).select_related(
            "batch", "tranche__agreement__application__call",
            "tranche__agreement__application__organisation").order_by("settled_at", "pk")),
        kpis=kpis_of(eurocluster, today=kpis_on),
        ledger=ledger_of(eurocluster), today=today, kpis_on=kpis_on)
