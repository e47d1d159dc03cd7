import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

# The columns an entry is written with; none of them ever changes (the PostgreSQL trigger below).
CONTENT_COLUMNS = ("id", "content_type_id", "object_id", "action", "from_state", "to_state",
                   "actor_id", "reason", "data", "created_at")
# Sealing writes these once, on an entry whose ``seq`` is still empty (portal.audit.audit_seal).
SEAL_COLUMNS = ("seq", "previous_hash", "hash")


def _old_new(columns) -> tuple[str, str]:
    return (", ".join(f"OLD.{c}" for c in columns), ", ".join(f"NEW.{c}" for c in columns))


_OLD, _NEW = _old_new(CONTENT_COLUMNS)
# Refused: any change of a sealed entry; a change of a written column; a Eurocluster changed once
# it is set (an entry written before the column existed may have it filled in once, unsealed).
_FROZEN = (f"OLD.seq IS NOT NULL OR ({_OLD}) IS DISTINCT FROM ({_NEW})"
           " OR (OLD.eurocluster_id IS NOT NULL"
           " AND NEW.eurocluster_id IS DISTINCT FROM OLD.eurocluster_id)")


class AuditEntry(models.Model):
    """One line of the audit trail: who did what to which object, when, and why.

    Tamper-evident: a sealer (``portal.audit.audit_seal``) puts each entry in one chain, in the
    order the entries committed: ``seq`` is its position (1, 2, 3, ... without gaps),
    ``previous_hash`` the hash of entry ``seq - 1`` and ``hash`` the SHA-256 of its own columns
    and ``previous_hash``. An edited entry no longer matches its hash; a removed one leaves a gap
    in ``seq`` and a broken link (``manage.py audit_verify``). On PostgreSQL a trigger refuses
    every DELETE and every UPDATE except the sealing itself.

    People appear only by ``actor_id`` (and in ``data`` only by ids): their name and e-mail live
    in their ``User`` row, which erasure pseudonymises; an audit entry never needs a rewrite.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=64)
    from_state = models.CharField(_("from"), max_length=32, blank=True)
    to_state = models.CharField(_("to"), max_length=32, blank=True)
    # PROTECT, never SET_NULL: setting the column would be an UPDATE, which the trigger refuses.
    # A person who must be erased is pseudonymised in place, never deleted (see accounts).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    # The Eurocluster of the subject (its ``scope_eurocluster_id``) when written, for the
    # managers' audit page; empty for subjects of no one Eurocluster (an enterprise, a person),
    # which only superusers see. A plain column, not a foreign key: portal is the bottom floor.
    eurocluster_id = models.PositiveBigIntegerField(_("Eurocluster"), null=True, blank=True,
                                                    db_index=True)
    seq = models.PositiveBigIntegerField(_("position in the chain"), null=True, blank=True,
                                         unique=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"]),
                   models.Index(fields=["eurocluster_id", "-created_at"],
                                name="audit_eurocluster_recent")]
        # PostgreSQL only (pgtrigger installs nothing on another database). TRUNCATE is not
        # covered: it is how the test suite empties tables, and it needs the table's owner.
        triggers = [
            pgtrigger.Protect(name="audit_entry_no_delete", operation=pgtrigger.Delete),
            pgtrigger.Protect(name="audit_entry_sealed_once", operation=pgtrigger.Update,
                              condition=pgtrigger.Condition(_FROZEN)),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}->{self.to_state}"

    @property
    def scope_eurocluster_id(self) -> int | None:
        return self.eurocluster_id


class ScanStatus(models.TextChoices):
    """What the virus scan said of a stored upload. An upload found infected when it arrives is
    refused and never stored; INFECTED is reached only by a pending file scanned later (its file
    is then deleted)."""

    PENDING = "pending", _("Scan pending")
    CLEAN = "clean", _("Scanned: clean")
    SKIPPED = "skipped", _("Not scanned (scanning is off)")
    INFECTED = "infected", _("Refused: infected")


# Only these are served, listed as attached and counted for a submission.
SERVABLE_SCAN_STATUSES = frozenset({ScanStatus.CLEAN, ScanStatus.SKIPPED})


class ScannedUpload(models.Model):
    """An uploaded file scanned for viruses: its scan status, when, and (once found infected
    while pending) the threat. ``SCANNED_FILE_FIELD`` names the file; ``SCAN_SUBJECT`` the
    attribute whose object the audit records about; ``SCAN_OWNER`` the user told about it.
    The beat task ``portal.scan_pending`` finds every concrete subclass."""

    SCANNED_FILE_FIELD = "file"
    SCAN_NAME_FIELD = "original_name"
    SCAN_SUBJECT = ""
    SCAN_OWNER = "uploaded_by"

    # Files stored before scanning existed were never scanned: "skipped" says so honestly.
    scan_status = models.CharField(_("virus scan"), max_length=16, choices=ScanStatus.choices,
                                   default=ScanStatus.SKIPPED, db_index=True)
    scanned_at = models.DateTimeField(_("scanned at"), null=True, blank=True)
    scan_signature = models.CharField(_("threat found"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def is_servable(self) -> bool:
        return self.scan_status in SERVABLE_SCAN_STATUSES

    @property
    def is_scan_pending(self) -> bool:
        return self.scan_status == ScanStatus.PENDING

    @property
    def is_infected(self) -> bool:
        return self.scan_status == ScanStatus.INFECTED


class Notification(models.Model):
    """Something the portal told a person: read again in her notification centre, e-mailed
    at once, in her daily digest or not at all (``portal.notifications.notify``)."""

    class Delivery(models.TextChoices):
        PENDING = "pending", _("to be e-mailed")
        SENT = "sent", _("e-mailed")
        FAILED = "failed", _("e-mail failed")
        DIGEST = "digest", _("for the daily digest")
        DIGESTED = "digested", _("e-mailed in a digest")
        OFF = "off", _("not e-mailed (preference)")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField(_("kind"), max_length=64)
    text = models.CharField(_("text"), max_length=300)
    body = models.TextField(_("e-mail body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    delivery = models.CharField(_("e-mail"), max_length=16, choices=Delivery.choices,
                                default=Delivery.PENDING)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_list"),
            # The bell's unread count: a partial index of the few unread rows.
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True),
                         name="notification_unread"),
            # The daily digest's few waiting rows ("digest" is Delivery.DIGEST, which the Meta
            # cannot name).
            models.Index(fields=["recipient"], condition=models.Q(delivery="digest"),
                         name="notification_digest"),
        ]

    def __str__(self) -> str:
        return self.text


class Reminder(models.Model):
    """A reminder sent to a person, once (``portal.reminders``): the unique ``key`` names the
    event, e.g. ``draft-7d:12:20270115`` (the 7-day reminder of application 12's deadline of 15
    January 2027), so that a beat task run twice, or two beat processes, send it once."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="reminders")
    key = models.CharField(_("event"), max_length=120)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    notification = models.ForeignKey(Notification, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+")

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return self.key


class NotificationPreference(models.Model):
    """How a person wants the notifications of one non-essential kind: e-mailed at once, in a
    daily digest, or not e-mailed at all (they stay in her notification centre). No row means
    at once. Essential kinds ignore it (``portal.notifications.notify``)."""

    class Choice(models.TextChoices):
        IMMEDIATE = "immediate", _("E-mail at once")
        DIGEST = "digest", _("Daily digest")
        OFF = "off", _("No e-mail")

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=64)
    choice = models.CharField(_("e-mail"), max_length=16, choices=Choice.choices,
                              default=Choice.IMMEDIATE)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        constraints = [models.UniqueConstraint(fields=["person", "kind"],
                                               name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.choice}"
