"""Forms of clarification requests: the manager's question, the applicant's answer."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from applications.clarifications import MAX_FILES
from calls.models import EligibilityRule, OpenCall


class ClarificationAskForm(forms.Form):
    question = forms.CharField(
        label=_("Question to the applicant"), max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The applicant reads it in the portal and by e-mail, and answers in the "
                    "portal."))
    concerns = forms.ChoiceField(label=_("Concerns"), required=False)
    due_on = forms.DateField(
        label=_("Answer due by"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("At the end of this day (23:59:59, Brussels time). Default: 5 working days "
                    "(Monday to Friday) from today."))
    share = forms.BooleanField(label=_("Show the question and its answer to the evaluators of "
                                       "this application"), required=False)

    def __init__(self, *args, call: OpenCall, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(EligibilityRule.choices)
        self.criteria = {str(c.pk): c for c in call.criteria.all()}
        self.fields["concerns"].choices = [
            ("", _("The application in general")),
            (_("Eligibility rules"), [(f"rule:{code}", labels.get(code, code))
                                      for code in call.eligibility_rules]),
            (_("Evaluation criteria"), [(f"criterion:{pk}", c.name)
                                        for pk, c in self.criteria.items()]),
        ]

    def concern(self) -> dict:
        """``rule`` and ``criterion`` for ``clarification_ask`` from the chosen concern."""
        value = self.cleaned_data.get("concerns") or ""
        kind, _sep, key = value.partition(":")
        if kind == "rule":
            return {"rule": key, "criterion": None}
        if kind == "criterion":
            return {"rule": "", "criterion": self.criteria[key]}
        return {"rule": "", "criterion": None}


class MultiplePdfInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePdfField(forms.FileField):
    """Several files in one input; each is checked as a PDF by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiplePdfInput(attrs={"accept": "application/pdf",
                                                            "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ClarificationAnswerForm(forms.Form):
    text = forms.CharField(label=_("Your answer"), max_length=8000,
                           widget=forms.Textarea(attrs={"rows": 6}))
    files = MultiplePdfField(
        label=_("PDF files (optional)"), required=False,
        help_text=format_lazy(_("Up to {n} PDF documents, within the call's size limit."),
                              n=MAX_FILES))
