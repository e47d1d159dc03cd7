"""Forms of the beneficiary's money side: bank details, a progress report and its attachments,
the manager's review and the finance officer's decision on a change of bank details."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from payments.services.beneficiary.bank import bank_details_clean
from payments.services.beneficiary.reports import MIN_COMMENT_CHARS, MIN_REPORT_CHARS


class BankAccountForm(forms.Form):
    holder = forms.CharField(label=_("Account holder"), max_length=200,
                             help_text=_("As the bank knows it; letters without accents."))
    iban = forms.CharField(label=_("IBAN"), max_length=60,
                           help_text=_("Spaces are fine, e.g. BE68 5390 0754 7034."))
    bic = forms.CharField(label=_("BIC"), max_length=20,
                          help_text=_("8 or 11 characters, e.g. GKCCBEBB."))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        clean, errors = bank_details_clean(holder=data["holder"], iban=data["iban"],
                                           bic=data["bic"])
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field or None, message)
        return {**data, **clean}


class ReportForm(forms.Form):
    text = forms.CharField(label=_("Progress and results"), required=False, strip=True,
                           widget=forms.Textarea(attrs={"rows": 12}))
    deliverables = forms.CharField(label=_("Deliverables"), required=False, strip=True,
                                   widget=forms.Textarea(attrs={"rows": 5}),
                                   help_text=_("One per line: what the project produced."))

    def __init__(self, *args, kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = gettext(
            "What was done, what it achieved, and any change to the plan (at least %(n)d "
            "characters to submit).") % {"n": MIN_REPORT_CHARS}
        if kind == "final":
            # The Eurocluster's KPI "new products or services" adds up the approved ones.
            self.fields["new_products"] = forms.IntegerField(
                label=_("New products or services"), min_value=0, initial=0, required=False,
                help_text=_("How many new or improved products, services or processes the "
                            "project brought to the market or into use."))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("PDF document"))


class ReportReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=(("approve", _("Approve the report")),
                 ("changes", _("Ask the beneficiary for changes"))),
    )
    comment = forms.CharField(label=_("Comments to the beneficiary"), required=False, strip=True,
                              widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].help_text = gettext(
            "Required when asking for changes (at least %(n)d characters)."
        ) % {"n": MIN_COMMENT_CHARS}

    def clean(self):
        data = super().clean()
        if data.get("decision") == "changes" and len(data.get("comment", "")) < MIN_COMMENT_CHARS:
            self.add_error("comment", gettext(
                "Please tell the beneficiary what to change, in at least %(n)d characters.")
                % {"n": MIN_COMMENT_CHARS})
        return data

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class BankDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=(("approve", _("Approve")), ("reject", _("Refuse"))))
    note = forms.CharField(label=_("Note to the beneficiary"), required=False, strip=True,
                           max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("note"):
            self.add_error("note", gettext("Please say why the bank details are refused: the "
                                           "beneficiary reads your note."))
        return data

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"
