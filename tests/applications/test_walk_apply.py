"""Issue 16, item 12: from a call's Apply button through the enterprise form straight to the
application; "Partner SMEs" only where the voucher type funds several SMEs."""

import pytest
from django.urls import reverse

from applications.models import Application
from tests.applications.test_views import ORG_POST
from tests.factories import ApplicationFactory, UserFactory, VoucherTypeFactory

pytestmark = pytest.mark.django_db


def test_saving_the_enterprise_from_apply_continues_to_the_application(client):
    user = UserFactory()
    client.force_login(user)
    call = VoucherTypeFactory().call
    to_form = client.post(reverse("applications:start", kwargs={"slug": call.slug}))
    form_url = to_form["Location"]
    assert form_url == (reverse("applications:organisation") + "?next="
                        + reverse("applications:start", kwargs={"slug": call.slug}))
    assert client.get(form_url).status_code == 200

    saved = client.post(form_url, {**ORG_POST, "next": reverse("applications:start",
                                                               kwargs={"slug": call.slug})},
                        follow=True)

    application = Application.objects.get(organisation__user=user, call=call)
    assert saved.redirect_chain == [
        (reverse("applications:start", kwargs={"slug": call.slug}), 307),
        (reverse("applications:edit", kwargs={"pk": application.pk}), 302)]
    assert saved.status_code == 200


def test_saving_the_enterprise_with_a_foreign_next_stays_on_the_portal(client):
    client.force_login(UserFactory())
    response = client.post(reverse("applications:organisation"),
                           {**ORG_POST, "next": "https://evil.example.com/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:organisation")


def test_saving_the_enterprise_with_a_plain_next_goes_there(client):
    client.force_login(UserFactory())
    response = client.post(reverse("applications:organisation"),
                           {**ORG_POST, "next": reverse("calls:home")})
    assert response.status_code == 302
    assert response["Location"] == reverse("calls:home")


def _edit_page(client, application) -> str:
    client.force_login(application.organisation.user)
    response = client.get(reverse("applications:edit", kwargs={"pk": application.pk}))
    assert response.status_code == 200
    return response.content.decode()


def _partner_card_hidden(page: str) -> bool:
    start = page.index('id="partner-smes"')
    return " hidden>" in page[start:page.index(">", start) + 1]


def test_partner_smes_are_hidden_for_a_single_sme_voucher_type(client):
    application = ApplicationFactory(voucher_type=None)
    VoucherTypeFactory(call=application.call, max_consortium_size=1)
    application.voucher_type = application.call.voucher_types.get()
    application.save()
    assert _partner_card_hidden(_edit_page(client, application)) is True


def test_partner_smes_show_for_a_consortium_voucher_type(client):
    application = ApplicationFactory(voucher_type=None)
    voucher = VoucherTypeFactory(call=application.call, min_consortium_size=2,
                                 max_consortium_size=4)
    application.voucher_type = voucher
    application.save()
    page = _edit_page(client, application)
    assert _partner_card_hidden(page) is False
    assert f'data-voucher-types="{voucher.pk}"' in page


def test_partner_smes_show_before_a_voucher_type_is_chosen_if_one_allows_partners(client):
    application = ApplicationFactory(voucher_type=None)
    VoucherTypeFactory(call=application.call, max_consortium_size=1)
    assert _partner_card_hidden(_edit_page(client, application)) is True
    VoucherTypeFactory(call=application.call, min_consortium_size=2, max_consortium_size=3)
    assert _partner_card_hidden(_edit_page(client, application)) is False
