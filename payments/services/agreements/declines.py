"""Agreements not signed by their deadline are declined; the reserve list moves up."""

import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application
from evaluation.services.ranking import selection_decline
from payments.models import GrantAgreement
from payments.services.transitions import agreement_transition
from portal.audit import audit_record
from portal.formats import brussels
from portal.notifications import notify

logger = logging.getLogger(__name__)


def agreement_decline_overdue(*, agreement_id: int, now=None) -> bool:
    """Decline one agreement still unsigned past its deadline, then withdraw its application
    and move the reserve list up (``evaluation.services.ranking.selection_decline``). Returns
    whether it was declined now; False when signed meanwhile, not yet due or already declined."""
    now = now or timezone.now()
    application_id = (GrantAgreement.objects.filter(pk=agreement_id)
                      .values_list("application_id", flat=True).first())
    if application_id is None:
        return False
    with transaction.atomic():
        # Application, then agreement: the order agreement_generate locks them in.
        list(Application.objects.select_for_update().filter(pk=application_id)
             .values_list("pk", flat=True))
        agreement = (GrantAgreement.objects.select_for_update(of=("self",))
                     .select_related("application__organisation__user", "application__call")
                     .filter(pk=agreement_id).first())
        if (agreement is None or agreement.status != GrantAgreement.Status.GENERATED
                or agreement.signing_deadline is None or agreement.signing_deadline >= now):
            return False
        reason = _("not signed by the deadline of %(when)s (Brussels time)") % {
            "when": brussels(agreement.signing_deadline)}
        agreement = agreement_transition(agreement=agreement,
                                         to=GrantAgreement.Status.DECLINED, by=None,
                                         reason=reason)
        audit_record(subject=agreement, action="agreement_declined_overdue", actor=None,
                     reason=reason, data={"deadline": agreement.signing_deadline.isoformat()})
        application = agreement.application
        if application.status == Application.Status.SELECTED:
            selection_decline(application=application, by=None,
                              reason=_("grant agreement %(reason)s") % {"reason": reason})
        notify(recipient=application.organisation.user, kind="payments.agreement_declined",
               context={"application": application, "call": application.call,
                        "deadline": brussels(agreement.signing_deadline)},
               link=reverse("applications:detail", kwargs={"pk": application.pk}))
    return True


def agreements_decline_overdue(*, now=None) -> int:
    """Decline every agreement still unsigned past its signing deadline (each in its own
    transaction). Returns how many were declined; running it again declines nothing more."""
    now = now or timezone.now()
    ids = list(GrantAgreement.objects
               .filter(status=GrantAgreement.Status.GENERATED, signing_deadline__lt=now)
               .order_by("signing_deadline", "pk").values_list("pk", flat=True))
    declined = 0
    for agreement_id in ids:
        if agreement_decline_overdue(agreement_id=agreement_id, now=now):
            declined += 1
    if declined:
        logger.info("agreements: %d declined past their signing deadline", declined)
    return declined
