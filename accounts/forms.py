from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class EraseAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To be sure it is you."))


class LanguageForm(forms.Form):
    """The language switcher: one of the portal's languages, and the page to go back to."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, error_messages={
        "invalid_choice": _("The portal is not available in that language."),
        "required": _("Choose a language.")})
    next = forms.CharField(required=False)
