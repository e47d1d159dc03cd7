"""With the demo loaded, the public list shows the demo's countersigned SMEs, and nothing of
their contacts or bank details."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from euroclusters.models import Eurocluster, Membership
from payments.models import BankAccount
from reporting.dashboard.charts import all_charts
from reporting.dashboard.selectors import dashboard
from tests.factories import MembershipFactory

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


def test_the_demo_dashboard_shows_who_applies_by_objective_and_the_share_to_smes():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo_payments", stdout=StringIO())
    silicon = Eurocluster.objects.get(acronym="Silicon Europe")
    manager = MembershipFactory(eurocluster=silicon, role=Membership.Role.MANAGER).user
    board = dashboard(eurocluster=silicon, user=manager)
    objective = next(b for b in board.who if b.code == "objective")
    # The demo's Silicon Europe applications all ask for green vouchers: green and digital.
    assert objective.rows == [("Adopt green and digital", 5, 4)]
    assert sum(applied for _label, applied, _selected in objective.rows) == sum(
        applied for _label, applied, _selected in
        next(b for b in board.who if b.code == "voucher").rows)
    share = all_charts(board)["share"]
    assert share.rows[2] == ["Rest of the grant (not for SMEs)", Decimal("350000.00")]
    assert share.note.startswith("75.9 % of the grant's total budget of EUR 1,450,000.00")
