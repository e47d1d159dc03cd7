"""Forms of the evaluator pool, the assignment pages, the invitation and the profile."""

import re

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField


class InviteForm(forms.Form):
    emails = forms.CharField(
        label=_("E-mail addresses"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or several addresses, separated by new lines, commas or semicolons."),
    )
    name = forms.CharField(label=_("Full name"), required=False, max_length=200,
                           help_text=_("Used for a new account when one address is given."))

    def clean_emails(self) -> list[str]:
        values = [v for v in re.split(r"[\s,;]+", self.cleaned_data["emails"]) if v]
        if not values:
            raise ValidationError(_("Enter at least one e-mail address."))
        wrong = []
        for value in values:
            try:
                validate_email(value)
            except ValidationError:
                wrong.append(value)
        if wrong:
            raise ValidationError(_("Not valid e-mail addresses: %(list)s")
                                  % {"list": ", ".join(wrong)})
        seen, result = set(), []
        for value in values:
            if value.lower() not in seen:
                seen.add(value.lower())
                result.append(value)
        if len(result) > 200:
            raise ValidationError(_("Invite at most 200 people at once."))
        return result


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class RapporteurForm(forms.Form):
    is_rapporteur = forms.BooleanField(required=False)


class AddEvaluatorForm(forms.Form):
    """Choose an evaluator among the allowed candidates (the excluded ones are shown, disabled,
    by the template, and refused here)."""

    evaluator = forms.TypedChoiceField(label=_("Evaluator"), coerce=int, choices=())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].choices = [(c.entry.pk, str(c.entry.user)) for c in allowed]


class SwapForm(AddEvaluatorForm):
    assignment = forms.IntegerField(widget=forms.HiddenInput)


class RemoveAssignmentForm(ReasonForm):
    assignment = forms.IntegerField(widget=forms.HiddenInput)


class InvitationAcceptForm(forms.Form):
    """For an invited person without a password yet: name and password of the new account."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password (again)"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                validate_password(first, self.user)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in re.split(r"[\n;]+", text or "") if line.strip()]


class ProfileForm(forms.Form):
    expertise = forms.MultipleChoiceField(label=_("Expertise"), required=False,
                                          widget=forms.CheckboxSelectMultiple, choices=())
    other_expertise = forms.CharField(
        label=_("Other expertise"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One sector or technology per line."))
    country = LazyTypedChoiceField(label=_("Country of residence"), required=False,
                                   choices=[("", "---------"), *countries])
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=250,
                                   help_text=_("Where you work; leave empty if independent."))
    organisation_number = forms.CharField(
        label=_("Organisation's VAT or registration number"), required=False, max_length=80,
        help_text=_("Used to keep you away from proposals of your own organisation."))
    languages = forms.CharField(label=_("Languages"), required=False, max_length=200,
                                help_text=_("ISO 639-1 codes separated by commas, e.g. en, fr."))
    max_proposals_per_call = forms.IntegerField(label=_("Most proposals per call"), min_value=1,
                                                max_value=200)

    def __init__(self, *args, taxonomy=(), profile=None, **kwargs):
        initial = kwargs.pop("initial", None) or {}
        known = {t.casefold() for t in taxonomy}
        if profile is not None:
            own = list(profile.expertise or [])
            initial = {
                "expertise": [t for t in taxonomy
                              if t.casefold() in {e.casefold() for e in own}],
                "other_expertise": "\n".join(e for e in own if e.casefold() not in known),
                "country": profile.country.code or "",
                "organisation": profile.organisation,
                "organisation_number": profile.organisation_number,
                "languages": ", ".join(profile.languages or []),
                "max_proposals_per_call": profile.max_proposals_per_call,
                **initial,
            }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["expertise"].choices = [(t, t) for t in taxonomy]

    def clean_languages(self) -> list[str]:
        codes = [c.strip().lower() for c in re.split(r"[\s,;]+", self.cleaned_data["languages"])
                 if c.strip()]
        wrong = [c for c in codes if not re.fullmatch(r"[a-z]{2}", c)]
        if wrong:
            raise ValidationError(_("Use two-letter language codes (ISO 639-1): %(list)s")
                                  % {"list": ", ".join(wrong)})
        return codes

    def profile_data(self) -> dict:
        data = self.cleaned_data
        return {
            "expertise": [*data["expertise"], *_lines(data["other_expertise"])],
            "country": data["country"] or "",
            "organisation": data["organisation"],
            "organisation_number": data["organisation_number"],
            "languages": data["languages"],
            "max_proposals_per_call": data["max_proposals_per_call"],
        }
