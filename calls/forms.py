"""Forms of the public call pages and the managers' questions pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from calls.question_services import QUESTION_MAX_CHARS
from euroclusters.models import Eurocluster, Objective


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"), max_length=QUESTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only the Eurocluster's managers read it. If the answer helps everyone, "
                    "they may publish it on this page without your name or your enterprise."))


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer to the person who asked"),
                             widget=forms.Textarea(attrs={"rows": 5}))


class PublishForm(forms.Form):
    public_question = forms.CharField(
        label=_("Question as published"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Anonymised: no name, no enterprise. The portal refuses a text that names "
                    "the person who asked."))
    public_answer = forms.CharField(label=_("Answer as published"),
                                    widget=forms.Textarea(attrs={"rows": 5}))


class AlertSubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"))
    euroclusters = forms.ModelMultipleChoiceField(
        label=_("Euroclusters"), required=False, widget=forms.CheckboxSelectMultiple,
        queryset=Eurocluster.objects.order_by("acronym"))
    objectives = forms.MultipleChoiceField(
        label=_("Objectives"), required=False, choices=Objective.choices,
        widget=forms.CheckboxSelectMultiple)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("euroclusters") and not data.get("objectives"):
            raise forms.ValidationError(_("Choose at least one Eurocluster or objective."))
        return data
