"""Factories of the payments app, on top of tests/factories.py and tests/evaluation/factories.py."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from applications.identifiers import identity_key
from applications.models import Application
from calls.models import OpenCall, TrancheStep
from payments.models import GrantAgreement, ThirdParty, Tranche
from tests.evaluation.factories import closed_call, eligible_application

# Valid test accounts (check digits right), one per country.
IBAN_BE = "BE68539007547034"
IBAN_DE = "DE89370400440532013000"
IBAN_FR = "FR1420041010050500013M02606"
BIC_BE = "GKCCBEBB"
BIC_DE = "COBADEFFXXX"


def results_call(*, tranches=((50, "agreement_countersigned"), (50, "final_report_approved")),
                 **kwargs) -> OpenCall:
    """A call whose results are published, with a tranche schedule and an account to pay from."""
    call = closed_call(status=OpenCall.Status.RESULTS, **kwargs)
    eurocluster = call.eurocluster
    eurocluster.account_holder = f"{eurocluster.acronym} Eurocluster"
    eurocluster.iban, eurocluster.bic = IBAN_DE, BIC_DE
    eurocluster.save(update_fields=["account_holder", "iban", "bic"])
    for position, (percentage, event) in enumerate(tranches):
        TrancheStep.objects.create(call=call, position=position,
                                   percentage=Decimal(str(percentage)), event=event)
    return call


def selected_application(call: OpenCall | None = None, **kwargs) -> Application:
    """A selected application (amount 20,000 unless ``requested_amount`` says otherwise)."""
    call = call or results_call()
    return eligible_application(call, status=Application.Status.SELECTED, **kwargs)


def third_party_of(application: Application) -> ThirdParty:
    key = identity_key(application.organisation.registration_number,
                       str(application.organisation.country))
    return ThirdParty.objects.get_or_create(identity_key=key)[0]


def agreement_row(application: Application, *, status=GrantAgreement.Status.GENERATED,
                  **kwargs) -> GrantAgreement:
    """An agreement row without a PDF (for tests that do not read the document)."""
    defaults = {"amount": application.requested_amount, "sha256": "0" * 64,
                "generated_at": timezone.now(),
                "signing_deadline": timezone.now() + timedelta(days=15)}
    return GrantAgreement.objects.create(application=application,
                                         third_party=third_party_of(application), status=status,
                                         **{**defaults, **kwargs})


def tranche_rows(agreement: GrantAgreement, *, status=Tranche.Status.PLANNED) -> list[Tranche]:
    """Tranches of the call's schedule, amounts to the cent (the last takes the remainder)."""
    steps = list(agreement.application.call.tranche_steps.order_by("position", "pk"))
    rows, left = [], agreement.amount
    for number, step in enumerate(steps, start=1):
        amount = left if number == len(steps) else (
            agreement.amount * step.percentage / 100).quantize(Decimal("0.01"))
        left -= amount
        rows.append(Tranche.objects.create(agreement=agreement, position=number,
                                           percentage=step.percentage, event=step.event,
                                           amount=amount, status=status))
    return rows
