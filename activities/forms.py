"""Forms of the activities pages: they parse; the services decide (and refuse with a reason)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from activities import participants_csv
from activities.models import Activity
from activities.services import NewParticipant


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["eurocluster", "kind", "title", "starts_on", "ends_on", "place", "online",
                  "objective", "notes"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, euroclusters=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The place is checked with "online" by the service: either may be given.
        self.fields["place"].required = False
        if euroclusters is None:
            # Editing: an activity stays in its Eurocluster.
            del self.fields["eurocluster"]
        else:
            self.fields["eurocluster"].queryset = euroclusters
            self.fields["eurocluster"].empty_label = None

    def activity_data(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "eurocluster"}


class PartyForm(forms.Form):
    """An organisation entered by hand."""

    name = forms.CharField(label=_("Name"), max_length=250)
    country = CountryField(blank_label=_("Country")).formfield(label=_("Country"))
    registration_number = forms.CharField(label=_("VAT or registration number"), max_length=80)

    def __init__(self, *args, optional: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = not optional

    def party(self) -> NewParticipant | None:
        """The organisation entered, or None for an empty row."""
        data = self.cleaned_data
        if not any(data.get(name) for name in ("name", "country", "registration_number")):
            return None
        return NewParticipant(name=data.get("name", ""), country=str(data.get("country", "")),
                              registration_number=data.get("registration_number", ""))


# The create page offers two rows for the parties of a business agreement (or the first
# participants of another activity); more are added on the activity's page.
PartyFormSet = forms.formset_factory(PartyForm, extra=2, max_num=2)


class PickForm(forms.Form):
    organisation = forms.IntegerField(min_value=1)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, comma- or semicolon-separated, with a first line naming the "
                    "columns name, country and registration_number. At most 5,000 rows "
                    "(1 MB)."))

    def clean_file(self) -> bytes:
        uploaded = self.cleaned_data["file"]
        if uploaded.size > participants_csv.MAX_BYTES:
            raise forms.ValidationError(
                _("The file has %(size)s bytes; the limit is %(limit)s bytes (1 MB). Split it "
                  "into smaller files.")
                % {"size": f"{uploaded.size:,}", "limit": f"{participants_csv.MAX_BYTES:,}"})
        self.filename = uploaded.name or ""
        return uploaded.read(participants_csv.MAX_BYTES + 1)


class FilterForm(forms.Form):
    eurocluster = forms.TypedChoiceField(label=_("Eurocluster"), required=False, coerce=int,
                                         empty_value=None)
    kind = forms.ChoiceField(label=_("Type"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int,
                                  empty_value=None)

    def __init__(self, *args, euroclusters, years, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["eurocluster"].choices = everything + [(e.pk, e.acronym)
                                                           for e in euroclusters]
        self.fields["kind"].choices = everything + list(Activity.Kind.choices)
        self.fields["year"].choices = everything + [(year, year) for year in years]

    def filters(self) -> dict:
        # A value that is not among the choices (a year without activities) is dropped alone.
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class DeleteForm(forms.Form):
    reason = forms.CharField(label=_("Why (kept in the audit trail)"), required=False,
                             max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(
        label=_("Yes, delete this activity and its participants"), required=True,
        error_messages={"required": _("Tick the box to confirm the deletion.")})
