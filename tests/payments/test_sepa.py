"""The SEPA credit transfer file: built by batch_export, read back and validated."""

import os
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import sepaxml
import xmlschema

from euroclusters.forms import EuroclusterForm
from payments import sepa
from payments.models import PaymentBatch
from payments.services.finance import BatchRefused, batch_export
from tests.payments.factories import BIC_DE, IBAN_DE, results_call
from tests.payments.test_finance_services import filled_batch, finance_officer, funded

pytestmark = pytest.mark.django_db
NS = {"p": sepa.NAMESPACE}


@pytest.fixture
def exported(django_capture_on_commit_callbacks):
    """A batch of three payments (two agreements: 20,000.01 split 50/50, and 3,000), exported."""
    call = results_call()
    officer = finance_officer(call.eurocluster)
    funded(call, amount="20000.01", acronym="ALPHA")
    _application, (first, second) = funded(call, amount="3000", acronym="BETA")
    second.delete()  # three payments: alpha 1, alpha 2, beta 1
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    return batch_export(batch=batch, by=officer), call


def test_the_file_validates_against_the_schema(exported):
    batch, _call = exported
    content = batch.sepa_file.open("rb").read()
    schema = xmlschema.XMLSchema(os.path.join(os.path.dirname(sepaxml.__file__), "schemas",
                                              f"{sepa.SCHEMA}.xsd"))
    schema.validate(content.decode())  # raises when the file is not valid


def test_totals_end_to_end_ids_amounts_and_debtor_match_the_batch(exported):
    batch, call = exported
    root = ET.fromstring(batch.sepa_file.open("rb").read())
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    payments = list(batch.payments.order_by("pk"))

    assert header.findtext("p:MsgId", namespaces=NS) == batch.reference
    assert int(header.findtext("p:NbOfTxs", namespaces=NS)) == len(payments) == 3
    assert Decimal(header.findtext("p:CtrlSum", namespaces=NS)) == batch.control_sum == \
        sum(p.amount for p in payments) == Decimal("21500.01")
    info = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert info.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == IBAN_DE
    assert info.findtext("p:DbtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) == BIC_DE
    assert info.findtext("p:Dbtr/p:Nm", namespaces=NS) == call.eurocluster.account_holder
    assert info.findtext("p:ReqdExctnDt/p:Dt", namespaces=NS) == batch.execution_date.isoformat()
    transactions = [
        (tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS),
         Decimal(tx.findtext("p:Amt/p:InstdAmt", namespaces=NS)),
         tx.find("p:Amt/p:InstdAmt", NS).get("Ccy"),
         tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
         tx.findtext("p:RmtInf/p:Ustrd", namespaces=NS))
        for tx in info.iterfind("p:CdtTrfTxInf", NS)]
    assert transactions == [
        (p.end_to_end_id, p.amount, "EUR", p.bank_account.iban,
         f"{call.reference} {p.tranche.agreement.application.acronym} tranche "
         f"{p.tranche.position}")
        for p in payments]
    assert [t[1] for t in transactions] == [Decimal("10000.00"), Decimal("10000.01"),
                                            Decimal("1500.00")]


def test_an_invalid_eurocluster_iban_is_refused(django_capture_on_commit_callbacks):
    call = results_call()
    officer = finance_officer(call.eurocluster)
    funded(call)
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    call.eurocluster.iban = "DE89370400440532013001"  # wrong check digits
    call.eurocluster.save(update_fields=["iban"])

    with pytest.raises(BatchRefused) as refused:
        batch_export(batch=batch, by=officer)

    assert "The paying account of" in refused.value.message
    assert "the IBAN is not valid" in refused.value.message
    assert PaymentBatch.objects.get(pk=batch.pk).status == PaymentBatch.Status.DRAFT


def test_a_missing_account_holder_is_refused(django_capture_on_commit_callbacks):
    call = results_call()
    officer = finance_officer(call.eurocluster)
    funded(call)
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    call.eurocluster.account_holder = ""
    call.eurocluster.save(update_fields=["account_holder"])

    with pytest.raises(BatchRefused) as refused:
        batch_export(batch=batch, by=officer)
    assert "the account holder is missing" in refused.value.message


def test_names_are_reduced_to_the_sepa_character_set():
    assert sepa.sepa_text("Société Générale & Fils <SRL>", limit=70) == \
        "Societe Generale Fils SRL"
    assert sepa.sepa_text("x" * 200, limit=140) == "x" * 140


def test_fractions_of_a_cent_are_refused_not_rounded():
    assert sepa.to_cents(Decimal("10.05")) == 1005
    with pytest.raises(sepa.SepaError):
        sepa.to_cents(Decimal("10.005"))


# --- the Eurocluster's paying account in the admin form ----------------------------------------


def form_data(**account):
    data = {"name": "DREAM", "acronym": "DREAM", "slug": "dream", "cascade_budget": "1050000",
            "account_holder": "", "iban": "", "bic": ""}
    return {**data, **account}


def test_admin_form_normalises_a_valid_account():
    form = EuroclusterForm(data=form_data(account_holder=" Pôle  SCS ",
                                          iban="de89 3704 0044 0532 0130 00", bic="cobadeffxxx"))
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["account_holder"], form.cleaned_data["iban"],
            form.cleaned_data["bic"]) == ("Pôle SCS", IBAN_DE, BIC_DE)


@pytest.mark.parametrize("account, field", [
    ({"account_holder": "X", "iban": "DE89370400440532013001", "bic": BIC_DE}, "iban"),
    ({"account_holder": "X", "iban": IBAN_DE, "bic": "COBA"}, "bic"),
    ({"account_holder": "", "iban": IBAN_DE, "bic": BIC_DE}, "account_holder"),
    ({"account_holder": "X", "iban": IBAN_DE, "bic": ""}, "bic"),
])
def test_admin_form_refuses_an_invalid_or_incomplete_account(account, field):
    form = EuroclusterForm(data=form_data(**account))
    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_admin_form_accepts_no_account_at_all():
    assert EuroclusterForm(data=form_data()).is_valid()
