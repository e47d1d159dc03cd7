from django import forms
from django.utils.translation import gettext_lazy as _

from reporting.audit.selectors import object_types


class AuditFilterForm(forms.Form):
    """The audit page's filters, read from the query string; an empty field is "any". The
    export reads the same parameters through the same fields (``reporting.audit.exports``)."""

    person = forms.CharField(label=_("Person"), required=False, max_length=100,
                             help_text=_("Part of a name or an e-mail address."))
    type = forms.ChoiceField(label=_("Object type"), required=False,
                             error_messages={"invalid_choice": _("There is no such object type.")})
    object = forms.IntegerField(label=_("Object id"), required=False, min_value=1,
                                error_messages={"invalid": _("Give the object's number.")})
    action = forms.CharField(label=_("Action"), required=False, max_length=64,
                             help_text=_("Its beginning, such as “bank_” or “transition”."))
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("Any")), *object_types()]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data

    def filters(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items()
                if value not in (None, "")}
