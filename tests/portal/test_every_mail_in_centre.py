"""Issue 12: every e-mail the portal sends to a person with an account goes through notify(), so
it also lands in her notification centre. Held three ways: the code calls ``mail_on_commit``
only where the person has no account left; every e-mail template is a registered kind's (or the
erasure's, or the digest's); and the mails of real journeys each have their notification, with
the same recipient and subject."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from applications.models import Declaration
from applications.services import application_submit
from euroclusters.models import Membership
from evaluation.models import Ranking, RankingEntry
from payments.models import GrantAgreement
from payments.services.agreements import agreement_generate
from payments.services.beneficiary import bank_account_decide, bank_account_save
from portal.models import Notification
from portal.notifications import kinds
from tests.factories import MembershipFactory, complete_application
from tests.payments.factories import (
    BIC_BE,
    BIC_DE,
    IBAN_BE,
    IBAN_DE,
    results_call,
    selected_application,
)

ROOT = Path(settings.BASE_DIR)

# Where a mail may still go without a notification, and why.
DIRECT_MAIL = {
    # The confirmation of an erasure goes to an address whose account (and notifications) the
    # same transaction has just deleted or pseudonymised: there is no centre left to land in.
    "accounts/services/erasure.py": 1,
    # The double opt-in of call alerts goes to an address typed by anyone, not to an account.
    "calls/alert_services.py": 1,
}
# Templates of e-mails that are not one notification's: the erasure's confirmation, the digest
# (whose items are notifications), the footer of every notification, and the call alerts to
# subscribed addresses (the confirmation, and the new call, sent by calls.alert_services with
# its own one-click unsubscribe).
NOT_A_KIND = {"account_erased", "portal_digest", "portal_footer", "calls_alert_confirm",
              "calls_new_call"}


def test_only_the_erasure_confirmation_is_still_mailed_directly():
    calls = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".", "tests/", "var/")) or relative == "portal/mail.py":
            continue
        found = len(re.findall(r"\bmail_on_commit\(", path.read_text()))
        if found:
            calls[relative] = found
    assert calls == DIRECT_MAIL


def test_every_email_template_is_a_registered_kinds():
    templates = {path.name.removesuffix("_subject.txt")
                 for path in (ROOT / "templates" / "email").glob("*_subject.txt")}
    registered = {kind.template for kind in kinds()}
    assert templates - NOT_A_KIND == registered - {"account_erased"}  # tests' own kinds aside
    assert NOT_A_KIND - {"portal_footer"} <= templates


def assert_each_mail_has_its_notification():
    sent = sorted((m.to, m.subject) for m in mail.outbox)
    recorded = sorted(([n.recipient.email], n.text) for n in Notification.objects.filter(
        delivery=Notification.Delivery.SENT).select_related("recipient"))
    assert sent == recorded
    assert sent  # the journey did send something


@pytest.mark.django_db
def test_the_mails_of_submission_agreement_and_bank_changes_are_each_in_the_centre(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = complete_application()
        application_submit(application=application, by=application.created_by,
                           declarations=Declaration.values)
    call = results_call(budget=Decimal("40000"))
    selected = selected_application(call)
    ranking = Ranking.objects.create(call=call, status=Ranking.Status.PUBLISHED,
                                     published_at=timezone.now(), computed_at=timezone.now())
    RankingEntry.objects.create(ranking=ranking, application=selected, rank=1,
                                total=Decimal(20), amount=Decimal("20000"), outcome="selected")
    finance = MembershipFactory(role=Membership.Role.FINANCE, eurocluster=call.eurocluster).user
    MembershipFactory(role=Membership.Role.FINANCE, eurocluster=call.eurocluster)
    organisation, beneficiary = selected.organisation, selected.organisation.user
    with django_capture_on_commit_callbacks(execute=True):
        agreement_generate(application=selected)
    bank_account_save(organisation=organisation, by=beneficiary, holder="Acme Robotics SRL",
                      iban=IBAN_BE, bic=BIC_BE)
    GrantAgreement.objects.filter(application=selected).update(
        status=GrantAgreement.Status.SIGNED_BY_BENEFICIARY)
    with django_capture_on_commit_callbacks(execute=True):
        pending = bank_account_save(organisation=organisation, by=beneficiary,
                                    holder="Acme Robotics SRL", iban=IBAN_DE, bic=BIC_DE)
        bank_account_decide(account=pending, by=finance, approve=True, note="")

    assert_each_mail_has_its_notification()
    kinds_sent = sorted(Notification.objects.values_list("kind", flat=True))
    assert kinds_sent == ["applications.submission_receipt", "payments.agreement_ready",
                          "payments.bank_decided", "payments.bank_pending",
                          "payments.bank_pending"]  # one per finance officer
    links = dict(Notification.objects.exclude(kind="payments.bank_pending")
                 .values_list("kind", "link"))
    assert links == {
        "applications.submission_receipt": f"/applications/{application.pk}/versions/1/",
        "payments.agreement_ready": f"/applications/{selected.pk}/agreement/",
        "payments.bank_decided": "/enterprise/bank/"}
