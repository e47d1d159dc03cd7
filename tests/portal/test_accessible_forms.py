"""Accessible forms (issue 11, part 4): on a refused submit, one error summary at the top of the
form, headed "There is a problem", with a link to each field in error; each field's message tied
to its input by ``aria-describedby`` and marked ``aria-invalid``. The same summary for forms
written field by field, forms rendered with ``|crispy`` and allauth's forms. The countdown is not
read out every second; the autosave status is read out politely."""

import re

import pytest
import tinyhtml5
from django import forms
from django.template import Context, Template
from django.urls import reverse

from portal.templatetags.portal_forms import problems_of
from tests.applications.test_views import ORG_POST
from tests.factories import (
    ApplicationFactory,
    OpenCallFactory,
    UserFactory,
    complete_application,
)

pytestmark = pytest.mark.django_db


class _Form(forms.Form):
    name = forms.CharField(label="Legal name")
    size = forms.IntegerField(label="Staff", min_value=0)
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B")],
                             widget=forms.RadioSelect)

    def clean(self):
        raise forms.ValidationError("The figures do not add up.")


class Page:
    """A parsed page (tinyhtml5, which WeasyPrint brings), with the few look-ups these tests
    need: by id, by tag and class, and an element's parent."""

    NS = "{http://www.w3.org/1999/xhtml}"

    def __init__(self, text: str):
        self.root = tinyhtml5.parse(text)
        self.parents = {child: parent for parent in self.root.iter() for child in parent}

    def by_id(self, element_id: str):
        found = [e for e in self.root.iter() if e.get("id") == element_id]
        assert len(found) == 1, (element_id, len(found))
        return found[0]

    def find(self, tag: str = "*", cls: str | None = None, within=None) -> list:
        return [e for e in (within if within is not None else self.root).iter()
                if (tag == "*" or e.tag == self.NS + tag)
                and (cls is None or cls in (e.get("class") or "").split())]

    def parent(self, element):
        return self.parents[element]


def text(element) -> str:
    return "".join(element.itertext()).strip()


def _summary(page: str):
    tree = Page(page)
    summaries = tree.find(cls="error-summary")
    assert len(summaries) == 1, page
    return tree, summaries[0]


def test_the_summary_lists_form_errors_then_field_errors_with_links_to_the_fields():
    form = _Form(data={"name": "", "size": "-1", "kind": ""})
    rendered = Template("{% load portal_forms %}{% error_summary form %}").render(
        Context({"form": form}))
    tree, summary = _summary(rendered)
    assert summary.get("role") == "alert" and summary.get("tabindex") == "-1"
    assert text(tree.find("h2", within=summary)[0]) == "There is a problem"
    items = [(text(li), [a.get("href") for a in tree.find("a", within=li)])
             for li in tree.find("li", within=summary)]
    assert items == [
        ("The figures do not add up.", []),
        ("Legal name: This field is required.", ["#id_name"]),
        ("Staff: Ensure this value is greater than or equal to 0.", ["#id_size"]),
        ("Kind: This field is required.", ["#id_kind_0"]),
    ]


def test_no_summary_for_an_unbound_or_valid_form():
    class Valid(forms.Form):
        name = forms.CharField()
    assert problems_of(_Form(), Valid(data={"name": "x"}), None) == []


def test_a_formset_row_is_named_in_the_summary():
    formset_class = forms.formset_factory(_Form, extra=0)
    formset = formset_class(data={"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0",
                                  "form-0-name": "A", "form-0-size": "1", "form-0-kind": "a",
                                  "form-1-name": "", "form-1-size": "1", "form-1-kind": "a"})
    labels = [(p.label, p.target) for p in problems_of(formset) if p.label]
    assert labels == [("Legal name (row 2)", "id_form-1-name")]


def _tied(tree, field_id: str) -> str:
    """The message under the field, found through the input's aria-describedby."""
    field = tree.by_id(field_id)
    assert field.get("aria-invalid") == "true"
    described = field.get("aria-describedby").split()
    error_ids = [i for i in described if i.endswith("_error")]
    assert error_ids == [f"{field_id}_error"]
    return text(tree.by_id(error_ids[0]))


def test_the_enterprise_form_field_by_field_has_the_summary_and_tied_messages(client):
    client.force_login(UserFactory())
    response = client.post(reverse("applications:organisation"),
                           {**ORG_POST, "legal_name": "", "annual_turnover": "-5",
                            "related-0-share_percent": ""})
    assert response.status_code == 400
    tree, summary = _summary(response.content.decode())
    # At the top of the form, before any of its fields.
    form = tree.by_id("organisation-form")
    assert tree.parent(summary) is form
    links = {a.get("href"): text(a) for a in tree.find("a", within=summary)}
    assert links == {
        "#id_legal_name": "Legal name: This field is required.",
        "#id_annual_turnover": "Annual turnover (EUR): Ensure this value is greater than or "
                               "equal to 0.",
        "#id_related-0-share_percent": "Share held (%) (row 1): This field is required.",
    }
    assert _tied(tree, "id_legal_name") == "This field is required."
    assert _tied(tree, "id_annual_turnover") == "Ensure this value is greater than or equal to 0."


def test_the_application_form_summary_covers_the_form_and_its_budget(client):
    application = ApplicationFactory()
    client.force_login(application.created_by)
    response = client.post(reverse("applications:edit", kwargs={"pk": application.pk}), {
        "voucher_type": application.voucher_type_id, "requested_amount": "99000",
        "budget-TOTAL_FORMS": "1", "budget-INITIAL_FORMS": "0",
        "budget-0-category": "equipment", "budget-0-description": "Camera",
        "budget-0-amount": "abc",
        "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0", "save": ""})
    assert response.status_code == 400
    tree, summary = _summary(response.content.decode())
    assert tree.parent(summary) is tree.by_id("draft-form")
    hrefs = [a.get("href") for a in tree.find("a", within=summary)]
    assert hrefs == ["#id_requested_amount", "#id_budget-0-amount"]
    assert _tied(tree, "id_requested_amount") == (
        "For Innovation voucher the amount must be between EUR 10,000.00 and EUR 30,000.00.")
    # The autosave status is read out politely, without interrupting.
    status = tree.by_id("autosave-status")
    assert status.get("aria-live") == "polite"


def test_a_crispy_form_gets_the_summary_in_place_of_crispys_own_alert(client):
    response = client.post(reverse("calls:alerts"), {"email": "not an address"})
    page = response.content.decode()
    tree, summary = _summary(page)
    assert tree.parent(summary) is tree.by_id("alerts-form")
    assert [a.get("href") for a in tree.find("a", within=summary)][0] == "#id_email"
    assert _tied(tree, "id_email") == "Enter a valid email address."


def test_a_refused_login_has_the_summary_and_no_second_copy_of_the_message(client):
    UserFactory(email="ana@example.eu")
    response = client.post(reverse("account_login"),
                           {"login": "ana@example.eu", "password": "wrong-password-1"})
    page = response.content.decode()
    tree, summary = _summary(page)
    message = "The email address and/or password you specified are not correct."
    assert text(tree.find("li", within=summary)[0]) == message
    assert page.count(message) == 1
    # Every input of the form keeps a visible label.
    form = tree.parent(summary)
    labels = {label.get("for") for label in tree.find("label", within=form)}
    fields = [f for f in tree.find("input", within=form) if f.get("type") != "hidden"]
    assert len(fields) >= 2
    assert all(f.get("id") in labels for f in fields), [f.get("name") for f in fields]


def test_the_countdown_is_hidden_from_screen_readers_which_read_a_fixed_text(client):
    call = OpenCallFactory()
    tree = Page(client.get(reverse("calls:detail", args=[call.slug])).content.decode())
    countdowns = tree.find(cls="countdown")
    assert countdowns
    for countdown in countdowns:
        assert countdown.get("aria-hidden") == "true"
        assert countdown.get("aria-live") is None
        siblings = list(tree.parent(countdown))
        fixed = siblings[siblings.index(countdown) + 1]
        assert "visually-hidden" in fixed.get("class")
        assert re.fullmatch(r".+ left", text(fixed))


def test_a_submit_refused_for_the_declarations_lists_them_and_leaves_the_button_usable(client):
    application = complete_application()
    client.force_login(application.created_by)
    response = client.post(reverse("applications:submit", kwargs={"pk": application.pk}), {})
    assert response.status_code == 400
    tree = Page(response.content.decode())
    missing = tree.by_id("missing")
    # The summary of what stops the submission takes the focus (portal.js), and says so.
    assert "error-summary" in missing.get("class").split()
    assert missing.get("tabindex") == "-1" and missing.get("role") == "alert"
    assert "declaration" in text(missing)
    # Ticking them on this page is enough: the button is not disabled.
    assert tree.by_id("submit").get("disabled") is None
