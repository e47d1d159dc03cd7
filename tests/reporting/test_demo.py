"""With the demo loaded, the public list shows the demo's countersigned SMEs, and nothing of
their contacts or bank details."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from payments.models import BankAccount

pytestmark = pytest.mark.django_db


def test_the_demo_beneficiaries_are_published(client):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo_payments", stdout=StringIO())
    data = client.get(reverse("reporting:beneficiaries_json")).json()
    assert sorted((row["enterprise"], row["project_acronym"], row["amount"])
                  for row in data["beneficiaries"]) == [
        ("Drau Leistungselektronik GmbH", "SILVERBACK", "3600.00"),
        ("Elbtal Mikrosysteme GmbH", "CLEANROOM-E", "3600.00"),
    ]
    html = client.get(reverse("reporting:beneficiaries")).content.decode()
    text = html + b"".join(client.get(reverse("reporting:beneficiaries_csv"))
                           .streaming_content).decode()
    assert "Drau Leistungselektronik GmbH" in html and "Elbtal Mikrosysteme GmbH" in html
    # Selected but not yet countersigned: not published.
    assert "GREENSENS" not in text and "LENSLOOP" not in text
    for email in ("eva@drau-elektronik.example.eu", "jonas@elbtal-mikro.example.eu"):
        assert email not in text
    ibans = list(BankAccount.objects.values_list("iban", flat=True))
    assert ibans and not any(iban in text for iban in ibans)
