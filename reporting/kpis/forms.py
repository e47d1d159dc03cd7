from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class KpiValueForm(forms.Form):
    value = forms.IntegerField(label=_("Value"), min_value=0)
    measured_on = forms.DateField(label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text=_("The day the value was counted."))
    note = forms.CharField(label=_("Note"), required=False, strip=True,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("How it was counted, what the evidence is."))
    evidence = forms.FileField(label=_("Evidence (PDF, optional)"), required=False)

    def clean_measured_on(self):
        day = self.cleaned_data["measured_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The day cannot be in the future."))
        return day
