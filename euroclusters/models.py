from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Objective(models.TextChoices):
    RESILIENCE = "resilience", _("Network for resilience")
    AUTONOMY = "autonomy", _("Innovate for strategic autonomy")
    GREEN_DIGITAL = "green_digital", _("Adopt green and digital")
    TRAIN = "train", _("Train")
    INTERNATIONAL = "international", _("Go international")
    OUTREACH = "outreach", _("Outreach")


class Eurocluster(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40, unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    strand = models.CharField(_("strand"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    cascade_budget = models.DecimalField(
        _("cascade-funding budget (EUR)"), max_digits=12, decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    # The grant's total EU contribution: the dashboard shows the cascade budget's share of it.
    total_budget = models.DecimalField(
        _("total budget of the grant (EUR)"), max_digits=12, decimal_places=2, null=True,
        blank=True, validators=[MinValueValidator(0)],
        help_text=_("The EU contribution to the whole Eurocluster grant; the cascade-funding "
                    "budget is part of it."))
    website = models.URLField(_("website"), blank=True)
    # The granting party of the grant agreements: where the consortium (its coordinator) is
    # established and registered.
    address = models.CharField(
        _("address"), max_length=300, blank=True,
        help_text=_("Postal address of the granting party, as the grant agreements print it."),
    )
    registration_number = models.CharField(
        _("VAT or registration number"), max_length=40, blank=True,
        help_text=_("Of the granting party, as the grant agreements print it."),
    )
    # The account the vouchers are paid from (the debtor of the SEPA credit transfers). IBAN and
    # BIC are checked with schwifty in the admin form.
    account_holder = models.CharField(_("account holder"), max_length=70, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    # The grant's action period: the KPIs' "on track" line runs from the first day to the last.
    starts_on = models.DateField(_("first day of the grant"), null=True, blank=True)
    ends_on = models.DateField(_("last day of the grant"), null=True, blank=True,
                               help_text=_("The KPI targets are due by this day."))

    class Meta:
        verbose_name = _("Eurocluster")
        verbose_name_plural = _("Euroclusters")
        ordering = ["acronym"]

    def __str__(self) -> str:
        return self.acronym

    def clean(self) -> None:
        super().clean()
        if (self.total_budget is not None and self.cascade_budget is not None
                and self.cascade_budget > self.total_budget):
            raise ValidationError({"total_budget": _(
                "The total budget cannot be less than the cascade-funding budget, which is part "
                "of it.")})

    @property
    def cascade_share(self):
        """The cascade budget as a percentage of the total, to one decimal (None: unknown)."""
        if not self.total_budget:
            return None
        return (self.cascade_budget * 100 / self.total_budget).quantize(Decimal("0.1"))

    @property
    def scope_eurocluster_id(self) -> int:
        return self.pk


class Partner(models.Model):
    """A cluster organisation of the consortium that runs the Eurocluster. Partners cannot apply."""

    eurocluster = models.ForeignKey(Eurocluster, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(_("name"), max_length=200)
    country = CountryField(_("country"))
    registration_number = models.CharField(
        _("VAT or registration number"), max_length=40, blank=True,
        help_text=_("Used to refuse applications from partners of the Eurocluster."),
    )
    is_coordinator = models.BooleanField(_("coordinator"), default=False)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["-is_coordinator", "name"]
        constraints = [
            models.UniqueConstraint(fields=["eurocluster", "name"], name="partner_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country.code})"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.eurocluster_id


class Membership(models.Model):
    """A person's role in one Eurocluster. Roles are per Eurocluster, never global."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("Cluster manager")
        FINANCE = "finance", _("Finance officer")
        OBSERVER = "observer", _("Observer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    eurocluster = models.ForeignKey(
        Eurocluster, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "eurocluster"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.eurocluster}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.eurocluster_id


class KpiTarget(models.Model):
    class Measure(models.TextChoices):
        """How the actual value is found: reported by a manager, or one of the computations of
        ``reporting.kpis.computations`` over the portal's own data (same names)."""

        REPORTED = "reported", _("Reported by a manager")
        PROJECTS_FUNDED = "projects_funded", _("Projects funded")
        SMES_SUPPORTED = "smes_supported", _("SMEs supported")
        SMES_INTERNATIONALISED = "smes_internationalised", _("SMEs internationalised")
        AMOUNT_CONTRACTED = "amount_contracted", _("Amount contracted (EUR)")
        AMOUNT_PAID = "amount_paid", _("Amount paid (EUR)")
        COUNTRIES_REACHED = "countries_reached", _("Countries reached")
        NEW_PRODUCTS = "new_products", _("New products or services")
        BUSINESS_AGREEMENTS = "business_agreements", _("Business agreements signed")

    eurocluster = models.ForeignKey(
        Eurocluster, on_delete=models.CASCADE, related_name="kpi_targets"
    )
    name = models.CharField(_("indicator"), max_length=200)
    objective = models.CharField(_("objective"), max_length=32, choices=Objective.choices)
    target = models.PositiveIntegerField(_("target"))
    measure = models.CharField(_("measured as"), max_length=32, choices=Measure.choices,
                               default=Measure.REPORTED)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["eurocluster", "name"]
        constraints = [
            models.UniqueConstraint(fields=["eurocluster", "name"], name="kpi_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.target}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.eurocluster_id
