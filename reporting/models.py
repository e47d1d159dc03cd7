"""What the reporting app stores of its own: the beneficiaries whose publication is withheld,
and the values of the KPIs that managers report."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from euroclusters.models import KpiTarget
from payments.models import GrantAgreement
from portal.models import ScannedUpload


class PublicationWithholding(models.Model):
    """A manager keeps a beneficiary out of the public list (Financial Regulation: publication
    would harm its safety or commercial interests). Publishing again deletes the row; the audit
    trail of the agreement keeps both decisions with their reasons."""

    SCOPE_PATH = "agreement__application__call__eurocluster"
    REASON_MIN_CHARS = 20

    agreement = models.OneToOneField(GrantAgreement, on_delete=models.CASCADE,
                                     related_name="publication_withholding")
    reason = models.TextField(_("reason"))
    withheld_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    withheld_at = models.DateTimeField(_("withheld at"), auto_now_add=True)

    class Meta:
        verbose_name = _("withheld publication")
        verbose_name_plural = _("withheld publications")
        ordering = ["-withheld_at", "-pk"]

    def __str__(self) -> str:
        return f"{_('Withheld')} · {self.agreement_id}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.agreement.application.call.eurocluster_id


def kpi_evidence_path(instance, filename: str) -> str:
    return f"kpis/{instance.target_id}/{uuid.uuid4().hex}.pdf"


class KpiValue(ScannedUpload):
    """A value of a reported KPI, entered by a manager as of a day, with a note and an optional
    PDF as evidence (private storage, served by a permission-checked view). Never changed: a
    correction is a new entry; the latest by date is the KPI's actual value."""

    SCOPE_PATH = "target__eurocluster"
    SCANNED_FILE_FIELD = "evidence"
    SCAN_NAME_FIELD = "evidence_name"
    SCAN_SUBJECT = "target"
    SCAN_OWNER = "recorded_by"

    target = models.ForeignKey(KpiTarget, on_delete=models.CASCADE, related_name="values",
                               verbose_name=_("KPI"))
    value = models.PositiveIntegerField(_("value"))
    measured_on = models.DateField(_("as of"))
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(upload_to=kpi_evidence_path, max_length=300, blank=True)
    evidence_name = models.CharField(_("evidence"), max_length=160, blank=True)
    evidence_size = models.PositiveIntegerField(null=True, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reported KPI value")
        verbose_name_plural = _("reported KPI values")
        ordering = ["-measured_on", "-pk"]
        indexes = [models.Index(fields=["target", "measured_on"])]

    def __str__(self) -> str:
        return f"{self.target.name}: {self.value} ({self.measured_on})"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.target.eurocluster_id


def export_path(export: "Export", filename: str) -> str:
    return f"exports/{export.requested_by_id}/{export.pk or 'new'}-{filename}"


class Export(models.Model):
    """A large export, built by a task (``reporting.build_export``) and offered for download to
    the person who asked, and to nobody else, until ``expires_at`` (then the file is removed)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being built")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    TRANSITIONS = {
        Status.QUEUED: {Status.RUNNING, Status.FAILED},
        Status.RUNNING: {Status.READY, Status.FAILED},
        Status.READY: {Status.EXPIRED},
        Status.FAILED: {Status.EXPIRED},
        Status.EXPIRED: set(),
    }
    LIVE = (Status.QUEUED, Status.RUNNING)

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                     related_name="+")
    name = models.CharField(_("export"), max_length=40)
    file_format = models.CharField(_("format"), max_length=4)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(upload_to=export_path, max_length=300, blank=True)
    error = models.TextField(_("why it failed"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("removed after"))

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name}.{self.file_format} #{self.pk}"
