"""Forms of the finance part: a new batch, the batch's actions (export, send, fill again,
reopen), and settling a payment (paid with the bank's reference, or failed with the reason)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class BatchCreateForm(forms.Form):
    eurocluster = forms.ModelChoiceField(queryset=None, label=_("Eurocluster"))

    def __init__(self, *args, euroclusters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["eurocluster"].queryset = euroclusters


class BatchActionForm(forms.Form):
    ACTIONS = (
        ("export", _("Export the SEPA file")),
        ("send", _("Mark as sent to the bank")),
        ("fill", _("Fill again")),
        ("reopen", _("Back to draft")),
    )
    action = forms.ChoiceField(choices=ACTIONS)
    execution_date = forms.DateField(
        label=_("Execution date"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day the bank should pay. Empty: the next business day."))
    reason = forms.CharField(label=_("Why back to draft"), required=False, max_length=500,
                             strip=True)


class PaymentPaidForm(forms.Form):
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=100, strip=True)


class PaymentFailedForm(forms.Form):
    reason = forms.CharField(label=_("Why it failed"), strip=True,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("The bank's return reason. The tranche goes back to "
                                         "approved, ready for a later batch."))
