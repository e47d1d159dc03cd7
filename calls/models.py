from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls.countries import default_eligible_countries
from calls.validation import section_errors
from euroclusters.models import Eurocluster, Objective
from portal.models import ScannedUpload

MONEY = {"max_digits": 12, "decimal_places": 2}


class EligibilityRule(models.TextChoices):
    """The automatic eligibility checks a call can apply (implemented in applications.eligibility).

    The call owns the choice of checks; the engine that runs them sits in the applications app.
    """

    COUNTRY = "country", _("Legal establishment in an eligible country")
    SME = "sme", _("SME status (Recommendation 2003/361/EC)")
    DE_MINIMIS = "de_minimis", _("De minimis ceiling over 3 years (Regulation (EU) 2023/2831)")
    THIRD_PARTY_CAP = "third_party_cap", _("Maximum support per third party, across all calls")
    NOT_PARTNER = "not_partner", _("Not a partner of the Eurocluster")
    ONE_PROPOSAL = "one_proposal", _("One proposal per enterprise in the call")
    DOCUMENTS = "documents", _("Required documents present")
    DECLARATIONS = "declarations", _("Declarations of honour ticked")
    AMOUNT = "amount", _("Requested amount within the voucher type's range")
    CONSORTIUM = "consortium", _("Consortium size and countries within the voucher type's bounds")


def default_eligibility_rules() -> list[str]:
    return list(EligibilityRule.values)


def default_sections() -> list[dict]:
    return [
        {"key": "challenge", "title": "Challenge and objectives", "help": "", "max_chars": 3000},
        {"key": "approach", "title": "Approach and work plan", "help": "", "max_chars": 5000},
        {"key": "impact", "title": "Expected impact", "help": "", "max_chars": 3000},
    ]


class OpenCall(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        EVALUATION = "evaluation", _("In evaluation")
        RESULTS = "results", _("Results published")
        COMPLETED = "completed", _("Completed")

    class Phase(models.TextChoices):
        """What a visitor sees of a call (see ``phase``); no field stores it."""

        DRAFT = "draft", _("Draft")
        FORTHCOMING = "forthcoming", _("Forthcoming")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.DRAFT: {Status.PUBLISHED},
        Status.PUBLISHED: {Status.OPEN, Status.DRAFT},
        Status.OPEN: {Status.CLOSED},
        Status.CLOSED: {Status.EVALUATION},
        Status.EVALUATION: {Status.RESULTS},
        Status.RESULTS: {Status.COMPLETED},
        Status.COMPLETED: set(),
    }
    VISIBLE = (Status.PUBLISHED, Status.OPEN, Status.CLOSED, Status.EVALUATION, Status.RESULTS,
               Status.COMPLETED)
    SCOPE_PATH = "eurocluster"

    eurocluster = models.ForeignKey(Eurocluster, on_delete=models.PROTECT, related_name="calls")
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=250)
    summary = models.TextField(_("summary"))
    description = models.TextField(_("description"), blank=True)
    eligibility_summary = models.TextField(_("who can apply"), blank=True)
    # The call's own language: its texts fall back to it when the visitor's language has none
    # (calls.translation), and the grant agreement is written in it.
    language = models.CharField(_("language of the call"), max_length=8,
                                choices=settings.LANGUAGES, default="en",
                                help_text=_("The language of the call's legal texts and grant "
                                            "agreement; its texts are shown in it where the "
                                            "visitor's language has none."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.DRAFT)
    # Set by each publication (calls.transitions): the call-alert sweep looks back from it.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("deadline"))
    budget = models.DecimalField(_("call budget (EUR)"), **MONEY,
                                 validators=[MinValueValidator(0)])
    max_support_per_third_party = models.DecimalField(
        _("maximum support per third party (EUR)"), **MONEY, default=Decimal("60000"),
        validators=[MinValueValidator(0)],
    )
    de_minimis_ceiling = models.DecimalField(
        _("de minimis ceiling over 3 years (EUR)"), **MONEY, default=Decimal("300000"),
        validators=[MinValueValidator(0)],
    )
    eligible_countries = models.JSONField(
        _("eligible countries"), default=default_eligible_countries,
        help_text=_("ISO codes. Default: EU 27 and the countries associated to the Single Market "
                    "Programme."),
    )
    eligibility_rules = models.JSONField(
        _("eligibility checks"), default=default_eligibility_rules,
        help_text=_("The automatic checks run on every submitted application."),
    )
    allow_partner_in_several_proposals = models.BooleanField(
        _("SMEs may lead one proposal and be a partner in others"), default=False,
        help_text=_("Unticked, an SME that leads a proposal in this call may not also be a "
                    "consortium member of another one, and the case goes to a manager."),
    )
    eligibility_results_immediate = models.BooleanField(
        _("show eligibility results to applicants at once"), default=False,
        help_text=_("Unticked, applicants see their eligibility result when a manager releases "
                    "the results of the call."),
    )
    eligibility_released_at = models.DateTimeField(_("eligibility results released"), null=True,
                                                   blank=True)
    evaluators_per_application = models.PositiveSmallIntegerField(
        _("evaluators per application"), default=2, validators=[MinValueValidator(2)]
    )
    overall_threshold = models.DecimalField(
        _("overall threshold"), max_digits=6, decimal_places=2, default=Decimal("10")
    )
    redress_days = models.PositiveSmallIntegerField(_("redress window (days)"), default=10)
    questions_close_days = models.PositiveSmallIntegerField(
        _("questions close (days before the deadline)"), default=3,
        help_text=_("Signed-in people may ask questions about the call until this many days "
                    "before its deadline."),
    )
    # --- evaluation (used by the evaluation app) ---
    expertise_taxonomy = models.JSONField(
        _("expertise taxonomy"), default=list, blank=True,
        help_text=_("The sectors and technologies of this call, one string each. Applicants tag "
                    "their proposal with them and evaluators their expertise; the overlap is the "
                    "affinity the assignment maximises."),
    )
    exclude_same_country = models.BooleanField(
        _("no evaluator from the applicant's country"), default=False,
        help_text=_("Ticked, an evaluator is never assigned a proposal whose lead applicant or "
                    "consortium member is established in the evaluator's country."),
    )
    balance_loads = models.BooleanField(
        _("balance evaluators' loads"), default=True,
        help_text=_("Ticked, every evaluator gets the same number of proposals give or take one "
                    "where the bounds allow it, at a small loss of affinity."),
    )
    evaluator_min_load = models.PositiveSmallIntegerField(
        _("minimum proposals per evaluator"), default=0,
    )
    evaluator_max_load = models.PositiveSmallIntegerField(
        _("maximum proposals per evaluator"), default=12, validators=[MinValueValidator(1)],
        help_text=_("An evaluator's own maximum per call, when lower, wins."),
    )
    score_step = models.DecimalField(
        _("score step"), max_digits=4, decimal_places=2, default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Scores go from 0 to each criterion's maximum in steps of this size."),
    )
    comment_min_chars = models.PositiveSmallIntegerField(
        _("minimum comment length (characters)"), default=50,
    )
    disagreement_threshold = models.DecimalField(
        _("disagreement threshold (points)"), max_digits=5, decimal_places=2,
        default=Decimal("2"),
        help_text=_("Scores of one criterion that differ by more than this flag the proposal."),
    )
    evaluation_deadline = models.DateTimeField(_("evaluation deadline"), null=True, blank=True)
    # --- grant agreements (used by the payments app) ---
    agreement_template = models.TextField(
        _("grant agreement template"), blank=True,
        help_text=_("A Django template of the agreement's HTML body; empty: the portal's standard "
                    "FSTP agreement. It receives the call, the application, the parties, the "
                    "amount and the tranche schedule."),
    )
    signing_days = models.PositiveSmallIntegerField(
        _("days to sign the grant agreement"), default=15, validators=[MinValueValidator(1)],
        help_text=_("An agreement the beneficiary has not signed by then is declined and the "
                    "reserve list moves up."),
    )
    description_sections = models.JSONField(
        _("proposal sections"), default=default_sections,
        help_text=_('A list of {"key", "title", "help", "max_chars"}: the text sections every '
                    "proposal fills in."),
    )
    max_upload_mb = models.PositiveSmallIntegerField(
        _("largest upload (MB)"), default=10, validators=[MinValueValidator(1),
                                                          MaxValueValidator(50)],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("open call")
        verbose_name_plural = _("open calls")
        ordering = ["closes_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                   name="call_closes_after_opening"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("calls:detail", kwargs={"slug": self.slug})

    @property
    def scope_eurocluster_id(self) -> int:
        return self.eurocluster_id

    def clean(self) -> None:
        errors = {}
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("The deadline must come after the opening.")
        problems = section_errors(self.description_sections)
        if problems:
            errors["description_sections"] = problems
        if errors:
            raise ValidationError(errors)

    def accepts_submissions(self, now=None) -> bool:
        """Whether the server takes submissions at ``now``; the deadline is exclusive."""
        now = now or timezone.now()
        return (
            self.status in (self.Status.PUBLISHED, self.Status.OPEN)
            and self.opens_at <= now < self.closes_at
        )

    @property
    def questions_close_at(self):
        """The last moment a question about the call is taken (inclusive)."""
        return self.closes_at - timedelta(days=self.questions_close_days)

    def accepts_questions(self, now=None) -> bool:
        """Whether the server takes a question at ``now``: the call is open and the questions'
        closing moment has not passed (a question at that very second is still taken)."""
        now = now or timezone.now()
        return (self.status in (self.Status.PUBLISHED, self.Status.OPEN)
                and self.opens_at <= now <= self.questions_close_at)

    @property
    def eligibility_released(self) -> bool:
        """Whether applicants may see their eligibility outcome."""
        return self.eligibility_results_immediate or self.eligibility_released_at is not None

    @property
    def phase(self) -> "OpenCall.Phase":
        """What a visitor sees: forthcoming, open, or closed, from the dates and status."""
        now = timezone.now()
        if self.status == self.Status.DRAFT:
            return self.Phase.DRAFT
        if self.status in (self.Status.PUBLISHED, self.Status.OPEN):
            if now < self.opens_at:
                return self.Phase.FORTHCOMING
            if now < self.closes_at:
                return self.Phase.OPEN
        return self.Phase.CLOSED


class VoucherType(models.Model):
    SCOPE_PATH = "call__eurocluster"

    call = models.ForeignKey(OpenCall, on_delete=models.CASCADE, related_name="voucher_types")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    min_amount = models.DecimalField(_("minimum amount (EUR)"), **MONEY,
                                     validators=[MinValueValidator(0)])
    max_amount = models.DecimalField(_("maximum amount (EUR)"), **MONEY,
                                     validators=[MinValueValidator(0)])
    number_of_vouchers = models.PositiveIntegerField(_("number of vouchers"), null=True,
                                                     blank=True)
    min_consortium_size = models.PositiveSmallIntegerField(
        _("minimum SMEs in the project"), default=1, validators=[MinValueValidator(1)]
    )
    max_consortium_size = models.PositiveSmallIntegerField(
        _("maximum SMEs in the project"), default=1, validators=[MinValueValidator(1)]
    )
    min_countries = models.PositiveSmallIntegerField(
        _("minimum countries in the project"), default=1, validators=[MinValueValidator(1)]
    )
    position = models.PositiveSmallIntegerField(default=0)
    # The KPI "SMEs internationalised" counts the enterprises contracted under such vouchers.
    internationalisation = models.BooleanField(
        _("internationalisation voucher"), default=False,
        help_text=_("Its beneficiaries count as SMEs internationalised in the KPIs."))
    # The dashboard counts applications and selected SMEs by the Eurocluster objective that the
    # voucher serves.
    objective = models.CharField(
        _("Eurocluster objective"), max_length=32, choices=Objective.choices, blank=True,
        help_text=_("The Eurocluster objective this voucher serves."))

    class Meta:
        verbose_name = _("voucher type")
        verbose_name_plural = _("voucher types")
        ordering = ["call", "position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_eurocluster_id(self) -> int:
        return self.call.eurocluster_id

    @property
    def needs_consortium(self) -> bool:
        return self.min_consortium_size > 1

    @property
    def accepts_partners(self) -> bool:
        return self.max_consortium_size > 1

    def clean(self) -> None:
        errors = {}
        if (self.min_amount is not None and self.max_amount is not None
                and self.min_amount > self.max_amount):
            errors["max_amount"] = _("The maximum must not be below the minimum.")
        if self.min_consortium_size > self.max_consortium_size:
            errors["max_consortium_size"] = _("The maximum must not be below the minimum.")
        if self.min_countries > self.max_consortium_size:
            errors["min_countries"] = _("More countries than SMEs cannot be required.")
        if errors:
            raise ValidationError(errors)


class Criterion(models.Model):
    SCOPE_PATH = "call__eurocluster"

    call = models.ForeignKey(OpenCall, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2,
                                 default=Decimal("1"), validators=[MinValueValidator(0)])
    max_score = models.DecimalField(_("maximum score"), max_digits=5, decimal_places=2,
                                    default=Decimal("5"), validators=[MinValueValidator(1)])
    threshold = models.DecimalField(_("threshold"), max_digits=5, decimal_places=2,
                                    default=Decimal("3"), validators=[MinValueValidator(0)])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["call", "position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_eurocluster_id(self) -> int:
        return self.call.eurocluster_id

    def clean(self) -> None:
        if (self.threshold is not None and self.max_score is not None
                and self.threshold > self.max_score):
            raise ValidationError({"threshold": _("The threshold cannot exceed the maximum.")})


class RequiredDocument(models.Model):
    """A document every applicant to the call uploads (e.g. the signed SME declaration)."""

    SCOPE_PATH = "call__eurocluster"

    call = models.ForeignKey(OpenCall, on_delete=models.CASCADE,
                             related_name="required_documents")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("what to upload"), blank=True)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["call", "position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_eurocluster_id(self) -> int:
        return self.call.eurocluster_id


def call_document_path(instance: "CallDocument", filename: str) -> str:
    return f"calls/{instance.call_id}/documents/{filename}"


class CallDocument(ScannedUpload):
    """A public document of the call (guide for applicants, templates)."""

    SCAN_NAME_FIELD = "title"
    SCAN_SUBJECT = "call"
    SCAN_OWNER = ""  # uploaded in the admin; the audit trail says by whom

    SCOPE_PATH = "call__eurocluster"

    call = models.ForeignKey(OpenCall, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file (PDF)"), upload_to=call_document_path, max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("call document")
        verbose_name_plural = _("call documents")
        ordering = ["call", "position", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def scope_eurocluster_id(self) -> int:
        return self.call.eurocluster_id


class TrancheStep(models.Model):
    """One tranche of the call's payment schedule: a share of the grant, paid on an event."""

    class Event(models.TextChoices):
        AGREEMENT_COUNTERSIGNED = "agreement_countersigned", _("Agreement countersigned")
        INTERIM_REPORT_APPROVED = "interim_report_approved", _("Interim report approved")
        FINAL_REPORT_APPROVED = "final_report_approved", _("Final report approved")

    SCOPE_PATH = "call__eurocluster"

    call = models.ForeignKey(OpenCall, on_delete=models.CASCADE, related_name="tranche_steps")
    position = models.PositiveSmallIntegerField(default=0)
    percentage = models.DecimalField(
        _("share of the grant (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(100)],
    )
    event = models.CharField(_("paid when"), max_length=32, choices=Event.choices)

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranche schedule")
        ordering = ["call", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.percentage} % · {self.get_event_display()}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.call.eurocluster_id


class CallQuestion(models.Model):
    """A question a signed-in person asked about a call, privately; its answer, and the
    anonymised version the managers may publish in the call's "Questions and answers"."""

    SCOPE_PATH = "call__eurocluster"

    call = models.ForeignKey(OpenCall, on_delete=models.CASCADE, related_name="questions")
    # Blanked when the person's account is erased; the published version names nobody.
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="call_questions")
    text = models.TextField(_("question"), max_length=4000)
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    public_question = models.TextField(_("published question"), blank=True)
    public_answer = models.TextField(_("published answer"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("question about a call")
        verbose_name_plural = _("questions about calls")
        ordering = ["call", "asked_at", "pk"]
        indexes = [models.Index(fields=["call", "published_at"], name="callquestion_published")]

    def __str__(self) -> str:
        return f"{self.call.reference} · Q{self.pk}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.call.eurocluster_id

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class CallFollower(models.Model):
    """A signed-in person who follows a call: told when its deadline moves, a document is added
    or a question and its answer are published."""

    call = models.ForeignKey(OpenCall, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="followed_calls")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follower of a call")
        verbose_name_plural = _("followers of calls")
        constraints = [models.UniqueConstraint(fields=["call", "user"],
                                               name="callfollower_once")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.call_id}"


class CallAlertSubscription(models.Model):
    """An e-mail address (no account needed) told of every new call of the chosen Euroclusters
    or objectives. Only confirmed addresses are stored: the confirmation link carries the
    choices, signed, and writes this row (double opt-in)."""

    email = models.EmailField(_("e-mail address"), unique=True)
    euroclusters = models.ManyToManyField(Eurocluster, blank=True, related_name="+",
                                          verbose_name=_("Euroclusters"))
    objectives = models.JSONField(_("objectives"), default=list, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)
    # The interface language the visitor subscribed in: the alerts are written in it.
    language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("call alert subscription")
        verbose_name_plural = _("call alert subscriptions")

    def __str__(self) -> str:
        return self.email


class CallAlert(models.Model):
    """One subscriber told of one call: the unique pair is what makes it once, however often
    the call is published or the task runs."""

    subscription = models.ForeignKey(CallAlertSubscription, on_delete=models.CASCADE,
                                     related_name="alerts")
    call = models.ForeignKey(OpenCall, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscription", "call"],
                                               name="callalert_once")]

    def __str__(self) -> str:
        return f"alert {self.call_id} to {self.subscription_id}"
