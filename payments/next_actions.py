"""The beneficiary's next steps that payments owns (applications.next_actions): sign the grant
agreement, give bank details, hand in the report that is due. Four queries at most for any
number of applications."""

from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from applications.next_actions import NextAction
from calls.models import TrancheStep
from payments.models import BankAccount, GrantAgreement, ProgressReport, Tranche
from payments.selectors.beneficiary import REPORT_OF_EVENT, report_deadline

# Funded and still running: a completed project has nothing left to do.
FUNDED = (Application.Status.SELECTED, Application.Status.CONTRACTED,
          Application.Status.IN_PROGRESS)


def payment_actions(applications: Sequence[Application]) -> dict[int, NextAction]:
    by_id = {a.pk: a for a in applications if a.status in FUNDED}
    if not by_id:
        return {}
    agreements = list(GrantAgreement.objects.filter(
        application_id__in=by_id,
        status__in=(GrantAgreement.Status.GENERATED, GrantAgreement.Status.SIGNED_BY_BENEFICIARY,
                    GrantAgreement.Status.COUNTERSIGNED)))
    if not agreements:
        return {}
    with_bank = set(BankAccount.objects.filter(
        organisation_id__in={by_id[a.application_id].organisation_id for a in agreements},
        status__in=(BankAccount.Status.ACTIVE, BankAccount.Status.PENDING))
        .values_list("organisation_id", flat=True))
    active = [a.pk for a in agreements if a.status == GrantAgreement.Status.COUNTERSIGNED]
    # The report tranches, with the day each report is due (set by the manager).
    report_tranches = list(Tranche.objects.filter(
        agreement_id__in=active, event__in=REPORT_OF_EVENT)
        .values_list("agreement_id", "event", "report_due_on")) if active else []
    with_interim = {agreement_id for agreement_id, event, _day in report_tranches
                    if event == TrancheStep.Event.INTERIM_REPORT_APPROVED}
    due_on = {(agreement_id, REPORT_OF_EVENT[event]): day
              for agreement_id, event, day in report_tranches if day}
    reports = ({(r.agreement_id, r.kind): r.status
                for r in ProgressReport.objects.filter(agreement_id__in=active)}
               if active else {})
    actions: dict[int, NextAction] = {}
    for agreement in agreements:
        application = by_id[agreement.application_id]
        if agreement.status == GrantAgreement.Status.GENERATED:
            actions[application.pk] = NextAction(
                label=_("Sign the grant agreement"),
                url=reverse("payments:agreement", kwargs={"pk": application.pk}),
                deadline=agreement.signing_deadline, deadline_label=_("Sign by"), urgency=10)
        elif application.organisation_id not in with_bank:
            actions[application.pk] = NextAction(label=_("Add bank details"),
                                                 url=reverse("payments:bank"), urgency=20)
        elif agreement.status == GrantAgreement.Status.COUNTERSIGNED:
            action = _report_action(application, agreement.pk, agreement.pk in with_interim,
                                    reports, due_on)
            if action is not None:
                actions[application.pk] = action
    return actions


def _report_action(application, agreement_id: int, has_interim: bool,
                   reports: dict, due_on: dict) -> NextAction | None:
    """The first report not yet approved, unless it waits for the manager's review."""
    kinds = ProgressReport.Kind
    for kind in ([kinds.INTERIM, kinds.FINAL] if has_interim else [kinds.FINAL]):
        status = reports.get((agreement_id, kind))
        if status == ProgressReport.Status.APPROVED:
            continue
        if status == ProgressReport.Status.SUBMITTED:
            return None
        labels = {
            ProgressReport.Kind.INTERIM: (_("Submit the interim report"),
                                          _("Revise the interim report")),
            ProgressReport.Kind.FINAL: (_("Submit the final report"), _("Revise the final report")),
        }
        submit, revise = labels[kind]
        changes = status == ProgressReport.Status.CHANGES_REQUESTED
        day = due_on.get((agreement_id, kind))
        return NextAction(label=revise if changes else submit,
                          url=reverse("payments:report",
                                      kwargs={"pk": application.pk, "kind": kind}),
                          deadline=report_deadline(day) if day else None,
                          deadline_label=_("Due by"), urgency=30)
    return None
