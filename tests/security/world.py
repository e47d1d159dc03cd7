"""One world for the URL-role table (issue 13, point 3): every role of the table as a real person,
and at least one real object behind every URL and every admin page.

Eurocluster A holds everything; Eurocluster B has its own manager and finance officer, who must
see none of A. The "owner" applicant owns every application (one per state the pages need); the
consortium member is a partner SME named in the owner's application under evaluation, with an
account and an enterprise of its own. Evaluators: one assigned who has made neither declaration
(the call's, the conflict of interest), one assigned who has made both, one accepted in the same
pool without an assignment.

Rows are written with the ORM and the factories, statuses set directly: the pages read states,
and building them through every service would cost seconds for nothing the table checks.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

from activities.models import ParticipantImport
from applications.models import (
    Application,
    ApplicationVersion,
    Attachment,
    ClarificationAttachment,
    ClarificationRequest,
    ConsortiumMember,
    Declaration,
    EligibilityResult,
)
from applications.submission import snapshot
from calls.models import CallAlertSubscription, CallDocument, CallQuestion, OpenCall
from euroclusters.models import KpiTarget, Membership, Objective
from evaluation.models import (
    Assignment,
    AssignmentRun,
    CallEvaluator,
    Consensus,
    Ranking,
    RankingEntry,
    RedressRequest,
)
from payments.models import (
    BankAccount,
    GrantAgreement,
    Payment,
    PaymentBatch,
    ProgressReport,
    ReportAttachment,
    Tranche,
)
from portal.audit import audit_record
from portal.models import Notification
from portal.notifications import unsubscribe_token
from reporting.models import Export, KpiValue, PublicationWithholding
from tests.activities.factories import ActivityFactory, ParticipantFactory
from tests.evaluation.factories import (
    CallEvaluatorFactory,
    EvaluatorProfileFactory,
    closed_call,
    eligible_application,
    final_consensus,
    submitted_review,
)
from tests.factories import (
    MINIMAL_PDF,
    EuroclusterFactory,
    MembershipFactory,
    OpenCallFactory,
    OrganisationFactory,
    RequiredDocumentFactory,
    UserFactory,
    VoucherTypeFactory,
    complete_application,
)
from tests.payments.factories import (
    BIC_BE,
    BIC_DE,
    IBAN_BE,
    IBAN_DE,
    agreement_row,
    results_call,
    selected_application,
    tranche_rows,
)

# Staff roles and evaluators get a TOTP authenticator with this secret, so that they would pass
# the MFA requirement (issue 13, point 1).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

ROLES = (
    "anon", "owner", "applicant", "member", "eval_before", "eval_after", "eval_other",
    "manager", "finance", "observer", "manager_b", "finance_b", "superuser",
)


@dataclass
class World:
    users: dict = field(default_factory=dict)  # role -> User (no "anon")
    eurocluster: object = None
    eurocluster_b: object = None
    # calls
    call_open: object = None
    call_eval: object = None
    call_results: object = None
    document: object = None
    question: object = None
    subscription: object = None
    # applications of the owner, one per state
    app_draft: object = None
    app_eval: object = None
    app_rejected: object = None
    app_selected: object = None
    app_contracted: object = None
    draft_attachment: object = None
    eval_attachment: object = None
    version: object = None
    eligibility: object = None
    clarification: object = None  # answered with a file, shared with the evaluators
    clarification_file: object = None
    # evaluation
    assignments: dict = field(default_factory=dict)  # role -> the role's own assignment
    pool_entry: object = None
    invitation: object = None
    run: object = None
    review: object = None
    redress: object = None
    # payments
    agreement: object = None
    report: object = None
    report_attachment: object = None
    pending_bank: object = None
    batch: object = None
    payment: object = None
    due_tranche: object = None
    # reporting and activities
    kpi: object = None
    kpi_value: object = None
    export: object = None
    activity: object = None
    participant: object = None
    staged_import: object = None
    # the admin's own pages
    group: object = None
    audit_entry: object = None
    call_open_type: int = 0
    # the notification centre: one of the owner's, and her unsubscribe token
    notification: object = None
    unsubscribe_token: str = ""

    def user(self, role: str):
        return self.users.get(role)


def _pdf(name: str = "document.pdf") -> ContentFile:
    return ContentFile(MINIMAL_PDF, name=name)


def _ensure_mfa(user) -> None:
    """An authenticator app for ``user`` unless the factories already gave one."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, TOTP_SECRET)


def _staff(eurocluster, role) -> object:
    user = MembershipFactory(eurocluster=eurocluster, role=role).user
    _ensure_mfa(user)
    return user


def _attachment(application, by) -> Attachment:
    return Attachment.objects.create(application=application, file=_pdf(), original_name="a.pdf",
                                     size=len(MINIMAL_PDF), sha256="0" * 64, uploaded_by=by)


def _published(call, application, outcome, manager) -> None:
    ranking = Ranking.objects.create(call=call, status=Ranking.Status.PUBLISHED,
                                     computed_at=timezone.now(), approved_by=manager,
                                     approved_at=timezone.now(), published_at=timezone.now())
    RankingEntry.objects.create(ranking=ranking, application=application, rank=1,
                                total=Decimal("6"), amount=Decimal("20000"), outcome=outcome)


def build_world() -> World:
    w = World()
    a = w.eurocluster = EuroclusterFactory(acronym="SECA", starts_on=date(2026, 1, 1),
                                           ends_on=date(2027, 12, 31))
    b = w.eurocluster_b = EuroclusterFactory(acronym="SECB")
    users = w.users
    users["manager"] = _staff(a, Membership.Role.MANAGER)
    users["finance"] = _staff(a, Membership.Role.FINANCE)
    users["observer"] = _staff(a, Membership.Role.OBSERVER)
    users["manager_b"] = _staff(b, Membership.Role.MANAGER)
    users["finance_b"] = _staff(b, Membership.Role.FINANCE)
    users["superuser"] = UserFactory(is_staff=True, is_superuser=True)
    _ensure_mfa(users["superuser"])
    OpenCallFactory(eurocluster=b)  # B has a life of its own
    w.group = Group.objects.create(name="Helpdesk")

    owner_org = OrganisationFactory()
    owner = users["owner"] = owner_org.user
    users["applicant"] = OrganisationFactory(country="FR").user
    member_org = OrganisationFactory(country="DE")
    users["member"] = member_org.user

    # --- an open call with a draft -------------------------------------------------------------
    w.call_open = OpenCallFactory(eurocluster=a)
    VoucherTypeFactory(call=w.call_open)
    RequiredDocumentFactory(call=w.call_open)
    w.document = CallDocument.objects.create(call=w.call_open, title="Guide for applicants",
                                             file=_pdf("guide.pdf"))
    w.app_draft = complete_application(call=w.call_open, organisation=owner_org)
    w.question = CallQuestion.objects.create(call=w.call_open, asked_by=users["applicant"],
                                             text="Is VAT an eligible cost?")
    w.subscription = CallAlertSubscription.objects.create(email="alerts@example.eu")
    w.draft_attachment = _attachment(w.app_draft, owner)

    # --- a call in evaluation ------------------------------------------------------------------
    w.call_eval = closed_call(eurocluster=a)
    w.app_eval = eligible_application(w.call_eval, organisation=owner_org,
                                      status=Application.Status.UNDER_EVALUATION)
    ConsortiumMember.objects.create(
        application=w.app_eval, legal_name=member_org.legal_name,
        registration_number=member_org.registration_number, country=member_org.country,
        contact_email=users["member"].email, staff_headcount=Decimal("8"),
        annual_turnover=Decimal("900000"), balance_sheet_total=Decimal("500000"))
    w.eval_attachment = _attachment(w.app_eval, owner)
    w.version = ApplicationVersion.objects.create(
        application=w.app_eval, number=1, submitted_at=timezone.now(), submitted_by=owner,
        content=snapshot(w.app_eval, Declaration.values), sha256="1" * 64,
        receipt_code="SEC-0001-v1")
    w.eligibility = EligibilityResult.objects.create(version=w.version,
                                                     outcome=EligibilityResult.Outcome.ELIGIBLE)

    w.clarification = ClarificationRequest.objects.create(
        application=w.app_eval, version=w.version, question="Your 2025 turnover, please.",
        due_at=timezone.now() + timedelta(days=7), asked_by=users["manager"],
        asked_at=timezone.now(), status=ClarificationRequest.Status.ANSWERED,
        answer="EUR 1.5 M.", answered_by=owner, answered_at=timezone.now(),
        shared_with_evaluators=True)
    w.clarification_file = ClarificationAttachment.objects.create(
        request=w.clarification, file=_pdf("accounts.pdf"), original_name="accounts.pdf",
        size=len(MINIMAL_PDF), sha256="4" * 64, uploaded_by=owner)

    before = CallEvaluatorFactory(call=w.call_eval, declaration_accepted_at=None)
    after = CallEvaluatorFactory(call=w.call_eval)
    other = CallEvaluatorFactory(call=w.call_eval)
    reviewer = CallEvaluatorFactory(call=w.call_eval)  # has submitted: a review to reopen
    users["eval_before"], users["eval_after"] = before.user, after.user
    users["eval_other"] = other.user
    for entry in (before, after, other):
        _ensure_mfa(entry.user)  # experts must use MFA too (issue 13, point 1)
    w.pool_entry = other
    w.invitation = CallEvaluator.objects.create(
        call=w.call_eval, user=EvaluatorProfileFactory().user,
        status=CallEvaluator.Status.INVITED, invited_by=users["manager"],
        invited_at=timezone.now())
    w.assignments["eval_before"] = Assignment.objects.create(
        application=w.app_eval, evaluator=before, status=Assignment.Status.ASSIGNED)
    w.assignments["eval_after"] = Assignment.objects.create(
        application=w.app_eval, evaluator=after, status=Assignment.Status.ACTIVE,
        declared_at=timezone.now())
    w.review = submitted_review(Assignment.objects.create(
        application=w.app_eval, evaluator=reviewer, status=Assignment.Status.ACTIVE,
        declared_at=timezone.now()), [4, 4, 4])
    w.run = AssignmentRun.objects.create(call=w.call_eval, status=AssignmentRun.Status.DONE,
                                         started_by=users["manager"],
                                         finished_at=timezone.now())
    Consensus.objects.create(application=w.app_eval, overall_comment="Draft of the panel.")

    # --- calls with published results (one application per enterprise and call) --------------
    call = w.call_results = results_call(eurocluster=a)
    w.app_contracted = selected_application(call, organisation=owner_org)
    Application.objects.filter(pk=w.app_contracted.pk).update(
        status=Application.Status.CONTRACTED)
    _published(call, w.app_contracted, RankingEntry.Outcome.SELECTED, users["manager"])
    w.app_selected = selected_application(results_call(eurocluster=a), organisation=owner_org)
    _published(w.app_selected.call, w.app_selected, RankingEntry.Outcome.SELECTED,
               users["manager"])
    w.app_rejected = eligible_application(results_call(eurocluster=a), organisation=owner_org)
    final_consensus(w.app_rejected, [2, 2, 2])
    Application.objects.filter(pk=w.app_rejected.pk).update(status=Application.Status.REJECTED)
    _published(w.app_rejected.call, w.app_rejected, RankingEntry.Outcome.REJECTED,
               users["manager"])
    w.redress = RedressRequest.objects.create(application=w.app_rejected, filed_by=owner,
                                              reasons="The panel misread our budget table.")

    # --- the contracted application's money ----------------------------------------------------
    w.agreement = agreement = agreement_row(
        w.app_contracted, status=GrantAgreement.Status.COUNTERSIGNED, file=_pdf("ga.pdf"),
        final_file=_pdf("ga-signed.pdf"), verification_code="SECA-VERIFY-1")
    first, second = tranche_rows(agreement)
    active = BankAccount.objects.create(organisation=owner_org, status=BankAccount.Status.ACTIVE,
                                        holder=owner_org.legal_name, iban=IBAN_BE, bic=BIC_BE,
                                        created_by=owner)
    w.pending_bank = BankAccount.objects.create(
        organisation=owner_org, status=BankAccount.Status.PENDING, holder=owner_org.legal_name,
        iban=IBAN_DE, bic=BIC_DE, created_by=owner)
    w.batch = PaymentBatch.objects.create(eurocluster=a, reference="SECA-B-1",
                                          created_by=users["finance"],
                                          sepa_file=ContentFile(b"<Document/>", name="b.xml"))
    Tranche.objects.filter(pk=first.pk).update(status=Tranche.Status.IN_BATCH)
    w.payment = Payment.objects.create(tranche=first, batch=w.batch, bank_account=active,
                                       amount=first.amount, end_to_end_id="SECA-E2E-1")
    Tranche.objects.filter(pk=second.pk).update(status=Tranche.Status.DUE)
    w.due_tranche = second
    w.report = ProgressReport.objects.create(
        agreement=agreement, kind=ProgressReport.Kind.FINAL,
        status=ProgressReport.Status.SUBMITTED, text="Done.", submitted_at=timezone.now())
    w.report_attachment = ReportAttachment.objects.create(
        report=w.report, file=_pdf(), original_name="r.pdf", size=len(MINIMAL_PDF),
        sha256="2" * 64, uploaded_by=owner)
    PublicationWithholding.objects.create(agreement=agreement, reason="Security interest.",
                                          withheld_by=users["manager"])

    # --- KPIs, exports, activities, the audit trail --------------------------------------------
    w.kpi = KpiTarget.objects.create(eurocluster=a, name="Staff trained", target=15,
                                     objective=Objective.TRAIN,
                                     measure=KpiTarget.Measure.REPORTED)
    w.kpi_value = KpiValue.objects.create(
        target=w.kpi, value=3, measured_on=date(2026, 6, 30), evidence=_pdf("kpi.pdf"),
        evidence_name="kpi.pdf", evidence_size=len(MINIMAL_PDF), evidence_sha256="3" * 64,
        recorded_by=users["manager"])
    w.export = Export.objects.create(
        requested_by=users["manager"], name="applications", file_format="csv",
        params={"call": str(w.call_eval.pk)}, status=Export.Status.READY,
        file=ContentFile(b"Reference\n", name="e.csv"), finished_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=7))
    w.activity = ActivityFactory(eurocluster=a, created_by=users["manager"])
    w.participant = ParticipantFactory(activity=w.activity)
    w.staged_import = ParticipantImport.objects.create(activity=w.activity,
                                                       created_by=users["manager"],
                                                       filename="p.csv", rows=[])
    w.call_open_type = ContentType.objects.get_for_model(OpenCall).pk
    w.audit_entry = audit_record(subject=w.app_eval, action="url_table.seeded",
                                 actor=users["manager"])
    w.notification = Notification.objects.create(
        recipient=owner, kind="evaluation.pool_assigned", text="A notification of the owner",
        link="/calls/")
    w.unsubscribe_token = unsubscribe_token(person=owner, kind="evaluation.pool_assigned")
    return w
