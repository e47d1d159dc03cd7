"""The public privacy page (linked from every page's footer) and the person's own "Privacy and
your data" page: who is allowed, and the retention table drawn from the settings."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _table(page: str) -> list[tuple[str, str]]:
    body = re.search(r'<table class="table table-sm" id="retention">.*?<tbody>(.*?)</tbody>',
                     page, re.S).group(1)
    return re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", body)


EXPECTED = [
    ("Applications never submitted (drafts)", "12 months after the call closed"),
    ("Sign-ups whose e-mail address was never confirmed", "30 days after signing up"),
    ("Exports built for managers", "7 days"),
    ("Submitted applications, evaluations, grant agreements, bank details, reports and "
     "payments (records of the cascade funding)",
     "5 years after the last payment of the Eurocluster that ran the call"),
    ("Your account", "Until you delete it; pseudonymised while records of the cascade funding "
                     "must be kept"),
]


def test_the_privacy_page_is_public_and_lists_the_retention_periods(client, settings):
    settings.PORTAL_OPERATOR_NAME = "Grants Operator SA"
    settings.PORTAL_PRIVACY_CONTACT = "dpo@grants.example.eu"
    response = client.get("/privacy/")
    assert response.status_code == 200
    page = response.content.decode()
    assert _table(page) == EXPECTED
    assert "Grants Operator SA runs the portal itself" in page
    assert 'href="mailto:dpo@grants.example.eu"' in page
    assert "legal obligation (art. 6(1)(c))" in page
    assert f'href="{reverse("accounts:my_data")}"' in page
    assert f'href="{reverse("accounts:erase")}"' in page


def test_the_table_follows_the_settings(client, settings):
    settings.PORTAL_RETENTION_DRAFT_MONTHS_AFTER_CLOSE = 1
    settings.PORTAL_RETENTION_UNCONFIRMED_SIGNUP_DAYS = 14
    settings.EXPORT_KEEP_DAYS = 1
    settings.PORTAL_RETENTION_YEARS_AFTER_LAST_PAYMENT = 10
    kept = [row[1] for row in _table(client.get("/privacy/").content.decode())]
    assert kept[:4] == ["1 month after the call closed", "14 days after signing up", "1 day",
                        "10 years after the last payment of the Eurocluster that ran the call"]


def test_the_footer_of_every_page_links_to_the_privacy_page(client):
    for path in ("/", reverse("account_login"), "/privacy/"):
        page = client.get(path).content.decode()
        footer = page[page.index("<footer"):]
        assert 'href="/privacy/"' in footer, path


def test_a_post_to_the_privacy_page_is_refused(client):
    assert client.post("/privacy/").status_code == 405


def test_my_data_page_asks_a_visitor_to_log_in(client):
    response = client.get(reverse("accounts:my_data"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/account/privacy/"


def test_my_data_page_offers_the_download_and_the_deletion(client):
    client.force_login(UserFactory())
    response = client.get(reverse("accounts:my_data"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<form method="post" action="{reverse("accounts:export")}">' in page
    assert f'href="{reverse("accounts:erase")}"' in page
    assert _table(page) == EXPECTED
    # A tab of the account area, next to the e-mail addresses, password and second factors.
    for name in ("account_email", "account_change_password", "mfa_index", "accounts:my_data"):
        tabs = re.search(r'<ul class="nav nav-tabs mb-3" id="account-tabs">(.*?)</ul>',
                         client.get(reverse(name)).content.decode(), re.S).group(1)
        assert re.findall(r'<a class="nav-link( active)?" href="([^"]+)">', tabs) == [
            (" active" if name == tab else "", reverse(tab))
            for tab in ("account_email", "account_change_password", "mfa_index",
                        "accounts:my_data")], name
