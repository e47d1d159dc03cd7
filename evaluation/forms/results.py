"""Forms of the results part: the manager's ranking actions and redress decision, the
applicant's redress request and decline of the grant."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from evaluation.services.redress import MIN_ANSWER, MIN_REASONS


class RankingActionForm(forms.Form):
    ACTIONS = (
        ("compute", _("Compute the ranking")),
        ("approve", _("Approve the ranking")),
        ("reopen", _("Reopen the ranking")),
        ("publish", _("Publish the results")),
    )
    action = forms.ChoiceField(choices=ACTIONS)


class RedressFileForm(forms.Form):
    reasons = forms.CharField(
        label=_("Your reasons"), min_length=MIN_REASONS, strip=True,
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].help_text = gettext(
            "Say which part of the evaluation or of the eligibility check you contest and why "
            "(at least %(n)d characters).") % {"n": MIN_REASONS}


class RedressDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=(("uphold", _("Uphold: the application is examined again")),
                 ("dismiss", _("Dismiss: the result stands"))),
    )
    answer = forms.CharField(
        label=_("Written answer to the applicant"), min_length=MIN_ANSWER, strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"].help_text = gettext(
            "Sent to the applicant and kept in the audit trail (at least %(n)d characters)."
        ) % {"n": MIN_ANSWER}


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you decline the grant?"), strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Your application is withdrawn and the next application on the reserve list "
                    "may be funded instead. This cannot be undone."),
    )
