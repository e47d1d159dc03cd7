"""Admin widgets that every assistive technology can name.

- Django's admin shows a date-and-time field as two inputs after the words "Date:" and "Time:",
  labelled by nothing since ``MultiWidget`` has no ``id_for_label``: a screen reader announces
  two unnamed text boxes (axe-core's "label" rule, WCAG 1.3.1 and 4.1.2). Here each input sits in
  its own ``<label>``.
- A tabular inline names its columns in the table's header only: each input of a row gets its
  field's name (and "Delete" for the row's delete box) as ``aria-label``.
"""

from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime, RelatedFieldWidgetWrapper
from django.utils.translation import gettext_lazy as _


class LabelledSplitDateTime(AdminSplitDateTime):
    template_name = "portal/widgets/split_datetime.html"


def _name_inputs(widget, name, *, force: bool = False) -> None:
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    for each in getattr(widget, "widgets", None) or [widget]:
        if force:
            each.attrs["aria-label"] = name
        else:
            each.attrs.setdefault("aria-label", name)


class LabelledWidgetsMixin:
    """For ModelAdmins and inlines: every input has an accessible name."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is None:
            return None
        if type(formfield.widget) is AdminSplitDateTime:
            formfield.widget = LabelledSplitDateTime(attrs=formfield.widget.attrs)
        if isinstance(self, admin.TabularInline):
            # modeltranslation's field of one language ("Name [fr]") has a copy of the original
            # field's widget, named "Name" already: each language's input is named anew.
            _name_inputs(formfield.widget, formfield.label,
                         force=getattr(db_field, "language", None) is not None)
        return formfield

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if not isinstance(self, admin.TabularInline):
            return formset

        class LabelledFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if "DELETE" in form.fields:
                    form.fields["DELETE"].widget.attrs.setdefault("aria-label", _("Delete"))

        LabelledFormSet.__name__ = formset.__name__
        return LabelledFormSet
