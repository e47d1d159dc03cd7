"""The public verification page: says whether the portal issued a document and its state,
never personal data."""

from decimal import Decimal

import pytest
from django.urls import reverse

from payments.services.agreements import (
    agreement_countersign,
    agreement_generate,
    agreement_sign,
)
from portal.formats import brussels
from tests.payments.factories import results_call, selected_application

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-42"


@pytest.fixture
def countersigned(eurocluster_a, manager_a):
    call = results_call(eurocluster=eurocluster_a, budget=Decimal("100000"))
    application = selected_application(call)
    agreement = agreement_generate(application=application)
    user = application.organisation.user
    agreement_sign(agreement=agreement, by=user, password=PASSWORD, typed_name=user.full_name,
                   accepted=True, ip_address="192.0.2.1", user_agent="UA")
    agreement = agreement_countersign(
        agreement=agreement, by=manager_a.user, password=PASSWORD,
        typed_name=manager_a.user.full_name, accepted=True, ip_address="192.0.2.2",
        user_agent="UA")
    agreement.refresh_from_db()
    return agreement


def test_the_page_asks_for_a_code_without_login(client):
    response = client.get(reverse("payments:verify"))
    assert response.status_code == 200
    assert 'id="verify-form"' in response.content.decode()
    assert 'id="verify-result"' not in response.content.decode()


def test_a_valid_code_shows_call_and_state_without_personal_data(client, countersigned,
                                                                  manager_a):
    application = countersigned.application
    code = countersigned.verification_code
    # Typed in lower case with a space: still found.
    response = client.get(reverse("payments:verify"), {"code": f"{code[:6].lower()} {code[6:]}"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-found="yes"' in page
    assert f"Grant agreement of call {application.call.reference}." in page
    signed_on = countersigned.signatures.get(role="countersignatory").signed_at
    assert f"State: Countersigned (active) on {brussels(signed_on, date_only=True)}." in page
    assert countersigned.final_sha256 in page
    organisation = application.organisation
    for private in (organisation.legal_name, organisation.user.email, organisation.user.full_name,
                    manager_a.user.full_name, manager_a.user.email, application.title,
                    "20,000", "192.0.2.1"):
        assert private not in page, private


def test_an_unknown_code_says_no(client, countersigned):
    response = client.get(reverse("payments:verify"), {"code": "ABCDEFGHJKMN"})
    assert 'data-found="no"' in response.content.decode()
    assert "No document with this code was issued by this portal." in response.content.decode()
