"""Forms of the evaluator's work and the consensus. They parse; the services judge (a draft may
be incomplete, a submission may not)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from calls.models import Criterion
from evaluation.scoring import number, score_choices
from portal import formats


class CallDeclarationForm(forms.Form):
    accept = forms.BooleanField(
        label=_("I have read this declaration and I accept it."), required=True,
        error_messages={"required": _("Tick the box to accept the declaration.")},
    )


class ConflictForm(forms.Form):
    NO, YES = "no", "yes"
    conflict = forms.ChoiceField(
        label=_("Your declaration"), widget=forms.RadioSelect,
        choices=[(NO, _("I have no conflict of interest with this proposal")),
                 (YES, _("I have a conflict of interest with this proposal"))],
        error_messages={"required": _("Choose one of the two declarations.")},
    )
    statement = forms.CharField(
        label=_("If you have a conflict: what is it?"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text=_("For example: you work for, advise or hold shares in the applicant or a "
                    "partner, or you helped write the proposal."),
    )

    def clean(self):
        data = super().clean()
        if data.get("conflict") == self.YES and not (data.get("statement") or "").strip():
            self.add_error("statement", _("Say what the conflict of interest is."))
        return data

    @property
    def has_conflict(self) -> bool:
        return self.cleaned_data["conflict"] == self.YES


class ScoresForm(forms.Form):
    """A score and a comment per criterion, and an overall comment (reviews and consensus)."""

    overall_comment = forms.CharField(label=_("Overall comment"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)

    def __init__(self, *args, criteria: list[Criterion], step: Decimal, min_chars: int,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        overall = self.fields.pop("overall_comment")
        for criterion in criteria:
            # The value is what the service parses ("4", "3.5"); the label reads as on every
            # page ("4.0", "3.5").
            values = score_choices(max_score=criterion.max_score, step=step)
            choices = [("", _("– not scored yet –"))] + [
                (number(v), formats.score(v, step)) for v in values]
            self.fields[f"score_{criterion.pk}"] = forms.ChoiceField(
                label=_("Score for “%(name)s” (0 to %(max)s)")
                % {"name": criterion.name, "max": number(criterion.max_score)},
                choices=choices, required=False,
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on “%(name)s”") % {"name": criterion.name}, required=False,
                widget=forms.Textarea(attrs={"rows": 3}), max_length=10000,
                help_text=_("At least %(n)d characters to submit.") % {"n": min_chars},
            )
        self.fields["overall_comment"] = overall

    @staticmethod
    def initial_from(scores, overall_comment: str = "") -> dict:
        """Initial values from score rows (``criterion_id``, ``score``, ``comment``)."""
        initial = {"overall_comment": overall_comment}
        for score in scores:
            if score.score is not None:
                initial[f"score_{score.criterion_id}"] = number(score.score)
            initial[f"comment_{score.criterion_id}"] = score.comment
        return initial

    def rows(self):
        """(criterion, score field, comment field) per criterion, for the template."""
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def to_data(self) -> dict:
        data = self.cleaned_data
        return {
            "overall_comment": data.get("overall_comment", ""),
            "scores": {
                c.pk: {"score": Decimal(data[f"score_{c.pk}"]) if data.get(f"score_{c.pk}")
                       else None,
                       "comment": data.get(f"comment_{c.pk}", "")}
                for c in self.criteria
            },
        }

    def add_refusal(self, error) -> None:
        """Put a service's refusal on the fields it names, or on the form."""
        fields = getattr(error, "fields", {}) or {}
        self.add_error(None, error.message)
        for name, text in fields.items():
            self.add_error(name if name in self.fields else None, text)
        for detail in getattr(error, "details", []):
            if detail not in fields.values():
                self.add_error(None, detail)
