"""Every write of the beneficiary's money side, one module per part:

- ``tranches``: the tranches of an agreement, cut from the call's schedule and made due by their
  events (``tranches_create`` and ``tranches_on_event``, called at countersignature and when a
  report is approved);
- ``bank``: the bank details, with a finance officer's approval of a change once an agreement is
  signed;
- ``reports``: the progress reports and their review.

The reads around them (whether payments are blocked, which reports an agreement asks for) are in
``payments.selectors``. The names below are the part's public services, importable from here.
"""

from payments.services.beneficiary.bank import (
    BankDetailsInvalid,
    NotAllowed,
    bank_account_decide,
    bank_account_save,
    bank_details_clean,
    mask_iban,
)
from payments.services.beneficiary.reports import (
    MIN_COMMENT_CHARS,
    MIN_REPORT_CHARS,
    ReportNotSubmitted,
    ReportRefused,
    report_attach,
    report_attachment_remove,
    report_document_add,
    report_review,
    report_save,
    report_submit,
)
from payments.services.beneficiary.tranches import (
    DEFAULT_SCHEDULE,
    REPORT_EVENTS,
    ReportDatesRefused,
    ScheduleInvalid,
    tranche_report_dates_set,
    tranches_create,
    tranches_on_event,
)

__all__ = [
    "DEFAULT_SCHEDULE",
    "MIN_COMMENT_CHARS",
    "MIN_REPORT_CHARS",
    "REPORT_EVENTS",
    "BankDetailsInvalid",
    "NotAllowed",
    "ReportDatesRefused",
    "ReportNotSubmitted",
    "ReportRefused",
    "ScheduleInvalid",
    "bank_account_decide",
    "bank_account_save",
    "bank_details_clean",
    "mask_iban",
    "report_attach",
    "report_attachment_remove",
    "report_document_add",
    "report_review",
    "report_save",
    "report_submit",
    "tranche_report_dates_set",
    "tranches_create",
    "tranches_on_event",
]
