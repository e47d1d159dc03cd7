"""Forms of the call administration."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from modeltranslation.utils import build_localized_fieldname

from calls.models import EligibilityRule, OpenCall


def country_choices() -> list[tuple[str, str]]:
    return [(country.code, country.name) for country in countries]


class OpenCallAdminForm(forms.ModelForm):
    # A list of ISO codes typed as JSON is easy to get wrong; pick the countries instead.
    eligible_countries = forms.MultipleChoiceField(
        label=_("eligible countries"),
        choices=country_choices,
        widget=FilteredSelectMultiple(_("countries"), is_stacked=False),
        help_text=_("Where an applicant must be legally established. Default: the EU 27 and the "
                    "countries associated to the Single Market Programme."),
    )

    eligibility_rules = forms.MultipleChoiceField(
        label=_("eligibility checks"),
        choices=EligibilityRule.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The automatic checks run on every submitted application. A check left out "
                    "is not applied to this call."),
    )

    # One topic per line reads better than a JSON list.
    expertise_taxonomy = forms.CharField(
        label=_("expertise taxonomy"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("One sector or technology per line. Applicants tag their proposal with them "
                    "and evaluators their expertise; the overlap guides the assignment."),
    )

    class Meta:
        model = OpenCall
        # The admin passes the fields of its fieldsets; these name the ones the form changes.
        fields = ["eligible_countries", "eligibility_rules", "expertise_taxonomy"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "expertise_taxonomy" in self.fields:
            self.initial["expertise_taxonomy"] = "\n".join(self.instance.expertise_taxonomy or [])

    def clean_expertise_taxonomy(self) -> list[str]:
        topics: list[str] = []
        for line in self.cleaned_data["expertise_taxonomy"].splitlines():
            topic = " ".join(line.split())
            if len(topic) > 80:
                raise ValidationError(gettext("“%(topic)s…” is longer than 80 characters.")
                                      % {"topic": topic[:40]})
            if topic and topic.casefold() not in {t.casefold() for t in topics}:
                topics.append(topic)
        return topics

    def clean(self):
        """The title and summary must be given in the call's own language: they are what a
        visitor reads where her language has none (calls.translation)."""
        data = super().clean()
        language = data.get("language")
        for field in ("title", "summary"):
            name = build_localized_fieldname(field, language or "")
            if language and name in self.fields and not data.get(name):
                self.add_error(name, gettext(
                    "Write the %(field)s in the call's own language (%(language)s): visitors "
                    "whose language has no %(field)s read that one.") % {
                        "field": OpenCall._meta.get_field(field).verbose_name,
                        "language": dict(settings.LANGUAGES)[language]})
        return data

    def clean_eligibility_rules(self) -> list[str]:
        chosen = set(self.cleaned_data["eligibility_rules"])
        return [code for code in EligibilityRule.values if code in chosen]

    def clean_eligible_countries(self) -> list[str]:
        return sorted(set(self.cleaned_data["eligible_countries"]))


def _percent(value: Decimal) -> str:
    """90.00 -> "90", 99.50 -> "99.5": the total as a person would write it."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class TrancheStepFormSet(forms.BaseInlineFormSet):
    """The tranches of a call must share out the whole grant: 100 % when any are given."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return  # Each tranche's own errors first; a total of half-valid rows misleads.
        total, count = Decimal("0"), 0
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self.can_delete and self._should_delete_form(
                form
            ):
                continue
            percentage = form.cleaned_data.get("percentage")
            if percentage is None:
                continue
            total += percentage
            count += 1
        if count and total != Decimal("100"):
            raise ValidationError(
                gettext("The tranche percentages must add up to 100 %%; they now add up to "
                        "%(total)s %%.") % {"total": _percent(total)},
                code="tranche_total",
            )
