"""Reminders of the beneficiaries (beat: ``payments.remind_agreements``,
``payments.remind_reports``).

- A grant agreement ready to sign and not signed is reminded 5 days before its signing deadline
  (past it, ``payments.decline_overdue_agreements`` declines it).
- A report that pays a tranche (interim or final) and has a due date (``Tranche.report_due_on``,
  set by the cluster manager) is reminded 14 days and 3 days before the end of that day
  (Brussels time), while it is not handed in (no report yet, a draft, or changes requested), for
  an agreement in force.
"""

from datetime import datetime, timedelta

from django.db.models import Case, CharField, Exists, OuterRef, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.models import GrantAgreement, ProgressReport, Tranche
from payments.selectors.beneficiary import REPORT_OF_EVENT, report_deadline
from portal.formats import BRUSSELS, brussels
from portal.notifications import register_kind
from portal.reminders import Due, Stage, days_left, deadline_key, reminders_send, stage

AGREEMENT_KIND = "payments.reminder_agreement"
REPORT_KIND = "payments.reminder_report"
AGREEMENT_STAGES = (Stage("5d", timedelta(days=5)),)
REPORT_STAGES = (Stage("14d", timedelta(days=14)), Stage("3d", timedelta(days=3)))
HANDED_IN = (ProgressReport.Status.SUBMITTED, ProgressReport.Status.APPROVED)


def register_kinds() -> None:
    register_kind(key=AGREEMENT_KIND, label=_("Reminder: a grant agreement to sign"),
                  template="payments_reminder_agreement")
    register_kind(key=REPORT_KIND, label=_("Reminder: a progress report due"),
                  template="payments_reminder_report")


def agreements_remind(*, now: datetime | None = None) -> int:
    """Send the signing reminders due at ``now`` (one query to find them); return how many."""
    now = now or timezone.now()
    agreements = (GrantAgreement.objects
                  .filter(status=GrantAgreement.Status.GENERATED, signing_deadline__gt=now,
                          signing_deadline__lte=now + AGREEMENT_STAGES[0].before)
                  .select_related("application__call", "application__organisation__user")
                  .order_by("pk"))
    dues = []
    for agreement in agreements:
        application = agreement.application
        reached = stage(deadline=agreement.signing_deadline, now=now, stages=AGREEMENT_STAGES)
        if reached is None:
            continue
        recipient = application.organisation.user
        dues.append(Due(recipient=recipient, kind=AGREEMENT_KIND,
                        key=deadline_key("agreement", reached.code, agreement.pk,
                                         agreement.signing_deadline),
                        context={"user": recipient, "application": application,
                                 "call": application.call, "agreement": agreement,
                                 "deadline": brussels(agreement.signing_deadline)},
                        link=reverse("payments:agreement", kwargs={"pk": application.pk})))
    return reminders_send(dues)


def reports_remind(*, now: datetime | None = None) -> int:
    """Send the report reminders due at ``now`` (one query to find them); return how many."""
    now = now or timezone.now()
    today = now.astimezone(BRUSSELS).date()
    handed_in = ProgressReport.objects.filter(
        agreement=OuterRef("agreement"), status__in=HANDED_IN,
        kind=OuterRef("report_kind"))
    tranches = (Tranche.objects
                .filter(agreement__status=GrantAgreement.Status.COUNTERSIGNED,
                        event__in=REPORT_OF_EVENT, report_due_on__gte=today,
                        report_due_on__lte=today + max(s.before for s in REPORT_STAGES))
                .select_related("agreement__application__call",
                                "agreement__application__organisation__user")
                .order_by("pk"))
    dues = []
    for tranche in tranches.alias(report_kind=_report_kind()).exclude(Exists(handed_in)):
        application = tranche.agreement.application
        deadline = report_deadline(tranche.report_due_on)
        reached = stage(deadline=deadline, now=now, stages=REPORT_STAGES)
        if reached is None:
            continue
        kind = REPORT_OF_EVENT[tranche.event]
        recipient = application.organisation.user
        dues.append(Due(recipient=recipient, kind=REPORT_KIND,
                        key=f"report-{reached.code}:{tranche.pk}:{tranche.report_due_on:%Y%m%d}",
                        context={"user": recipient, "application": application,
                                 "call": application.call, "tranche": tranche,
                                 "report": ProgressReport.Kind(kind).label, "kind": kind,
                                 "due_on": brussels(tranche.report_due_on, date_only=True),
                                 "days": days_left(deadline=deadline, now=now)},
                        link=reverse("payments:report", kwargs={"pk": application.pk,
                                                                "kind": kind})))
    return reminders_send(dues)


def _report_kind() -> Case:
    """The report kind of a tranche's event, in SQL (for the handed-in subquery)."""
    return Case(*(When(event=event, then=Value(kind)) for event, kind in REPORT_OF_EVENT.items()),
                output_field=CharField())
