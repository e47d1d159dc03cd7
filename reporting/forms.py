from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from calls.models import OpenCall
from euroclusters.models import Eurocluster
from reporting.models import PublicationWithholding
from reporting.selectors import BeneficiaryFilters


def eurocluster_field() -> forms.ModelChoiceField:
    """A Eurocluster by its slug, as the filters of the list and of the feeds take it."""
    return forms.ModelChoiceField(
        label=_("Eurocluster"), queryset=Eurocluster.objects.all(), to_field_name="slug",
        required=False, error_messages={"invalid_choice": _("There is no such Eurocluster.")})


class BeneficiaryFilterForm(forms.Form):
    """The public filters, read from the query string; an empty field is "any"."""

    eurocluster = eurocluster_field()
    call = forms.ModelChoiceField(
        label=_("Call"), queryset=OpenCall.objects.filter(status__in=OpenCall.VISIBLE),
        to_field_name="slug", required=False,
        error_messages={"invalid_choice": _("There is no such public call.")})
    country = forms.ChoiceField(
        label=_("Country"), choices=[("", "")] + list(countries), required=False,
        error_messages={"invalid_choice": _("Give a country as its two-letter ISO code, such "
                                            "as BE.")})
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=2000, max_value=2100,
        error_messages={"invalid": _("Give a year as four digits, such as 2026."),
                        "min_value": _("Give a year between 2000 and 2100."),
                        "max_value": _("Give a year between 2000 and 2100.")})

    def filters(self) -> BeneficiaryFilters:
        data = self.cleaned_data
        return BeneficiaryFilters(eurocluster=data.get("eurocluster"), call=data.get("call"),
                                  country=data.get("country") or None, year=data.get("year"))


class CallFilterForm(forms.Form):
    """The filters of ``/api/calls.json``."""

    eurocluster = eurocluster_field()
    phase = forms.ChoiceField(
        label=_("Phase"), required=False,
        choices=[("", ""), *((p.value, p.label) for p in (
            OpenCall.Phase.FORTHCOMING, OpenCall.Phase.OPEN, OpenCall.Phase.CLOSED))],
        error_messages={"invalid_choice": _("The phase is forthcoming, open or closed.")})


class WithholdForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this beneficiary not published?"), widget=forms.Textarea(attrs={
            "rows": 2}), min_length=PublicationWithholding.REASON_MIN_CHARS, max_length=2000,
        help_text=_("At least 20 characters; kept in the audit trail. The Financial Regulation "
                    "allows it where publication would harm the beneficiary's safety or "
                    "commercial interests."))
