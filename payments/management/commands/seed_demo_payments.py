"""``manage.py seed_demo_payments``: the agreements and payments demo of ``payments.demo``.

Runs after ``seed_demo`` (which makes the accounts, the Eurocluster's paying account and submits
the four proposals of the closed call SEE-GREEN-OC1-2026) and does, through the portal's own
services and as the person who would do it:

1. the evaluation, in its smallest complete form: the eligibility checks still pending (a worker
   normally runs them) and their release, by the Silicon Europe manager; two experts invited (by
   the manager), their acceptance and the call's declaration (by each expert); each expert
   assigned by hand to every proposal (``assignment_add``, by the manager), declaring no
   conflict and submitting a review; the consensus of each proposal recorded and finalised (by
   the manager); the ranking computed, approved and published (by the manager): the four
   proposals are selected;
2. the grant agreements (``agreement_generate``, by the manager, as the task queued after the
   publication would), then for each one the stage of ``payments.demo.AGREEMENTS``: bank details
   (by the beneficiary), the beneficiary's signature (password, full name, acceptance), new bank
   details after signing (pending), the countersignature (by the manager), the first tranche
   approved (by the finance officer), put into a batch, exported to a SEPA file, sent and marked
   paid with the bank's reference (by the finance officer), and the interim report written and
   submitted (by the beneficiary).

Every step is taken only when its result is missing, so a second run changes nothing (and says
so); what the demo's visitors did since (an agreement signed in the browser, a bank change
approved) is left as it is. E-mails are kept in memory.
"""

from collections import Counter

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.urls import reverse

from applications import demo_data
from applications.demo_steps import DemoStepRefused, release_eligibility
from applications.models import Application
from calls.models import OpenCall
from evaluation.models import Assignment, CallEvaluator, Consensus, Ranking
from evaluation.services.assignment import assignment_add
from evaluation.services.pool import evaluator_accept, evaluator_invite
from evaluation.services.ranking import ranking_approve, ranking_compute, ranking_publish
from evaluation.services.reviews import (
    assignment_declare,
    call_declaration_accept,
    consensus_save,
    review_save,
)
from payments import demo
from payments.models import (
    BankAccount,
    GrantAgreement,
    Payment,
    PaymentBatch,
    ProgressReport,
    Tranche,
)
from payments.services.agreements import agreement_countersign, agreement_generate, agreement_sign
from payments.services.beneficiary import bank_account_save, report_save, report_submit
from payments.services.finance import (
    batch_create,
    batch_export,
    batch_fill,
    batch_mark_sent,
    payment_mark_paid,
    tranche_approve,
)
from portal.demo import SITE, DemoCommand, seed_quietly
from portal.errors import DomainError
from portal.models import Notification
from portal.notifications import notification_mark_read

# What the demo's beneficiaries have read in their notification centre (the rest stays unread).
READ_IN_THE_DEMO = ("applications.submission_receipt", "applications.eligibility_result")


class PaymentsSeeder:
    """Brings the call to the stages of ``payments.demo``; counts each step it took."""

    def __init__(self) -> None:
        self.done: Counter[str] = Counter()
        call = OpenCall.objects.select_related("eurocluster").filter(reference=demo.CALL).first()
        if call is None:
            raise CommandError(f"The call {demo.CALL} does not exist: run manage.py seed_demo "
                               "first.")
        self.call = call
        User = get_user_model()
        self.manager = User.objects.filter(email=demo.MANAGER).first()
        self.finance = User.objects.filter(email=demo.FINANCE).first()
        if self.manager is None or self.finance is None:
            raise CommandError(f"{demo.MANAGER} or {demo.FINANCE} does not exist: run manage.py "
                               "seed_demo first.")
        self.names = dict(demo_data.EVALUATORS)

    def run(self) -> None:
        if not Ranking.objects.filter(call=self.call, status=Ranking.Status.PUBLISHED).exists():
            self.evaluate()
        for acronym, spec in demo.AGREEMENTS.items():
            self.contract(self.application(acronym), spec)
        self.read_early_notifications()

    def read_early_notifications(self) -> None:
        """Each beneficiary has read her submission receipt and eligibility result by now, as a
        person would: the demo's notification centre has read and unread notifications."""
        for acronym in demo.AGREEMENTS:
            application = self.application(acronym)
            user = application.organisation.user
            # Only this call's: the other demos' notifications are theirs to leave as they are.
            unread = Notification.objects.filter(
                recipient=user, read_at__isnull=True, kind__in=READ_IN_THE_DEMO,
                link__startswith=reverse("applications:detail", kwargs={"pk": application.pk}))
            for notification_id in unread.values_list("pk", flat=True):
                self.step("notification read", notification_mark_read, person=user,
                          notification_id=notification_id)

    def application(self, acronym: str) -> Application:
        application = (self.call.applications.select_related("organisation__user")
                       .filter(acronym=acronym).first())
        if application is None:
            raise CommandError(f"{demo.CALL} has no proposal {acronym}: run manage.py seed_demo "
                               "on a fresh demo database (make clean).")
        return application

    def step(self, label: str, action, /, **kwargs):
        """Run one service; a refusal stops the command with the service's own message."""
        try:
            result = action(**kwargs)
        except DomainError as error:
            details = "; ".join(str(d) for d in getattr(error, "details", None) or [])
            raise CommandError(f"{demo.CALL}: {label} refused: {error}"
                               + (f" ({details})" if details else "")) from error
        self.done[label] += 1
        return result

    # --- the evaluation ------------------------------------------------------------------------

    def evaluate(self) -> None:
        self.check_eligibility()
        entries = [self.pool_member(email) for email in demo.EVALUATORS]
        for acronym, reviews in demo.REVIEWS.items():
            application = self.application(acronym)
            for entry, column in zip(entries, (0, 1), strict=True):
                self.review(application, entry, reviews, column)
        for acronym, reviews in demo.REVIEWS.items():
            self.consensus(self.application(acronym), reviews)
        self.rank()

    def check_eligibility(self) -> None:
        if self.call.eligibility_released_at is not None:
            return
        try:
            self.done["eligibility checked"] += release_eligibility(call=self.call,
                                                                    by=self.manager)
        except DemoStepRefused as refused:
            raise CommandError(str(refused)) from refused
        self.done["eligibility released"] += 1
        self.call.refresh_from_db()

    def pool_member(self, email: str) -> CallEvaluator:
        entry = (CallEvaluator.objects.select_related("user")
                 .filter(call=self.call, user__email__iexact=email).first())
        if entry is None:
            entry = self.step("expert invited", evaluator_invite, call=self.call, email=email,
                              by=self.manager, name=self.names.get(email, ""))
        user = entry.user
        if entry.status == CallEvaluator.Status.INVITED:
            password = None if user.has_usable_password() else demo_data.DEMO_PASSWORD
            entry = self.step("invitation accepted", evaluator_accept, call_evaluator=entry,
                              user=user, full_name=self.names.get(email, ""), password=password)
        if entry.declaration_accepted_at is None:
            entry = self.step("call declaration accepted", call_declaration_accept,
                              call_evaluator=entry, by=user)
        return entry

    def review(self, application: Application, entry: CallEvaluator, reviews: dict,
               column: int) -> None:
        assignment = Assignment.objects.filter(application=application, evaluator=entry,
                                               status__in=Assignment.LIVE).first()
        if assignment is None:
            assignment = self.step("expert assigned", assignment_add, application=application,
                                   call_evaluator=entry, by=self.manager,
                                   reason="demo: every expert reviews every green voucher")
        if assignment.status == Assignment.Status.ASSIGNED:
            assignment = self.step("no conflict declared", assignment_declare,
                                   assignment=assignment, by=entry.user, conflict=False)
        if assignment.status == Assignment.Status.SUBMITTED:
            return
        data = self.scores(reviews, score=column, comment=3 + column, overall=column)
        self.step("review submitted", review_save, assignment=assignment, by=entry.user,
                  data=data, submit=True)

    def scores(self, reviews: dict, *, score: int, comment: int | None, overall: int) -> dict:
        criteria = {c.name: c.pk for c in self.call.criteria.all()}
        data = {}
        for name, row in reviews.items():
            if name == "overall":
                continue
            if name not in criteria:
                raise CommandError(f"{demo.CALL} has no criterion “{name}”.")
            text = row[comment] if comment is not None else f"{row[3]} {row[4]}"
            data[criteria[name]] = {"score": row[score], "comment": text}
        return {"scores": data, "overall_comment": reviews["overall"][overall]}

    def consensus(self, application: Application, reviews: dict) -> None:
        if application.status != Application.Status.UNDER_EVALUATION:
            return
        existing = Consensus.objects.filter(application=application).first()
        if existing is not None and existing.status == Consensus.Status.FINAL:
            return
        self.step("consensus recorded", consensus_save, application=application,
                  by=self.manager, finalise=True,
                  data=self.scores(reviews, score=2, comment=None, overall=2))

    def rank(self) -> None:
        ranking = Ranking.objects.filter(call=self.call).first()
        if ranking is None or ranking.status == Ranking.Status.DRAFT:
            self.step("ranking computed", ranking_compute, call=self.call, by=self.manager)
            self.step("ranking approved", ranking_approve, call=self.call, by=self.manager)
        self.step("results published", ranking_publish, call=self.call, by=self.manager)
        self.call.refresh_from_db()

    # --- agreements and payments ---------------------------------------------------------------

    def contract(self, application: Application, spec: dict) -> None:
        stage = demo.STAGES.index(spec["stage"])
        beneficiary = application.organisation.user
        organisation = application.organisation
        agreement = GrantAgreement.objects.filter(application=application).first()
        if agreement is None:
            if application.status != Application.Status.SELECTED:
                return  # withdrawn or declined in the demo since: nothing to contract
            agreement = self.step("agreement generated", agreement_generate,
                                  application=application, by=self.manager)
        if "bank" in spec and not BankAccount.objects.filter(organisation=organisation).exists():
            holder, iban, bic = spec["bank"]
            self.step("bank details given", bank_account_save, organisation=organisation,
                      by=beneficiary, holder=holder, iban=iban, bic=bic)
        if (stage >= demo.STAGES.index("signed")
                and agreement.status == GrantAgreement.Status.GENERATED):
            agreement = self.step(
                "agreement signed by the beneficiary", agreement_sign, agreement=agreement,
                by=beneficiary, password=demo_data.DEMO_PASSWORD,
                typed_name=beneficiary.full_name, accepted=True, ip_address=demo.IP_ADDRESS,
                user_agent=demo.USER_AGENT)
        if "bank_change" in spec:
            holder, iban, bic = spec["bank_change"]
            if not BankAccount.objects.filter(organisation=organisation, iban=iban).exists():
                self.step("bank change waiting for finance", bank_account_save,
                          organisation=organisation, by=beneficiary, holder=holder, iban=iban,
                          bic=bic)
        if stage >= demo.STAGES.index("countersigned") and \
                agreement.status == GrantAgreement.Status.SIGNED_BY_BENEFICIARY:
            agreement = self.step(
                "agreement countersigned", agreement_countersign, agreement=agreement,
                by=self.manager, password=demo_data.DEMO_PASSWORD,
                typed_name=self.manager.full_name, accepted=True, ip_address=demo.IP_ADDRESS,
                user_agent=demo.USER_AGENT)
        if stage >= demo.STAGES.index("paid"):
            self.pay_first_tranche(agreement, spec["bank_reference"])
        if "interim" in spec and agreement.status == GrantAgreement.Status.COUNTERSIGNED:
            self.interim_report(agreement, beneficiary, spec["interim"])

    def pay_first_tranche(self, agreement: GrantAgreement, bank_reference: str) -> None:
        tranche = agreement.tranches.order_by("position").first()
        if tranche is None:
            return
        if tranche.status == Tranche.Status.DUE:
            tranche = self.step("tranche approved", tranche_approve, tranche=tranche,
                                by=self.finance)
        if tranche.status == Tranche.Status.APPROVED:
            batch = self.step("payment batch created", batch_create,
                              eurocluster=self.call.eurocluster, by=self.finance,
                              tranche_ids=[tranche.pk])
            # What the task queued by batch_create does (it finds nothing left when it runs).
            batch_fill(batch_id=batch.pk, tranche_ids=[tranche.pk])
        payment = tranche.payments.filter(status=Payment.Status.PENDING).select_related(
            "batch").first()
        if payment is None:
            return
        batch = payment.batch
        if batch.status == PaymentBatch.Status.DRAFT:
            if batch.filled_at is None:
                batch_fill(batch_id=batch.pk, tranche_ids=None)
            batch = self.step("SEPA file exported", batch_export, batch=batch, by=self.finance)
        if batch.status == PaymentBatch.Status.EXPORTED:
            batch = self.step("batch sent to the bank", batch_mark_sent, batch=batch,
                              by=self.finance)
        if batch.status == PaymentBatch.Status.SENT:
            self.step("payment marked paid", payment_mark_paid, payment=payment,
                      by=self.finance, bank_reference=bank_reference)

    def interim_report(self, agreement: GrantAgreement, beneficiary, spec: dict) -> None:
        report = ProgressReport.objects.filter(agreement=agreement,
                                               kind=ProgressReport.Kind.INTERIM).first()
        if report is not None and report.status != ProgressReport.Status.DRAFT:
            return  # submitted (and maybe reviewed in the demo since)
        report = self.step("interim report written", report_save, agreement=agreement,
                           kind=ProgressReport.Kind.INTERIM, by=beneficiary, text=spec["text"],
                           deliverables=spec["deliverables"])
        self.step("interim report submitted", report_submit, report=report, by=beneficiary)


class Command(DemoCommand):
    help = ("Take the demo call SEE-GREEN-OC1-2026 through its evaluation to published results, "
            "then its grant agreements and payments to different stages. Run after seed_demo; "
            "safe to run again: it changes nothing the second time.")

    refused_what = "the payments demo"

    def seed(self) -> None:
        seeder = PaymentsSeeder()
        # Not in one transaction: the money services run in their own (durable) ones. Each step
        # commits; the seeder is safe to run again after a failure.
        kept = seed_quietly(seeder.run, loggers=("payments",), atomic=False)
        if seeder.done:
            self.stdout.write(self.style.SUCCESS(
                "Payments demo loaded: " + ", ".join(
                    f"{step} ×{count}" for step, count in seeder.done.items())))
        else:
            self.stdout.write(self.style.SUCCESS(
                "Nothing to change: the payments demo is already in place."))
        if kept:
            self.stdout.write(f"{kept} e-mail(s) (results, agreements, payments, reports) kept "
                              "in memory, not sent.")
        self.report(seeder.call)

    def report(self, call: OpenCall) -> None:
        call.refresh_from_db()
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(
            f"{call.reference} ({call.get_status_display().lower()}): grant agreements"))
        applications = {a.acronym: a for a in call.applications.select_related(
            "organisation__user", "agreement").prefetch_related("agreement__tranches")}
        rows = []
        for acronym in demo.AGREEMENTS:
            application = applications.get(acronym)
            if application is None:
                continue
            agreement = getattr(application, "agreement", None)
            tranches = ", ".join(f"{t.position}: {t.get_status_display().lower()}"
                                 for t in agreement.tranches.all()) if agreement else ""
            rows.append((acronym, application.organisation.user.email,
                         application.get_status_display().lower(),
                         agreement.get_status_display().lower() if agreement else "none",
                         tranches))
        self.table(("Proposal", "Beneficiary", "Application", "Agreement", "Tranches"), rows)
        pending = BankAccount.objects.filter(
            organisation__applications__call=call,
            status=BankAccount.Status.PENDING).select_related("organisation__user")
        for account in pending:
            self.stdout.write(f"Bank change waiting for finance: {account.organisation.user.email}")
        self.stdout.write("")
        self.stdout.write(
            f"Beneficiaries: {SITE}{reverse('applications:dashboard')}    "
            f"The manager ({demo.MANAGER}): "
            f"{SITE}{reverse('payments:manage_agreements', args=[call.pk])}    "
            f"Finance ({demo.FINANCE}): {SITE}{reverse('payments:finance')}")
        self.stdout.write(f"Password for every account: {demo_data.DEMO_PASSWORD}")
