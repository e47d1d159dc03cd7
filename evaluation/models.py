"""Evaluation: the evaluator pool of a call, assignments with their conflict-of-interest
declaration, reviews with per-criterion scores, consensus, the ranking and redress.

Each stateful model has its ``Status`` choices and a literal ``TRANSITIONS`` table; the one
transition service per model lives in ``evaluation/services/transitions.py``.
"""

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from applications.models import Application
from calls.models import MONEY, Criterion, OpenCall

SCORE = {"max_digits": 5, "decimal_places": 2}


def new_token() -> str:
    return secrets.token_urlsafe(32)


class EvaluatorProfile(models.Model):
    """What an evaluator tells about themselves once, for every call."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="evaluator_profile")
    expertise = models.JSONField(
        _("expertise"), default=list, blank=True,
        help_text=_("Sectors and technologies, as named in the calls' taxonomies."),
    )
    country = CountryField(_("country of residence"), blank=True)
    organisation = models.CharField(_("organisation"), max_length=250, blank=True)
    # Matched against applicants' and partners' numbers for the conflict exclusions.
    organisation_number = models.CharField(
        _("organisation's VAT or registration number"), max_length=80, blank=True,
    )
    languages = models.JSONField(_("languages"), default=list, blank=True,
                                 help_text=_("ISO 639-1 codes, e.g. en, fr, es."))
    max_proposals_per_call = models.PositiveSmallIntegerField(
        _("most proposals per call"), default=12, validators=[MinValueValidator(1)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("evaluator profile")
        verbose_name_plural = _("evaluator profiles")

    def __str__(self) -> str:
        return str(self.user)


class CallEvaluator(models.Model):
    """An evaluator in a call's pool: invited by e-mail, then accepted (or declined)."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        REMOVED = "removed", _("Removed")

    TRANSITIONS = {
        Status.INVITED: {Status.ACCEPTED, Status.DECLINED, Status.REMOVED},
        Status.ACCEPTED: {Status.REMOVED},
        Status.DECLINED: {Status.INVITED},
        Status.REMOVED: {Status.INVITED},
    }
    SCOPE_PATH = "call__eurocluster"

    call = models.ForeignKey(OpenCall, on_delete=models.CASCADE, related_name="evaluators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="evaluator_calls")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.INVITED)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    invited_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # The confidentiality and impartiality declaration for the call: nothing of it before.
    declaration_accepted_at = models.DateTimeField(_("declaration accepted at"), null=True,
                                                   blank=True)
    min_load = models.PositiveSmallIntegerField(_("minimum proposals"), null=True, blank=True,
                                                help_text=_("Empty: the call's minimum."))
    max_load = models.PositiveSmallIntegerField(_("maximum proposals"), null=True, blank=True,
                                                help_text=_("Empty: the lower of the call's "
                                                            "and the evaluator's maximum."))
    is_rapporteur = models.BooleanField(_("rapporteur"), default=False,
                                        help_text=_("May record consensus scores."))

    class Meta:
        verbose_name = _("call evaluator")
        verbose_name_plural = _("call evaluators")
        ordering = ["call", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "user"], name="call_evaluator_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.call.reference}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.call.eurocluster_id

    @property
    def has_declared(self) -> bool:
        return self.status == self.Status.ACCEPTED and self.declaration_accepted_at is not None


class AssignmentRun(models.Model):
    """One run of the assignment solver for a call, started by a manager, done by a worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    TRANSITIONS = {
        Status.QUEUED: {Status.RUNNING, Status.FAILED},
        Status.RUNNING: {Status.DONE, Status.FAILED},
        Status.DONE: set(),
        Status.FAILED: set(),
    }
    # Runs under way: at most one per call (the constraint below).
    ACTIVE = (Status.QUEUED, Status.RUNNING)
    SCOPE_PATH = "call__eurocluster"

    call = models.ForeignKey(OpenCall, on_delete=models.CASCADE, related_name="assignment_runs")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.QUEUED)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    # Figures of a finished run (pairs, kept, added, total affinity, loads, seconds) or the
    # reasons it could not be solved, in words for a person.
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("why it failed"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("assignment run")
        verbose_name_plural = _("assignment runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One run at a time per call.
            models.UniqueConstraint(fields=["call"], condition=models.Q(status__in=["queued",
                                                                                   "running"]),
                                    name="one_active_assignment_run_per_call"),
        ]

    def __str__(self) -> str:
        return f"{self.call.reference} #{self.pk} ({self.status})"

    @property
    def kept_total(self) -> int:
        """Assignments that stood before the run and still stand: the declared ones (``fixed``)
        and those it did not move (``kept``)."""
        return int(self.result.get("kept") or 0) + int(self.result.get("fixed") or 0)

    @property
    def scope_eurocluster_id(self) -> int:
        return self.call.eurocluster_id


class Assignment(models.Model):
    """An evaluator assigned to an application, with the conflict-of-interest declaration."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Waiting for the conflict-of-interest declaration")
        ACTIVE = "active", _("No conflict declared")
        SUBMITTED = "submitted", _("Review submitted")
        CONFLICT = "conflict", _("Conflict of interest declared")
        REMOVED = "removed", _("Removed")

    class Source(models.TextChoices):
        SOLVER = "solver", _("Assignment run")
        MANUAL = "manual", _("Added by a manager")

    TRANSITIONS = {
        Status.ASSIGNED: {Status.ACTIVE, Status.CONFLICT, Status.REMOVED},
        Status.ACTIVE: {Status.SUBMITTED, Status.CONFLICT, Status.REMOVED},
        # A manager may reopen a submitted review (e.g. on an upheld redress).
        Status.SUBMITTED: {Status.ACTIVE},
        # A declared conflict stays on record: the pair is excluded from every later solve.
        Status.CONFLICT: set(),
        Status.REMOVED: {Status.ASSIGNED},
    }
    # Assignments that count towards an application's k evaluators and an evaluator's load.
    LIVE = (Status.ASSIGNED, Status.ACTIVE, Status.SUBMITTED)
    # Assignments whose evaluator may open the proposal (declared no conflict).
    CLEARED = (Status.ACTIVE, Status.SUBMITTED)
    SCOPE_PATH = "application__call__eurocluster"

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="assignments")
    evaluator = models.ForeignKey(CallEvaluator, on_delete=models.PROTECT,
                                  related_name="assignments")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.ASSIGNED, db_index=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices,
                              default=Source.SOLVER)
    affinity = models.PositiveSmallIntegerField(_("affinity"), default=0)
    run = models.ForeignKey(AssignmentRun, on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="assignments")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)
    conflict_statement = models.TextField(_("conflict of interest"), blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["application", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "evaluator"],
                                    name="assignment_unique_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.evaluator.user} → {self.application}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.application.call.eurocluster_id

    @property
    def is_cleared(self) -> bool:
        return self.status in self.CLEARED


class Review(models.Model):
    """One evaluator's review of one application: a score and comment per criterion."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.DRAFT},  # reopened by a manager
    }
    SCOPE_PATH = "assignment__application__call__eurocluster"

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE,
                                      related_name="review")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.DRAFT)
    overall_comment = models.TextField(_("overall comment"), blank=True)
    # Weighted total of the scores, written on submission.
    total = models.DecimalField(_("weighted total"), **SCORE, null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["assignment", "pk"]

    def __str__(self) -> str:
        return f"{_('Review')} #{self.pk}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.assignment.application.call.eurocluster_id


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), **SCORE, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["review", "criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class Consensus(models.Model):
    """The final scores of an application, agreed after the individual reviews."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FINAL = "final", _("Final")

    TRANSITIONS = {
        Status.DRAFT: {Status.FINAL},
        Status.FINAL: {Status.DRAFT},  # reopened on an upheld redress
    }
    SCOPE_PATH = "application__call__eurocluster"

    application = models.OneToOneField(Application, on_delete=models.CASCADE,
                                       related_name="consensus")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.DRAFT)
    overall_comment = models.TextField(_("overall comment"), blank=True)
    total = models.DecimalField(_("weighted total"), **SCORE, null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("consensus")
        verbose_name_plural = _("consensus records")

    def __str__(self) -> str:
        return f"{_('Consensus')} · {self.application}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.application.call.eurocluster_id


class ConsensusScore(models.Model):
    consensus = models.ForeignKey(Consensus, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), **SCORE)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("consensus score")
        verbose_name_plural = _("consensus scores")
        ordering = ["consensus", "criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["consensus", "criterion"],
                                    name="consensus_score_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class Ranking(models.Model):
    """The ranking of a call: computed as a draft, approved by a manager, then published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")

    TRANSITIONS = {
        Status.DRAFT: {Status.APPROVED},
        Status.APPROVED: {Status.PUBLISHED, Status.DRAFT},
        Status.PUBLISHED: set(),
    }
    SCOPE_PATH = "call__eurocluster"

    call = models.OneToOneField(OpenCall, on_delete=models.CASCADE, related_name="ranking")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.DRAFT)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_at = models.DateTimeField(_("results published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ranking")
        verbose_name_plural = _("rankings")

    def __str__(self) -> str:
        return f"{_('Ranking')} · {self.call.reference}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.call.eurocluster_id


class RankingEntry(models.Model):
    class Outcome(models.TextChoices):
        SELECTED = "selected", _("Selected for funding")
        RESERVE = "reserve", _("Reserve list")
        REJECTED = "rejected", _("Rejected")

    ranking = models.ForeignKey(Ranking, on_delete=models.CASCADE, related_name="entries")
    application = models.OneToOneField(Application, on_delete=models.CASCADE,
                                       related_name="ranking_entry")
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    total = models.DecimalField(_("weighted total"), **SCORE)
    amount = models.DecimalField(_("amount (EUR)"), **MONEY)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    reserve_position = models.PositiveIntegerField(_("reserve position"), null=True, blank=True)
    # Why rejected (thresholds) or how a tie was broken, in words.
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("ranking entry")
        verbose_name_plural = _("ranking entries")
        ordering = ["ranking", "rank", "pk"]

    def __str__(self) -> str:
        return f"{self.rank}. {self.application} ({self.outcome})"


class RedressRequest(models.Model):
    class Status(models.TextChoices):
        FILED = "filed", _("Filed")
        UPHELD = "upheld", _("Upheld: re-examined")
        DISMISSED = "dismissed", _("Dismissed")

    TRANSITIONS = {
        Status.FILED: {Status.UPHELD, Status.DISMISSED},
        Status.UPHELD: set(),
        Status.DISMISSED: set(),
    }
    SCOPE_PATH = "application__call__eurocluster"

    application = models.ForeignKey(Application, on_delete=models.PROTECT,
                                    related_name="redress_requests")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.FILED)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    reasons = models.TextField(_("reasons"))
    answer = models.TextField(_("answer"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("redress request")
        verbose_name_plural = _("redress requests")
        ordering = ["-filed_at", "-pk"]
        constraints = [
            # One open request per application at a time.
            models.UniqueConstraint(fields=["application"], condition=models.Q(status="filed"),
                                    name="one_open_redress_per_application"),
        ]

    def __str__(self) -> str:
        return f"{_('Redress')} · {self.application}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.application.call.eurocluster_id
