"""Forms of the agreements part: signing (beneficiary and manager alike), the manager's actions
on a call's agreements, and the public verification."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SignForm(forms.Form):
    """Password, full name and acceptance. The checks themselves are the service's (one place
    decides, and audits every refusal): the fields only gather what was typed."""

    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete":
                                                                 "current-password"}))
    full_name = forms.CharField(label=_("Your full name"), max_length=200,
                                help_text=_("Type it as in your account."))
    accept = forms.BooleanField(
        label=_("I have read the agreement and accept its terms; typing my name and my password "
                "signs it electronically."), required=False)
    # The fingerprint of the document shown on the page: a signature binds to what was read,
    # never to a revision generated after the page was opened.
    document_sha256 = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class AgreementActionForm(forms.Form):
    ACTIONS = (
        ("generate_missing", _("Generate now")),
        ("generate", _("Generate")),
        ("regenerate", _("Generate again")),
    )
    action = forms.ChoiceField(choices=ACTIONS)
    application = forms.IntegerField(required=False, min_value=1)

    def clean(self):
        data = super().clean()
        if data.get("action") in ("generate", "regenerate") and not data.get("application"):
            raise forms.ValidationError(_("Choose the application."))
        return data


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=40, strip=True,
                           help_text=_("The 12 characters printed on the signature page."))


class ReportDatesForm(forms.Form):
    """One date per report tranche of an agreement: the day its report is due."""

    LABELS = {
        "interim_report_approved": _("Interim report due by"),
        "final_report_approved": _("Final report due by"),
    }

    def __init__(self, *args, tranches, **kwargs):
        super().__init__(*args, **kwargs)
        self.tranches = list(tranches)
        for tranche in self.tranches:
            self.fields[f"tranche_{tranche.pk}"] = forms.DateField(
                label=self.LABELS.get(tranche.event, tranche.get_event_display()),
                initial=tranche.report_due_on,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                help_text=_("Tranche %(n)d (%(share)s %%): the beneficiary is reminded 14 and 3 "
                            "days before.") % {"n": tranche.position, "share": tranche.percentage})

    def dates(self) -> dict:
        return {t.pk: self.cleaned_data[f"tranche_{t.pk}"] for t in self.tranches}
