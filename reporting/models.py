"""What the reporting app stores of its own: the beneficiaries whose publication is withheld."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from payments.models import GrantAgreement


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
