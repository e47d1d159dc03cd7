"""Writes of the reporting app: withholding a beneficiary's publication and publishing it again.

Both lock the agreement, check the rule ``reporting.withhold_publication``, and write an audit
line on the agreement (which outlives the withholding row), with the manager's reason.
"""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from payments.models import GrantAgreement
from portal.audit import audit_record
from portal.errors import DomainError
from reporting.models import PublicationWithholding

PERMISSION = "reporting.withhold_publication"


class PublicationRefused(DomainError):
    pass


def _locked(agreement: GrantAgreement, by: Any) -> GrantAgreement:
    agreement = (GrantAgreement.objects.select_for_update()
                 .select_related("application__call").get(pk=agreement.pk))
    if not by.has_perm(PERMISSION, agreement):
        raise PublicationRefused(_("Only a manager of the call's Eurocluster decides whether "
                                   "its beneficiaries are published."))
    return agreement


@transaction.atomic
def beneficiary_withhold(*, agreement: GrantAgreement, reason: str,
                         by: Any) -> PublicationWithholding:
    """Keep the beneficiary of ``agreement`` out of the public list, the CSV and the JSON.

    Raises PublicationRefused for someone who is not a manager of the agreement's Eurocluster,
    for a reason shorter than 20 characters, and for a declined agreement. Audited on the
    agreement. Withholding again changes nothing (the first reason stays).
    """
    reason = reason.strip()
    agreement = _locked(agreement, by)
    existing = PublicationWithholding.objects.filter(agreement=agreement).first()
    if existing is not None:
        return existing  # a double click
    if len(reason) < PublicationWithholding.REASON_MIN_CHARS:
        raise PublicationRefused(
            _("Say why the beneficiary is not published, in at least %(n)d characters.")
            % {"n": PublicationWithholding.REASON_MIN_CHARS})
    if agreement.status == GrantAgreement.Status.DECLINED:
        raise PublicationRefused(_("A declined agreement is never published."))
    withholding = PublicationWithholding.objects.create(agreement=agreement, reason=reason,
                                                        withheld_by=by)
    audit_record(subject=agreement, action="publication_withheld", actor=by,
                 from_state="published", to_state="withheld", reason=reason)
    return withholding


@transaction.atomic
def beneficiary_publish(*, agreement: GrantAgreement, by: Any, reason: str = "") -> None:
    """Publish again the beneficiary of ``agreement`` (it appears in the public list once the
    agreement is countersigned). Raises PublicationRefused for someone who is not a manager of
    the agreement's Eurocluster. Audited on the agreement, with the withholding's reason in the
    data. Publishing one that is not withheld changes nothing."""
    agreement = _locked(agreement, by)
    withholding = PublicationWithholding.objects.filter(agreement=agreement).first()
    if withholding is None:
        return
    withholding.delete()
    audit_record(subject=agreement, action="publication_restored", actor=by,
                 from_state="withheld", to_state="published", reason=reason.strip(),
                 data={"withheld_reason": withholding.reason,
                       "withheld_by": withholding.withheld_by_id})
