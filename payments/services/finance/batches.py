"""Tranche approval and payment batches: a batch is created, then filled with the approved
tranches of its Eurocluster, one short transaction per tranche.

Paying at most once rests on three things, each enough to stop a second payment on its own
path: the state machine (only an ``approved`` tranche gets a payment, and the payment moves it to
``in_batch`` in the same transaction), the row lock on the tranche while that happens, and the
database constraint ``one_live_payment_per_tranche`` (one pending or paid payment per tranche).

A batch is filled by the task ``payments.fill_batch`` (``batch_fill``), one short transaction
per tranche, and records ``filled_at`` when it has gone through every tranche. A worker killed
mid-way leaves a partly filled batch with ``filled_at`` empty: it cannot be exported, and running
``batch_fill`` again (the finance officer's "Fill again" button, or ``batch_fill_sweep`` from
beat) completes it without paying anything twice.

Lock order, everywhere: the batch, then the payment, then the tranche, then the application.
"""

import logging
import time
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from euroclusters.models import Eurocluster
from payments import sepa
from payments.models import Payment, PaymentBatch, Tranche
from payments.selectors.finance import active_bank_account, payments_blocked_reason
from payments.services.transitions import payment_transition, tranche_transition
from portal.audit import audit_record
from portal.errors import DomainError
from portal.queue import enqueue_on_commit, registered_task

logger = logging.getLogger(__name__)


class TrancheRefused(DomainError):
    pass


class BatchRefused(DomainError):
    pass


def fill_delay_seconds() -> float:
    """FOR TESTS ONLY: seconds ``batch_fill`` waits inside each tranche's transaction.

    ``settings.PAYMENTS_FILL_DELAY_SECONDS`` (default 0, never set in production) slows a fill
    down so that the kill test (tests/integration/test_payment_kill.py) can SIGKILL a real worker
    in the middle of a batch, with a transaction open.
    """
    return float(getattr(settings, "PAYMENTS_FILL_DELAY_SECONDS", 0) or 0)


# --- tranches ---------------------------------------------------------------------------------


@transaction.atomic
def tranche_approve(*, tranche: Tranche, by: Any) -> Tranche:
    """Approve a due tranche for payment (due → approved, ``approved_by``/``approved_at``).

    Raises TrancheRefused when the tranche is not due, or when the beneficiary's payments are
    blocked (no active bank account, or a change of bank details waiting for approval): the
    message says which. Approving an approved tranche again is a no-op. Audited.
    """
    tranche = (Tranche.objects.select_for_update(of=("self",))
               .select_related("agreement__application__organisation").get(pk=tranche.pk))
    if tranche.status == Tranche.Status.APPROVED:
        return tranche
    if tranche.status != Tranche.Status.DUE:
        raise TrancheRefused(
            _("Only a due tranche can be approved; this one is “%(status)s”.")
            % {"status": tranche.get_status_display()})
    reason = payments_blocked_reason(tranche.agreement.application.organisation)
    if reason:
        raise TrancheRefused(_("This tranche cannot be approved: %(reason)s") % {"reason": reason})
    return tranche_transition(tranche=tranche, to=Tranche.Status.APPROVED, by=by,
                              extra={"approved_by": by, "approved_at": timezone.now()})


# --- batches ----------------------------------------------------------------------------------


def batch_reference_prefix(eurocluster: Eurocluster, day: date) -> str:
    """``EC-<ACRONYM>-<yyyymmdd>-``: SEPA-safe, short enough for a 35-character message id."""
    acronym = "".join(ch for ch in sepa.sepa_id(eurocluster.acronym).upper() if ch.isalnum())
    return f"EC-{acronym[:16] or eurocluster.pk}-{day:%Y%m%d}-"


def _eurocluster_tranches(eurocluster_id: int):
    return Tranche.objects.filter(agreement__application__call__eurocluster_id=eurocluster_id)


@transaction.atomic
def batch_create(*, eurocluster: Eurocluster, by: Any,
                 tranche_ids: list[int] | None = None) -> PaymentBatch:
    """Create a draft batch of ``eurocluster`` and queue ``payments.fill_batch`` on commit.

    The batch takes every approved tranche of the Eurocluster, or only ``tranche_ids``. Its
    reference is ``EC-<acronym>-<yyyymmdd>-<n>`` (the Eurocluster row is locked to number it).
    Raises BatchRefused when no approved tranche waits for a batch. Audited.
    """
    Eurocluster.objects.select_for_update().filter(pk=eurocluster.pk).first()
    waiting = _eurocluster_tranches(eurocluster.pk).filter(status=Tranche.Status.APPROVED)
    if tranche_ids is not None:
        tranche_ids = sorted({int(pk) for pk in tranche_ids})
        waiting = waiting.filter(pk__in=tranche_ids)
    if not waiting.exists():
        raise BatchRefused(_("No approved tranche of %(eurocluster)s waits for a payment batch.")
                           % {"eurocluster": eurocluster.acronym})
    prefix = batch_reference_prefix(eurocluster, timezone.localdate())
    number = PaymentBatch.objects.filter(reference__startswith=prefix).count() + 1
    batch = PaymentBatch.objects.create(eurocluster=eurocluster, reference=f"{prefix}{number}",
                                        created_by=by)
    audit_record(subject=batch, action="created", actor=by,
                 data={"tranche_ids": tranche_ids} if tranche_ids is not None else {})
    enqueue_on_commit("payments.fill_batch", batch_id=batch.pk, tranche_ids=tranche_ids)
    return batch


def _fill_one(*, batch_id: int, tranche_id: int, delay: float) -> Payment | None:
    """Put one tranche into the batch, in its own transaction; None when it is skipped."""
    # Durable: a fill is a run of short transactions of its own (see above); called inside
    # another transaction it would hold every tranche's lock, and commit nothing, until the end.
    with transaction.atomic(durable=True):
        batch = PaymentBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != PaymentBatch.Status.DRAFT:
            return None
        # Re-check under the lock: another fill, of this batch or another one, may have taken
        # the tranche since it was listed.
        tranche = (Tranche.objects.select_for_update(of=("self",))
                   .select_related("agreement__application__organisation",
                                   "agreement__application__call")
                   .get(pk=tranche_id))
        application = tranche.agreement.application
        if (tranche.status != Tranche.Status.APPROVED
                or application.call.eurocluster_id != batch.eurocluster_id):
            return None
        organisation = application.organisation
        reason = payments_blocked_reason(organisation)
        account = None if reason else active_bank_account(organisation)
        if account is None:
            logger.info("tranche %s left out of batch %s: %s", tranche.pk, batch.pk, reason)
            return None
        attempt = tranche.payments.count() + 1
        payment = Payment.objects.create(
            tranche=tranche, batch=batch, bank_account=account, amount=tranche.amount,
            status=Payment.Status.PENDING, end_to_end_id=f"T{tranche.pk}-{attempt}")
        tranche_transition(tranche=tranche, to=Tranche.Status.IN_BATCH, by=None,
                           reason=batch.reference)
        if delay:
            time.sleep(delay)  # tests only, see fill_delay_seconds
        return payment


def batch_fill(*, batch_id: int, tranche_ids: list[int] | None = None) -> int:
    """Put the approved tranches of the batch's Eurocluster (or only ``tranche_ids``) into the
    draft batch ``batch_id``; return how many payments were created.

    One transaction per tranche: lock it, skip it unless it is approved, of this Eurocluster and
    not blocked (bank details), create its pending Payment (amount of the tranche, the active
    bank account, end-to-end id ``T<tranche id>-<attempt>``) and move it approved → in_batch.
    Records ``filled_at`` at the end. Safe to run twice, concurrently, or after a worker was
    killed mid-way: a tranche that already has its payment is no longer approved. Each step is
    a transaction of its own (durable): called inside another one, it raises RuntimeError.
    """
    batch = PaymentBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status != PaymentBatch.Status.DRAFT:
        logger.info("batch %s is not a draft any more: nothing to fill", batch_id)
        return 0
    candidates = _eurocluster_tranches(batch.eurocluster_id).filter(status=Tranche.Status.APPROVED)
    if tranche_ids is not None:
        candidates = candidates.filter(pk__in=tranche_ids)
    delay = fill_delay_seconds()
    created = 0
    for tranche_id in candidates.order_by("pk").values_list("pk", flat=True):
        if _fill_one(batch_id=batch.pk, tranche_id=tranche_id, delay=delay) is not None:
            created += 1
    with transaction.atomic(durable=True):
        batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == PaymentBatch.Status.DRAFT:
            batch.filled_at = timezone.now()
            batch.save(update_fields=["filled_at"])
            audit_record(subject=batch, action="filled", data={"payments_created": created})
    return created


def batch_refill(*, batch: PaymentBatch, by: Any) -> None:
    """Queue ``payments.fill_batch`` again for a draft batch ("Fill again"): it completes a fill
    that a lost or killed worker left half done, and adds tranches approved since. Raises
    BatchRefused when the batch is no longer a draft. Audited."""
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != PaymentBatch.Status.DRAFT:
            raise BatchRefused(_("Only a draft batch can be filled."))
        audit_record(subject=batch, action="refill", actor=by)
        enqueue_on_commit("payments.fill_batch", batch_id=batch.pk, tranche_ids=None)


def batch_fill_sweep(*, older_than: timedelta = timedelta(minutes=15)) -> int:
    """Queue the fill again of every draft batch created more than ``older_than`` ago whose
    fill never finished (a lost message, a killed worker); return how many were queued."""
    stale = list(PaymentBatch.objects.filter(
        status=PaymentBatch.Status.DRAFT, filled_at__isnull=True,
        created_at__lt=timezone.now() - older_than,
    ).values_list("pk", flat=True))
    fill = registered_task("payments.fill_batch")
    for batch_id in stale:
        # At once, not after a commit: the beat task calling this runs in no transaction.
        fill.apply_async(kwargs={"batch_id": batch_id, "tranche_ids": None}, retry=False)
    return len(stale)


@transaction.atomic
def batch_remove_payment(*, payment: Payment, by: Any, reason: str = "") -> Payment:
    """Take a pending payment out of its draft batch: the payment is cancelled and its tranche
    goes back to approved (ready for another batch). Raises BatchRefused unless the batch is a
    draft. Audited."""
    batch = PaymentBatch.objects.select_for_update().get(pk=payment.batch_id)
    if batch.status != PaymentBatch.Status.DRAFT:
        raise BatchRefused(_("A payment can only be taken out of a draft batch."))
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == Payment.Status.CANCELLED:
        return payment
    payment = payment_transition(payment=payment, to=Payment.Status.CANCELLED, by=by, reason=reason,
                                 extra={"settled_at": timezone.now()})
    tranche_transition(tranche=payment.tranche, to=Tranche.Status.APPROVED, by=by,
                       reason=reason or _("Taken out of batch %(reference)s")
                       % {"reference": batch.reference})
    return payment

