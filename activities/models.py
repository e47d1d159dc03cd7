"""Support activities: the non-financial support that the Euroclusters' KPIs count (training
sessions, B2B meetings, internationalisation missions, consultancy, business agreements), and the
organisations that took part in each.

A participant is known by its identity key (``applications.identifiers.identity_key`` of its VAT
or registration number and country), the same key under which ``payments.ThirdParty`` knows a
funded enterprise, so that one SME counts once across activities and calls.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from applications.models import Organisation
from euroclusters.models import Eurocluster, Objective


class Activity(models.Model):
    class Kind(models.TextChoices):
        TRAINING = "training", _("Training session")
        B2B_MEETING = "b2b_meeting", _("B2B meeting")
        MISSION = "mission", _("Internationalisation mission")
        CONSULTANCY = "consultancy", _("Consultancy")
        BUSINESS_AGREEMENT = "business_agreement", _("Business agreement")
        OTHER = "other", _("Other")

    # A business agreement is signed by two parties at least: its participants.
    MIN_PARTIES = 2

    eurocluster = models.ForeignKey(Eurocluster, on_delete=models.PROTECT,
                                    related_name="activities", verbose_name=_("Eurocluster"))
    kind = models.CharField(_("type"), max_length=24, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=250)
    starts_on = models.DateField(_("date"), help_text=_("The first day (a business agreement: "
                                                        "the day it was signed)."))
    ends_on = models.DateField(_("last day"), null=True, blank=True,
                               help_text=_("Empty for a one-day activity."))
    place = models.CharField(_("place"), max_length=250, blank=True)
    online = models.BooleanField(_("online"), default=False)
    objective = models.CharField(_("objective"), max_length=32, choices=Objective.choices)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("support activity")
        verbose_name_plural = _("support activities")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["eurocluster", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="activity_ends_after_start",
                violation_error_message=_("The last day cannot be before the first day.")),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:detail", args=[self.pk])

    @property
    def scope_eurocluster_id(self) -> int:
        return self.eurocluster_id

    @property
    def is_business_agreement(self) -> bool:
        return self.kind == self.Kind.BUSINESS_AGREEMENT


class Participant(models.Model):
    """An organisation that took part in an activity (a party, for a business agreement): one
    known to the portal, or one entered by name, country and registration number."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE,
                                 related_name="participants")
    # Set when the participant is an enterprise of the portal (picked, or matched by its number).
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="activity_participations")
    name = models.CharField(_("name"), max_length=250)
    country = CountryField(_("country"))
    registration_number = models.CharField(_("VAT or company registration number"),
                                           max_length=80)
    identity_key = models.CharField(max_length=100, db_index=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "identity_key"],
                                    name="participant_once_per_activity"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country.code})"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.activity.eurocluster_id


class ParticipantImport(models.Model):
    """A CSV file of participants read and checked, kept until its uploader confirms it.

    ``rows`` holds every data row with its line number: the accepted ones with the participant
    they make, the refused ones with the reason. Bounded by the size and row limits of
    ``activities.participants_csv``.
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="+")
    filename = models.CharField(max_length=200)
    rows = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.filename

    @property
    def scope_eurocluster_id(self) -> int:
        return self.activity.eurocluster_id

    @property
    def accepted(self) -> list[dict]:
        return [row for row in self.rows if not row.get("error")]

    @property
    def refused(self) -> list[dict]:
        return [row for row in self.rows if row.get("error")]
