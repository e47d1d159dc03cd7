"""The tranches of an agreement: cut from the call's schedule at countersignature, made due by
their events (countersignature, interim and final report approved); the due dates of the reports
that pay them, set by the cluster manager."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import TrancheStep
from payments import money
from payments.models import GrantAgreement, Tranche
from payments.services.transitions import tranche_transition
from portal.audit import audit_record
from portal.errors import DomainError

# A call without a tranche schedule pays the whole grant in one tranche once the agreement is
# countersigned: the only event every agreement is sure to reach.
DEFAULT_SCHEDULE = ((Decimal("100"), TrancheStep.Event.AGREEMENT_COUNTERSIGNED),)


class ScheduleInvalid(DomainError):
    pass


def _schedule(agreement: GrantAgreement) -> list[tuple[Decimal, str]]:
    steps = [(s.percentage, s.event)
             for s in agreement.application.call.tranche_steps.order_by("position", "pk")]
    return steps or list(DEFAULT_SCHEDULE)


@transaction.atomic
def tranches_create(*, agreement: GrantAgreement, by: Any) -> list[Tranche]:
    """Create the tranches of ``agreement`` from its call's schedule; return them by position.

    Each tranche's amount is its share of the agreement's amount, exact to the cent (the last
    takes the remainder, see ``payments.money.split``), so the tranches add up to the grant. A
    call with no schedule gives one tranche of 100 % paid when the agreement is countersigned.
    Idempotent: an agreement that already has tranches gets them back unchanged (the agreement
    row is locked first, so two callers at once cannot both create them). Every tranche starts
    ``planned``; one audit line on the agreement records the split. Raises ScheduleInvalid when
    the call's percentages do not add up to 100.
    """
    GrantAgreement.objects.select_for_update().filter(pk=agreement.pk).first()
    existing = list(agreement.tranches.order_by("position"))
    if existing:
        return existing
    steps = _schedule(agreement)
    try:
        amounts = money.split(agreement.amount, [p for p, _e in steps])
    except money.SplitError as error:
        raise ScheduleInvalid(
            _("The call's tranche schedule cannot split the grant: %(error)s Please correct the "
              "schedule of the call.") % {"error": error}
        ) from error
    tranches = Tranche.objects.bulk_create([
        Tranche(agreement=agreement, position=number, percentage=percentage, event=event,
                amount=amount, status=Tranche.Status.PLANNED)
        for number, ((percentage, event), amount)
        in enumerate(zip(steps, amounts, strict=True), start=1)
    ])
    audit_record(subject=agreement, action="tranches_created", actor=by, data={
        "tranches": [{"position": t.position, "percentage": str(t.percentage),
                      "event": t.event, "amount": str(t.amount)} for t in tranches],
        "total": str(sum((t.amount for t in tranches), Decimal(0))),
    })
    return list(agreement.tranches.order_by("position"))


@transaction.atomic
def tranches_on_event(*, agreement: GrantAgreement, event: str, by: Any) -> list[Tranche]:
    """Make the planned tranches of ``agreement`` tied to ``event`` due (``due_at`` now).

    Returns the tranches that became due by this call (empty when there were none, or when the
    event had already happened: idempotent). Each move goes through ``tranche_transition``
    (locked and audited). Raises ValueError for an unknown event.
    """
    if event not in TrancheStep.Event.values:
        raise ValueError(f"Unknown tranche event: {event!r}")
    now = timezone.now()
    moved = []
    for tranche in agreement.tranches.filter(event=event, status=Tranche.Status.PLANNED):
        moved.append(tranche_transition(tranche=tranche, to=Tranche.Status.DUE, by=by,
                                        reason=str(TrancheStep.Event(event).label),
                                        extra={"due_at": now}))
    return moved



# The tranches paid when a report is approved: they carry the report's due date.
REPORT_EVENTS = (TrancheStep.Event.INTERIM_REPORT_APPROVED, TrancheStep.Event.FINAL_REPORT_APPROVED)


class ReportDatesRefused(DomainError):
    pass


@transaction.atomic
def tranche_report_dates_set(*, agreement: GrantAgreement, dates: dict[int, date | None],
                             by: Any) -> list[Tranche]:
    """Set the report due dates of ``agreement``'s report tranches (``dates``: by tranche id).

    Returns the tranches whose date changed; one audit line on the agreement lists them (none
    when nothing changed). The beneficiary is reminded before each date
    (``payments.remind_reports``); a date moved is a new reminder. Raises ReportDatesRefused for
    an agreement that is closed or declined, or a tranche that is not one of its report tranches.
    """
    agreement = GrantAgreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status in (GrantAgreement.Status.CLOSED, GrantAgreement.Status.DECLINED):
        raise ReportDatesRefused(_("This agreement is %(status)s: its report dates no longer "
                                   "change.") % {"status": agreement.get_status_display()})
    tranches = {t.pk: t for t in agreement.tranches.filter(event__in=REPORT_EVENTS)}
    unknown = set(dates) - set(tranches)
    if unknown:
        raise ReportDatesRefused(_("A tranche of another agreement, or one paid on no report, "
                                   "has no report date."))
    changed = []
    for pk, due_on in sorted(dates.items()):
        tranche = tranches[pk]
        if tranche.report_due_on != due_on:
            changed.append((tranche, tranche.report_due_on))
            tranche.report_due_on = due_on
            tranche.save(update_fields=["report_due_on"])
    if changed:
        audit_record(subject=agreement, action="report_dates_set", actor=by, data={
            "tranches": [{"position": t.position, "event": t.event,
                          "from": old.isoformat() if old else None,
                          "to": t.report_due_on.isoformat() if t.report_due_on else None}
                         for t, old in changed]})
    return [t for t, _old in changed]
