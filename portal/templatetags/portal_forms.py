"""``{% load portal_forms %}``: the one error summary of every portal form.

    {% error_summary form %}                          one form
    {% error_summary form budget_formset members %}  a form and its formsets, one summary

On a refused submit it lists, at the top of the form, every problem: the form's own errors as
text, each field's error as a link to the field (``#<id>``). portal.js moves the focus to it when
the page loads. Each field's own message stays under the field, tied to it by Django's
``aria-describedby`` and ``aria-invalid``. Nothing is rendered for a form without errors.
The crispy-forms template ``bootstrap5/errors.html`` (overridden in templates/) and allauth's
form element call it, so forms rendered with ``|crispy`` or by allauth need nothing more.
"""

from dataclasses import dataclass

from django import forms, template
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

register = template.Library()


@dataclass(frozen=True)
class Problem:
    message: str
    label: str = ""
    target: str = ""  # the id of the field's input, for the link
    name: str = ""  # its name, for a form that writes its own inputs (ids of its own)


def _form_problems(form: forms.BaseForm, row: int | None = None) -> list[Problem]:
    problems = [Problem(message=str(error)) for error in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == forms.forms.NON_FIELD_ERRORS or name not in form.fields:
            continue
        field = form[name]
        label = str(field.label or name)
        if row is not None:
            label = _("%(label)s (row %(row)d)") % {"label": label, "row": row}
        target = "" if field.is_hidden else (field.id_for_label or field.auto_id or "")
        if isinstance(field.field.widget, forms.RadioSelect) and field.auto_id:
            # Radio buttons and check boxes (CheckboxSelectMultiple is one): the first option.
            target = f"{field.auto_id}_0"
        problems.extend(Problem(message=str(error), label=label, target=target,
                                name=field.html_name) for error in errors)
    return problems


def problems_of(*forms_or_formsets) -> list[Problem]:
    """Every error of the given forms and formsets, in page order."""
    problems: list[Problem] = []
    for item in forms_or_formsets:
        if item is None or item == "":
            continue
        if isinstance(item, forms.BaseFormSet):
            if not item.is_bound:
                continue
            problems.extend(Problem(message=str(error)) for error in item.non_form_errors())
            for row, form in enumerate(item.forms, start=1):
                problems.extend(_form_problems(form, row))
        elif isinstance(item, forms.BaseForm) and item.is_bound:
            problems.extend(_form_problems(item))
    return problems


@register.simple_tag
def error_summary(*forms_or_formsets) -> str:
    problems = problems_of(*forms_or_formsets)
    if not problems:
        return ""
    return render_to_string("portal/_error_summary.html", {"problems": problems})
