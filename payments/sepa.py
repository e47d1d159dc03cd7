"""SEPA credit transfer files (ISO 20022 pain.001), built with sepaxml. Pure: plain data in,
bytes out, no Django.

``build_credit_transfer`` turns a debtor account and a list of transfers into a pain.001 file and
validates it against the XSD that sepaxml ships (``xmlschema``); ``read_totals`` reads the number
of transactions and the control sum back from a file, so that the caller can check them against
its own figures. ``account_problems`` checks an account (holder, IBAN, BIC) with schwifty.
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer
from sepaxml.validation import ValidationError as SepaValidationError
from text_unidecode import unidecode

# The 2019 version of the message, the one of the current EPC rulebooks (sepaxml ships its XSD).
SCHEMA = "pain.001.001.09"
NAMESPACE = f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"
CURRENCY = "EUR"
# The characters every SEPA bank accepts (EPC "Latin character set"); anything else becomes a space.
NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
MAX_ID = 35
MAX_NAME = 70
MAX_REMITTANCE = 140


class SepaError(Exception):
    """The file cannot be built: the message says which value is wrong."""


@dataclass(frozen=True)
class Account:
    holder: str
    iban: str
    bic: str


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    creditor: Account
    amount: Decimal  # euros, two decimals
    remittance: str


def sepa_text(value: str, *, limit: int) -> str:
    """``value`` in the SEPA character set (accents transliterated), spaces squeezed, cut."""
    cleaned = NOT_SEPA.sub(" ", unidecode(value or ""))
    return " ".join(cleaned.split())[:limit].strip()


def sepa_id(value: str) -> str:
    """An identifier (message id, end-to-end id) safe for every bank: no spaces, ≤ 35."""
    return NOT_SEPA.sub("", unidecode(value or "")).replace(" ", "")[:MAX_ID]


def to_cents(amount: Decimal) -> int:
    """Exact cents of a euro amount; refuses fractions of a cent instead of rounding."""
    cents = Decimal(amount) * 100
    if cents != cents.to_integral_value():
        raise SepaError(f"{amount} is not a whole number of cents")
    return int(cents)


def account_problems(account: Account) -> list[str]:
    """What is wrong with ``account`` (empty if nothing): holder missing, IBAN or BIC invalid.

    Plain English strings; callers translate their own wording around them.
    """
    problems = []
    if not sepa_text(account.holder, limit=MAX_NAME):
        problems.append("the account holder is missing")
    try:
        IBAN(account.iban or "")
    except (SchwiftyException, ValueError) as error:
        problems.append(f"the IBAN is not valid ({error})")
    try:
        BIC(account.bic or "")
    except (SchwiftyException, ValueError) as error:
        problems.append(f"the BIC is not valid ({error})")
    return problems


def build_credit_transfer(*, message_id: str, debtor: Account, transfers: list[Transfer],
                          execution_date: date) -> bytes:
    """A pain.001 file paying every transfer from ``debtor`` on ``execution_date``.

    Validated against the schema; raises SepaError when a value is refused (the message names
    the transfer) or when the schema does not validate.
    """
    if not transfers:
        raise SepaError("a SEPA file needs at least one transfer")
    problems = account_problems(debtor)
    if problems:
        raise SepaError("debtor account: " + "; ".join(problems))
    config = {
        "name": sepa_text(debtor.holder, limit=MAX_NAME),
        "IBAN": str(IBAN(debtor.iban)),
        "BIC": str(BIC(debtor.bic)),
        "batch": True,
        "currency": CURRENCY,
    }
    document = SepaTransfer(config, schema=SCHEMA, clean=False)
    for transfer in transfers:
        problems = account_problems(transfer.creditor)
        if problems:
            raise SepaError(f"{transfer.end_to_end_id}: " + "; ".join(problems))
        end_to_end_id = sepa_id(transfer.end_to_end_id)
        if end_to_end_id != transfer.end_to_end_id:
            raise SepaError(f"{transfer.end_to_end_id!r} is not a SEPA-safe end-to-end id")
        cents = to_cents(transfer.amount)
        if cents <= 0:
            raise SepaError(f"{transfer.end_to_end_id}: the amount must be positive")
        document.add_payment({
            "name": sepa_text(transfer.creditor.holder, limit=MAX_NAME),
            "IBAN": str(IBAN(transfer.creditor.iban)),
            "BIC": str(BIC(transfer.creditor.bic)),
            "amount": cents,
            "execution_date": execution_date,
            "description": sepa_text(transfer.remittance, limit=MAX_REMITTANCE),
            "endtoend_id": end_to_end_id,
        })
    # sepaxml makes a random message id; ours is the batch reference, which the bank reports.
    header = document._xml.find("CstmrCdtTrfInitn/GrpHdr/MsgId")
    header.text = sepa_id(message_id)
    try:
        return document.export(validate=True)
    except SepaValidationError as error:
        cause = error.__cause__
        detail = getattr(cause, "reason", None) or str(cause or error)
        raise SepaError(f"the file does not validate against {SCHEMA}: {detail}") from error


@dataclass(frozen=True)
class Totals:
    message_id: str
    number_of_transactions: int
    control_sum: Decimal
    debtor_iban: str
    end_to_end_ids: tuple[str, ...]


def read_totals(xml: bytes) -> Totals:
    """The group header's figures of a pain.001 file, and what its transactions say."""
    ns = {"p": NAMESPACE}
    root = ET.fromstring(xml)  # noqa: S314 - a file this portal built, not an upload
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", ns)
    return Totals(
        message_id=header.findtext("p:MsgId", namespaces=ns),
        number_of_transactions=int(header.findtext("p:NbOfTxs", namespaces=ns)),
        control_sum=Decimal(header.findtext("p:CtrlSum", namespaces=ns)),
        debtor_iban=root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:DbtrAcct/p:Id/p:IBAN",
                                  namespaces=ns),
        end_to_end_ids=tuple(node.text for node in root.iterfind(
            "p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf/p:PmtId/p:EndToEndId", ns)),
    )
