import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from applications.sme import Figures, Holding, SmeClass, classify_enterprise
from calls.models import Criterion, EligibilityRule, OpenCall, RequiredDocument, VoucherType
from portal.models import ScannedUpload

MONEY = {"max_digits": 14, "decimal_places": 2}
nace_validator = RegexValidator(
    r"^[A-U]?\d{2}(\.\d{1,2})?$|^[A-U]$",
    _("Use a NACE Rev. 2 code such as “C28.4”, “62.01” or a section letter such as “J”."),
)


class Organisation(models.Model):
    """The applicant enterprise, described once by its user and reused for every application."""

    SME_LABELS = {
        SmeClass.MICRO: _("Micro enterprise"),
        SmeClass.SMALL: _("Small enterprise"),
        SmeClass.MEDIUM: _("Medium-sized enterprise"),
        SmeClass.NOT_SME: _("Not an SME"),
    }

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="organisation")
    legal_name = models.CharField(_("legal name"), max_length=250)
    registration_number = models.CharField(
        _("VAT or company registration number"), max_length=80, db_index=True,
        help_text=_("EU VAT number (e.g. BE0403170701) or national company registration number."),
    )
    country = CountryField(_("country of legal establishment"))
    # The public list of beneficiaries never names a natural person (Financial Regulation).
    is_natural_person = models.BooleanField(
        _("sole trader / natural person"), default=False,
        help_text=_("Tick if the enterprise is a natural person (a sole trader): its name is "
                    "then never published in the list of beneficiaries."),
    )
    street = models.CharField(_("street and number"), max_length=250)
    postcode = models.CharField(_("postcode"), max_length=20)
    city = models.CharField(_("city"), max_length=120)
    nace_code = models.CharField(_("NACE sector"), max_length=8, validators=[nace_validator])
    year_founded = models.PositiveSmallIntegerField(
        _("year founded"), validators=[MinValueValidator(1800), MaxValueValidator(2100)]
    )
    staff_headcount = models.DecimalField(
        _("staff (annual work units)"), max_digits=9, decimal_places=1,
        validators=[MinValueValidator(0)],
    )
    annual_turnover = models.DecimalField(_("annual turnover (EUR)"), **MONEY,
                                          validators=[MinValueValidator(0)])
    balance_sheet_total = models.DecimalField(_("balance-sheet total (EUR)"), **MONEY,
                                              validators=[MinValueValidator(0)])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name

    def figures(self) -> Figures:
        return Figures(self.staff_headcount, self.annual_turnover, self.balance_sheet_total)

    @cached_property
    def sme_class(self) -> SmeClass:
        holdings = [h.as_holding() for h in self.related_enterprises.all()]
        return classify_enterprise(self.figures(), holdings)

    @property
    def sme_label(self) -> str:
        return self.SME_LABELS[self.sme_class]


class RelatedEnterprise(models.Model):
    """A partner or linked enterprise (Recommendation 2003/361/EC, Annex, art. 3)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="related_enterprises")
    name = models.CharField(_("name"), max_length=250)
    country = CountryField(_("country"))
    share_percent = models.DecimalField(
        _("share held (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(100)],
        help_text=_("The larger of the capital or voting rights held, in either direction."),
    )
    staff_headcount = models.DecimalField(_("staff (AWU)"), max_digits=9, decimal_places=1,
                                          validators=[MinValueValidator(0)])
    annual_turnover = models.DecimalField(_("annual turnover (EUR)"), **MONEY,
                                          validators=[MinValueValidator(0)])
    balance_sheet_total = models.DecimalField(_("balance-sheet total (EUR)"), **MONEY,
                                              validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("partner or linked enterprise")
        verbose_name_plural = _("partner and linked enterprises")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.share_percent} %)"

    def as_holding(self) -> Holding:
        return Holding(self.share_percent, Figures(self.staff_headcount, self.annual_turnover,
                                                   self.balance_sheet_total))


class DeMinimisAid(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="de_minimis_aid")
    granted_on = models.DateField(_("granted on"))
    granting_body = models.CharField(_("granting body"), max_length=250)
    amount = models.DecimalField(_("amount (EUR)"), **MONEY,
                                 validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        verbose_name = _("de minimis aid")
        verbose_name_plural = _("de minimis aid")
        ordering = ["-granted_on", "pk"]

    def __str__(self) -> str:
        return f"{self.granting_body} {self.granted_on}: {self.amount}"


class Declaration(models.TextChoices):
    """Declarations of honour ticked at every submission."""

    TRUTHFUL = "truthful", _("The information in this application is complete and true.")
    NOT_EXCLUDED = "not_excluded", _(
        "The enterprise is not in any exclusion situation of Article 138 of the EU Financial "
        "Regulation (bankruptcy, fraud, unpaid taxes or social security, grave misconduct)."
    )
    NO_DOUBLE_FUNDING = "no_double_funding", _(
        "The costs of this project are not and will not be funded by another EU or national grant."
    )
    DE_MINIMIS = "de_minimis", _(
        "All de minimis aid received in the last three years has been declared."
    )
    SME = "sme", _("The enterprise is an SME as defined in Recommendation 2003/361/EC.")
    DATA = "data", _(
        "I agree that the data of this application is processed for the evaluation and management "
        "of the call, and that the names of funded enterprises are published."
    )


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ELIGIBLE = "eligible", _("Eligible")
        INELIGIBLE = "ineligible", _("Not eligible")
        UNDER_EVALUATION = "under_evaluation", _("Under evaluation")
        EVALUATED = "evaluated", _("Evaluated")
        SELECTED = "selected", _("Selected")
        RESERVE = "reserve", _("Reserve list")
        REJECTED = "rejected", _("Rejected")
        CONTRACTED = "contracted", _("Contracted")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    S = Status
    TRANSITIONS = {
        S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
        # A re-submission before the deadline sends an eligible or ineligible one back to check.
        S.SUBMITTED: {S.ELIGIBLE, S.INELIGIBLE, S.WITHDRAWN},
        S.ELIGIBLE: {S.SUBMITTED, S.UNDER_EVALUATION, S.INELIGIBLE, S.WITHDRAWN},
        S.INELIGIBLE: {S.SUBMITTED, S.ELIGIBLE, S.WITHDRAWN},
        S.UNDER_EVALUATION: {S.EVALUATED, S.WITHDRAWN},
        S.EVALUATED: {S.SELECTED, S.RESERVE, S.REJECTED, S.WITHDRAWN},
        S.SELECTED: {S.CONTRACTED, S.RESERVE, S.WITHDRAWN},
        # Redress can send a reserve or rejected proposal back to evaluation.
        S.RESERVE: {S.SELECTED, S.REJECTED, S.UNDER_EVALUATION, S.WITHDRAWN},
        S.REJECTED: {S.UNDER_EVALUATION, S.WITHDRAWN},
        S.CONTRACTED: {S.IN_PROGRESS},
        S.IN_PROGRESS: {S.COMPLETED},
        S.COMPLETED: set(),
        S.WITHDRAWN: set(),
    }
    del S
    # Until the deadline the applicant may keep editing and re-submit; the last version counts.
    EDITABLE = (Status.DRAFT, Status.SUBMITTED, Status.ELIGIBLE, Status.INELIGIBLE)
    # While here, the eligibility result of the current version decides the status; once
    # evaluation starts only redress reopens eligibility.
    IN_ELIGIBILITY = (Status.SUBMITTED, Status.ELIGIBLE, Status.INELIGIBLE)
    # In its call: submitted at least once and not withdrawn.
    IN_CALL = (Status.SUBMITTED, Status.ELIGIBLE, Status.INELIGIBLE, Status.UNDER_EVALUATION,
               Status.EVALUATED, Status.SELECTED, Status.RESERVE, Status.REJECTED,
               Status.CONTRACTED, Status.IN_PROGRESS, Status.COMPLETED)
    # Holding a grant, or on the way to one: what counts against the caps and the call's budget.
    FUNDED = (Status.SELECTED, Status.CONTRACTED, Status.IN_PROGRESS, Status.COMPLETED)
    # Under a grant agreement that both parties signed.
    CONTRACTED_OR_LATER = (Status.CONTRACTED, Status.IN_PROGRESS, Status.COMPLETED)
    # The call's results were published for it: it has an Evaluation Summary Report.
    WITH_RESULTS = (Status.SELECTED, Status.RESERVE, Status.REJECTED, *CONTRACTED_OR_LATER)
    SCOPE_PATH = "call__eurocluster"

    call = models.ForeignKey(OpenCall, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="applications")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    voucher_type = models.ForeignKey(VoucherType, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="applications")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    title = models.CharField(_("project title"), max_length=250, blank=True)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    sections = models.JSONField(_("description"), default=dict, blank=True)
    # Tags from the call's expertise taxonomy: matched with evaluators' expertise.
    topics = models.JSONField(_("topics"), default=list, blank=True)
    requested_amount = models.DecimalField(_("requested amount (EUR)"), **MONEY, null=True,
                                           blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"), null=True,
                                                       blank=True)
    submitted_at = models.DateTimeField(_("last submitted"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "organisation"], condition=~models.Q(status="withdrawn"),
                name="one_live_application_per_call",
            ),
        ]

    def __str__(self) -> str:
        return self.acronym or self.title or f"{_('Application')} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("applications:detail", kwargs={"pk": self.pk})

    @property
    def scope_eurocluster_id(self) -> int:
        return self.call.eurocluster_id

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    # What the applicant's pages ask of the status (so templates never spell a status).
    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN

    @property
    def has_results(self) -> bool:
        return self.status in self.WITH_RESULTS

    @property
    def is_funded(self) -> bool:
        return self.status in self.FUNDED

    @property
    def is_contracted(self) -> bool:
        return self.status in self.CONTRACTED_OR_LATER

    @property
    def can_be_withdrawn(self) -> bool:
        return self.Status.WITHDRAWN in self.TRANSITIONS[self.status]

    @property
    def applicant_status(self) -> str:
        """The status the applicant is shown: eligibility stays "submitted" until released."""
        if (self.status in (self.Status.ELIGIBLE, self.Status.INELIGIBLE)
                and not self.call.eligibility_released):
            return self.Status.SUBMITTED
        return self.status

    @property
    def applicant_status_label(self) -> str:
        return self.Status(self.applicant_status).label

    @property
    def receipt_prefix(self) -> str:
        return f"{self.call.reference}-{self.pk:06d}"


class BudgetLine(models.Model):
    class Category(models.TextChoices):
        PERSONNEL = "personnel", _("Personnel")
        SUBCONTRACTING = "subcontracting", _("Subcontracting and external services")
        EQUIPMENT = "equipment", _("Equipment")
        TRAVEL = "travel", _("Travel and subsistence")
        OTHER = "other", _("Other goods, works and services")
        INDIRECT = "indirect", _("Indirect costs")

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="budget_lines")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.CharField(_("description"), max_length=250)
    amount = models.DecimalField(_("amount (EUR)"), **MONEY,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.amount}"


class ConsortiumMember(models.Model):
    """A partner SME of a collaboration project, described by the lead applicant."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="members")
    legal_name = models.CharField(_("legal name"), max_length=250)
    registration_number = models.CharField(_("VAT or company registration number"),
                                           max_length=80, db_index=True)
    country = CountryField(_("country"))
    contact_email = models.EmailField(_("contact e-mail"))
    staff_headcount = models.DecimalField(_("staff (AWU)"), max_digits=9, decimal_places=1,
                                          validators=[MinValueValidator(0)])
    annual_turnover = models.DecimalField(_("annual turnover (EUR)"), **MONEY,
                                          validators=[MinValueValidator(0)])
    balance_sheet_total = models.DecimalField(_("balance-sheet total (EUR)"), **MONEY,
                                              validators=[MinValueValidator(0)])
    role = models.CharField(_("role in the project"), max_length=250, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("consortium member")
        verbose_name_plural = _("consortium members")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.legal_name


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name is random: the person's file name is kept only as data.
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}.pdf"


class Attachment(ScannedUpload):
    SCAN_SUBJECT = "application"

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="attachments")
    required_document = models.ForeignKey(RequiredDocument, on_delete=models.PROTECT, null=True,
                                          blank=True, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=160)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Removing from the draft keeps the file: a submitted version may still point at it.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class ApplicationVersion(models.Model):
    """An immutable, timestamped copy of what was submitted, with its SHA-256 hash."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT,
                                    related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    content = models.JSONField()
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    receipt_code = models.CharField(_("receipt"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")
        ordering = ["application", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"],
                                    name="version_unique_number"),
        ]

    def __str__(self) -> str:
        return self.receipt_code

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A submitted version is immutable.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("applications:receipt",
                       kwargs={"pk": self.application_id, "number": self.number})

    def delete(self, *args, **kwargs):
        raise ValueError("A submitted version is immutable.")

    @property
    def scope_eurocluster_id(self) -> int:
        return self.application.call.eurocluster_id


class EligibilityResult(models.Model):
    """The eligibility of one submitted version: the automatic checks and the final outcome.

    ``checks`` holds one entry per rule and enterprise (see ``applications.eligibility``).
    ``outcome`` is what counts: the automatic outcome, or a manager's decision on a case needing
    review, or a manager's override, each with a written justification.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Eligibility check pending")
        ELIGIBLE = "eligible", _("Eligible")
        INELIGIBLE = "ineligible", _("Not eligible")
        NEEDS_REVIEW = "needs_review", _("Needs review by a manager")

    FINAL = (Outcome.ELIGIBLE, Outcome.INELIGIBLE)

    version = models.OneToOneField(ApplicationVersion, on_delete=models.PROTECT,
                                   related_name="eligibility")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices,
                               default=Outcome.PENDING, db_index=True)
    automatic_outcome = models.CharField(_("outcome of the automatic checks"), max_length=16,
                                         choices=Outcome.choices, default=Outcome.PENDING)
    checks = models.JSONField(_("checks"), default=list, blank=True)
    failed_rules = models.JSONField(_("failed rules"), default=list, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    justification = models.TextField(_("justification"), blank=True)
    # The outcome the applicant was last told by e-mail: each released outcome is sent once.
    notified_outcome = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("eligibility result")
        verbose_name_plural = _("eligibility results")

    def __str__(self) -> str:
        return f"{self.version}: {self.get_outcome_display()}"

    @property
    def is_decided(self) -> bool:
        return self.decided_at is not None

    @property
    def scope_eurocluster_id(self) -> int:
        return self.version.application.call.eurocluster_id

    def rows(self) -> list[dict]:
        """The checks as a person reads them, in the reader's language."""
        labels = dict(EligibilityRule.choices)
        return [{**check, "text": gettext(check["message"]) % check["params"],
                 "label": labels.get(check["rule"], check["rule"])}
                for check in self.checks]

    def failed_rule_labels(self) -> list[str]:
        labels = dict(EligibilityRule.choices)
        return [str(labels.get(code, code)) for code in self.failed_rules]

    def failures(self) -> list[dict]:
        return [row for row in self.rows() if row["outcome"] != "pass"]


class ClarificationRequest(models.Model):
    """A manager's question to the applicant about a submitted application (the EC's "request
    for clarification"), asked during eligibility or evaluation, and the applicant's answer.

    It points at the submitted version current when it was asked: the answer is kept beside
    that version, which stays as submitted (its content and hash never change). The applicant
    answers once, at the latest at ``due_at`` (checked on the server); the manager decides
    whether the evaluators of the application see the question and its answer.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the applicant")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    S = Status
    TRANSITIONS = {
        S.OPEN: {S.ANSWERED, S.CLOSED},
        S.ANSWERED: {S.CLOSED},
        S.CLOSED: set(),
    }
    del S
    SCOPE_PATH = "application__call__eurocluster"

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="clarifications")
    version = models.ForeignKey(ApplicationVersion, on_delete=models.PROTECT,
                                related_name="clarifications")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.OPEN, db_index=True)
    question = models.TextField(_("question"))
    # What the question concerns, if anything: one of the call's eligibility rules or one of its
    # evaluation criteria (never both).
    rule = models.CharField(_("eligibility rule"), max_length=32, blank=True,
                            choices=EligibilityRule.choices)
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="clarifications")
    due_at = models.DateTimeField(_("answer due by"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    asked_at = models.DateTimeField(_("asked at"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    shared_with_evaluators = models.BooleanField(_("shared with the evaluators"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The manager was told it is overdue (the beat task tells each request once).
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("clarification request")
        verbose_name_plural = _("clarification requests")
        ordering = ["asked_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rule="") | models.Q(criterion__isnull=True),
                name="clarification_concerns_one_thing"),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="clarification_due")]

    def __str__(self) -> str:
        return f"{self.application} · {_('clarification')} #{self.pk}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.application.call.eurocluster_id

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_answered(self) -> bool:
        return self.status == self.Status.ANSWERED or self.answered_at is not None

    def is_overdue(self, now=None) -> bool:
        """Still waiting for its answer after its due moment."""
        return self.is_open and (now or timezone.now()) > self.due_at

    @property
    def concerns_label(self) -> str:
        if self.criterion_id:
            return gettext("Evaluation criterion: %(name)s") % {"name": self.criterion.name}
        if self.rule:
            return gettext("Eligibility rule: %(name)s") % {"name": self.get_rule_display()}
        return ""


def clarification_file_path(instance: "ClarificationAttachment", filename: str) -> str:
    # The stored name is random, as for the application's own documents.
    return (f"applications/{instance.request.application_id}/clarifications/"
            f"{uuid.uuid4().hex}.pdf")


class ClarificationAttachment(ScannedUpload):
    """A PDF the applicant gave with an answer; stored privately, served only to those who
    may read the thread."""

    SCAN_SUBJECT = "request"

    request = models.ForeignKey(ClarificationRequest, on_delete=models.CASCADE,
                                related_name="attachments")
    file = models.FileField(upload_to=clarification_file_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=160)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("clarification attachment")
        verbose_name_plural = _("clarification attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name
