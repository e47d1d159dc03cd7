"""Forms of the Eurocluster administration: the paying account checked with schwifty."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from euroclusters.models import Eurocluster


class EuroclusterForm(forms.ModelForm):
    """The paying account (the debtor of the SEPA credit transfers): holder, IBAN and BIC are
    given together or not at all; the IBAN's check digits and the BIC's format are checked, and
    both are stored in their compact, upper-case form."""

    website = forms.URLField(label=Eurocluster._meta.get_field("website").verbose_name,
                             required=False, assume_scheme="https")

    class Meta:
        model = Eurocluster
        fields = ["name", "acronym", "slug", "strand", "description", "cascade_budget",
                  "website", "account_holder", "iban", "bic"]

    def clean_iban(self) -> str:
        value = (self.cleaned_data.get("iban") or "").strip()
        if not value:
            return ""
        try:
            return IBAN(value).compact
        except (SchwiftyException, ValueError) as error:
            raise ValidationError(_("This IBAN is not valid: %(error)s.") % {"error": error},
                                  code="invalid_iban") from error

    def clean_bic(self) -> str:
        value = (self.cleaned_data.get("bic") or "").strip()
        if not value:
            return ""
        try:
            return BIC(value).compact
        except (SchwiftyException, ValueError) as error:
            raise ValidationError(_("This BIC is not valid: %(error)s.") % {"error": error},
                                  code="invalid_bic") from error

    def clean_account_holder(self) -> str:
        return " ".join((self.cleaned_data.get("account_holder") or "").split())

    def clean(self):
        cleaned = super().clean()
        names = ("account_holder", "iban", "bic")
        given = {name for name in names if cleaned.get(name)}
        if given and given != set(names) and not any(n in self.errors for n in names):
            for name in set(names) - given:
                self.add_error(name, ValidationError(
                    _("The paying account needs its holder, IBAN and BIC together."),
                    code="account_incomplete"))
        return cleaned
