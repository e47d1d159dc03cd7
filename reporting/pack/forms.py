from django import forms
from django.utils.translation import gettext_lazy as _


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"required": _("Give the first day of the period."),
                                            "invalid": _("Give the first day as YYYY-MM-DD.")})
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}),
                          error_messages={"required": _("Give the last day of the period."),
                                          "invalid": _("Give the last day as YYYY-MM-DD.")})

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(
                _("The period must start on or before its last day."), code="order")
        return data
