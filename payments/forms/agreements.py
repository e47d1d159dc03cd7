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
