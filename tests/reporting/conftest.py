"""Beneficiaries as the demo makes them: a countersigned agreement with both signatures, the
beneficiary's contact e-mail and IBAN on file (which must never be published)."""

import datetime
from decimal import Decimal

import pytest

from applications.models import Application
from euroclusters.models import Membership
from payments.models import BankAccount, GrantAgreement, Signature
from tests.factories import MembershipFactory, UserFactory
from tests.payments.factories import (
    BIC_BE,
    IBAN_BE,
    agreement_row,
    results_call,
    selected_application,
)

BRUSSELS_2026 = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=datetime.UTC)


def beneficiary(call=None, *, legal_name="Brabant Vision BV", country="BE",
                countersigned_at=BRUSSELS_2026, status=GrantAgreement.Status.COUNTERSIGNED,
                amount=Decimal("20000.00"), is_natural_person=False, **kwargs) -> GrantAgreement:
    """A countersigned agreement (signed by both parties) of a new selected application."""
    application = selected_application(call, requested_amount=amount, **kwargs)
    organisation = application.organisation
    organisation.legal_name, organisation.country = legal_name, country
    organisation.is_natural_person = is_natural_person
    organisation.save()
    Application.objects.filter(pk=application.pk).update(status=Application.Status.CONTRACTED)
    agreement = agreement_row(application, status=status, amount=amount)
    manager = MembershipFactory(eurocluster=application.call.eurocluster).user
    Signature.objects.create(agreement=agreement, role=Signature.Role.BENEFICIARY,
                             signer=organisation.user, typed_name=organisation.user.full_name,
                             signed_at=countersigned_at - datetime.timedelta(days=1),
                             document_sha256="0" * 64)
    Signature.objects.create(agreement=agreement, role=Signature.Role.COUNTERSIGNATORY,
                             signer=manager, typed_name="Marie Manager",
                             signed_at=countersigned_at, document_sha256="0" * 64)
    BankAccount.objects.create(organisation=organisation, status=BankAccount.Status.ACTIVE,
                               holder=legal_name[:70], iban=IBAN_BE, bic=BIC_BE,
                               created_by=organisation.user)
    return agreement


@pytest.fixture
def call_a(eurocluster_a):
    return results_call(eurocluster=eurocluster_a, reference="DREAM-OC1", slug="dream-oc1",
                        title="DREAM innovation vouchers")


@pytest.fixture
def published(call_a):
    return beneficiary(call_a)


@pytest.fixture
def finance_user(eurocluster_a):
    return MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.FINANCE).user


@pytest.fixture
def other_manager(eurocluster_b):
    return MembershipFactory(eurocluster=eurocluster_b, role=Membership.Role.MANAGER).user


@pytest.fixture
def applicant(published):
    return published.application.organisation.user


@pytest.fixture
def stranger():
    return UserFactory()
