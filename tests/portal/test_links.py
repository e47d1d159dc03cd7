"""The header's and footer's links, reversed once per process (portal.context_processors.links)."""

import pytest
from django.test import RequestFactory
from django.urls import get_script_prefix, reverse, set_script_prefix

from portal.context_processors import LINK_NAMES, links

pytestmark = pytest.mark.django_db


def test_every_link_is_its_url_name_reversed():
    got = links(RequestFactory().get("/"))["links"]
    assert got == {name.replace(":", "_"): reverse(name) for name in LINK_NAMES}


def test_links_follow_the_script_prefix_the_portal_is_served_under():
    before = get_script_prefix()
    try:
        set_script_prefix("/portal/")
        under = links(RequestFactory().get("/"))["links"]
    finally:
        set_script_prefix(before)
    assert under["calls_home"] == "/portal" + reverse("calls:home")
    assert links(RequestFactory().get("/"))["links"]["calls_home"] == reverse("calls:home")


def test_a_page_links_to_what_its_visitor_may_open(client, django_user_model):
    html = client.get(reverse("calls:home")).content.decode()
    for name in ("calls:home", "account_login", "account_signup", "reporting:beneficiaries",
                 "payments:verify", "accounts:privacy", "accounts:language"):
        assert f'"{reverse(name)}' in html, name
    assert reverse("applications:dashboard") not in html
    person = django_user_model.objects.create_user(email="sme@example.eu", password="x" * 12)
    client.force_login(person)
    html = client.get(reverse("calls:home")).content.decode()
    for name in ("notifications:list", "account_email", "account_logout"):
        assert f'"{reverse(name)}' in html, name
    assert f'"{reverse("account_login")}"' not in html
