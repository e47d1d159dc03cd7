from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.identifiers import InvalidIdentifier, normalise_identifier
from applications.models import (
    Application,
    BudgetLine,
    ConsortiumMember,
    Declaration,
    DeMinimisAid,
    EligibilityResult,
    Organisation,
    RelatedEnterprise,
)
from portal import formats

EUR = {"min_value": Decimal("0"), "max_digits": 14, "decimal_places": 2}


class IdentifierMixin:
    """Checks the VAT or registration number against the chosen country, on the field."""

    def clean(self):
        cleaned = super().clean()
        number, country = cleaned.get("registration_number"), cleaned.get("country")
        if number and country:
            try:
                cleaned["registration_number"] = normalise_identifier(number, str(country))
            except InvalidIdentifier as error:
                self.add_error("registration_number", str(error))
        return cleaned


class OrganisationForm(IdentifierMixin, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["legal_name", "registration_number", "country", "is_natural_person", "street",
                  "postcode", "city", "nace_code", "year_founded", "staff_headcount",
                  "annual_turnover", "balance_sheet_total"]
        help_texts = {
            "staff_headcount": _("Annual work units: full-time staff of the last closed year."),
            "annual_turnover": _("Of the last closed financial year."),
        }

    def clean_year_founded(self):
        year = self.cleaned_data["year_founded"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("The year founded cannot be in the future."))
        return year


class RelatedEnterpriseForm(forms.ModelForm):
    class Meta:
        model = RelatedEnterprise
        fields = ["name", "country", "share_percent", "staff_headcount", "annual_turnover",
                  "balance_sheet_total"]


class DeMinimisAidForm(forms.ModelForm):
    class Meta:
        model = DeMinimisAid
        fields = ["granted_on", "granting_body", "amount"]
        widgets = {"granted_on": forms.DateInput(attrs={"type": "date"})}

    def clean_granted_on(self):
        granted_on = self.cleaned_data["granted_on"]
        if granted_on > timezone.localdate():
            raise forms.ValidationError(_("Aid cannot be granted in the future."))
        return granted_on


def _formset(form_class):
    return forms.formset_factory(form_class, extra=0, can_delete=True, max_num=50,
                                 validate_max=True)


RelatedEnterpriseFormSet = _formset(RelatedEnterpriseForm)
DeMinimisAidFormSet = _formset(DeMinimisAidForm)


class ApplicationDraftForm(forms.ModelForm):
    """The working copy. Every field may be empty while drafting; submission checks completeness."""

    class Meta:
        model = Application
        fields = ["voucher_type", "title", "acronym", "summary", "requested_amount",
                  "planned_start", "duration_months"]
        widgets = {
            "planned_start": forms.DateInput(attrs={"type": "date"}),
            "summary": forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
        }

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self.fields["voucher_type"].queryset = call.voucher_types.all()
        self.fields["voucher_type"].empty_label = _("Choose a voucher type")
        self.fields["requested_amount"].min_value = Decimal("0.01")
        self.fields["requested_amount"].widget.attrs.update({"min": "0.01", "step": "0.01"})
        self.fields["duration_months"].validators.append(_months_validator)
        self.fields["duration_months"].widget.attrs.update({"min": 1, "max": 48})
        if call.expertise_taxonomy:
            # Evaluators are matched on these: the overlap with their expertise guides the
            # assignment.
            self.fields["topics"] = forms.MultipleChoiceField(
                label=_("Topics"), required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(topic, topic) for topic in call.expertise_taxonomy],
                initial=[t for t in (self.instance.topics or []) if t in call.expertise_taxonomy],
                help_text=_("The sectors and technologies of your project, from the call's list."),
            )
        sections = (self.instance.sections or {}) if self.instance else {}
        self.section_keys = []
        for section in call.description_sections:
            name = f"section_{section['key']}"
            self.section_keys.append((name, section["key"]))
            attrs = {"rows": 6, "data-max-chars": section.get("max_chars") or ""}
            # No max_length here: a draft may run over while the person edits; submission
            # checks the limit, so typed text is never thrown away.
            self.fields[name] = forms.CharField(
                label=section["title"], required=False, help_text=section.get("help", ""),
                widget=forms.Textarea(attrs=attrs), initial=sections.get(section["key"], ""),
            )

    def clean_requested_amount(self):
        amount = self.cleaned_data.get("requested_amount")
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("The requested amount must be more than zero."))
        return amount

    def clean_planned_start(self):
        start = self.cleaned_data.get("planned_start")
        if start is not None and start < timezone.localdate():
            raise forms.ValidationError(_("The planned start cannot be in the past."))
        return start

    def clean(self):
        cleaned = super().clean()
        voucher, amount = cleaned.get("voucher_type"), cleaned.get("requested_amount")
        if voucher is not None and amount is not None and not (
            voucher.min_amount <= amount <= voucher.max_amount
        ):
            self.add_error("requested_amount", _(
                "For %(voucher)s the amount must be between EUR %(min)s and EUR %(max)s.")
                % {"voucher": voucher.name, "min": formats.amount(voucher.min_amount),
                   "max": formats.amount(voucher.max_amount)})
        return cleaned

    def draft_fields(self) -> dict:
        """The valid fields only, so an autosave keeps them while the person fixes the rest."""
        fields = {name: value for name, value in self.cleaned_data.items()
                  if name in self.Meta.fields and name not in self.errors}
        sections = dict(self.instance.sections or {})
        for name, key in self.section_keys:
            if name in self.cleaned_data:
                sections[key] = self.cleaned_data[name]
        fields["sections"] = sections
        if "topics" in self.cleaned_data and "topics" not in self.errors:
            chosen = set(self.cleaned_data["topics"])
            fields["topics"] = [t for t in self.call.expertise_taxonomy if t in chosen]
        return fields


def _months_validator(value):
    if value is not None and not 1 <= value <= 48:
        raise forms.ValidationError(_("The duration must be between 1 and 48 months."))


class BudgetLineForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = ["category", "description", "amount"]

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("A budget line must be more than zero."))
        return amount


class ConsortiumMemberForm(IdentifierMixin, forms.ModelForm):
    class Meta:
        model = ConsortiumMember
        fields = ["legal_name", "registration_number", "country", "contact_email",
                  "staff_headcount", "annual_turnover", "balance_sheet_total", "role"]


BudgetLineFormSet = _formset(BudgetLineForm)
ConsortiumMemberFormSet = _formset(ConsortiumMemberForm)


def formset_rows(formset) -> list[dict]:
    """The cleaned rows of a valid formset, without deleted and untouched empty rows."""
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def rows_formset(formset_class, data, *, prefix: str, rows):
    """A formset of ``rows`` (stored objects) for display, or bound to the posted ``data``.

    A bound formset gets no ``initial``: the post is the whole truth. With the stored rows as
    initial, a posted row equal to its stored row would count as unchanged and come back empty,
    and saving would delete it.
    """
    if data is not None:
        return formset_class(data, prefix=prefix)
    fields = list(formset_class.form.base_fields)
    return formset_class(prefix=prefix,
                         initial=[{name: getattr(obj, name) for name in fields} for obj in rows])


class AttachmentForm(forms.Form):
    required_document = forms.ModelChoiceField(queryset=None, required=False,
                                               label=_("Document"),
                                               empty_label=_("Other supporting document"))
    file = forms.FileField(label=_("PDF file"),
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}))

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_document"].queryset = call.required_documents.all()


class SubmitForm(forms.Form):
    declarations = forms.MultipleChoiceField(
        choices=Declaration.choices, widget=forms.CheckboxSelectMultiple, required=False,
        label=_("Declarations of honour"),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why are you withdrawing? (optional)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    confirm = forms.BooleanField(label=_("I understand that a withdrawn application cannot be "
                                         "submitted again."))


class EligibilityDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[(EligibilityResult.Outcome.ELIGIBLE, _("Eligible")),
                 (EligibilityResult.Outcome.INELIGIBLE, _("Not eligible"))],
    )
    justification = forms.CharField(
        label=_("Justification"), min_length=20, max_length=4000,
        error_messages={"min_length": _(
            "Write a justification of at least %(limit_value)d characters: it is kept in the "
            "audit trail and may be read in a redress procedure.")},
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Kept in the audit trail. When the application is not eligible, the "
                    "applicant reads it with the reasons."),
    )
