"""What payments plugs into the registries of the apps below it, once, from
``AppConfig.ready()``: the finance officer's role (accounts.roles: menu and home after login) and
the beneficiary's next steps (applications.next_actions: sign, bank details, reports), and the
beneficiaries' personal data with the retention clock (accounts.personal_data)."""

from django.utils.translation import gettext_lazy as _

from accounts.mfa import register_mfa_invitation
from accounts.personal_data import Contributor, register_contributor, register_last_payments
from accounts.roles import register_role
from applications.next_actions import register_next_actions
from euroclusters.models import Membership
from euroclusters.rules import eurocluster_ids_with_role
from payments import personal_data, reminders
from payments.models import Signature
from payments.next_actions import payment_actions
from portal.notifications import register_kind


def register() -> None:
    # From the per-request role cache: no query of its own.
    register_role(code="finance", priority=20, home="payments:finance",
                  held=lambda request: bool(eurocluster_ids_with_role(
                      request.user, Membership.Role.FINANCE)))
    register_next_actions("payments.beneficiary", payment_actions)
    reminders.register_kinds()
    # A beneficiary who signed a grant agreement is invited to protect her account with a second
    # factor: her account now leads to bank details and payments.
    register_mfa_invitation(code="signed_agreement", held=lambda request: Signature.objects.filter(
        signer=request.user, role=Signature.Role.BENEFICIARY).exists())
    register_contributor(Contributor(
        name="payments", layer=7, export=personal_data.export, holds=personal_data.holds,
        erase=personal_data.erase, purge=personal_data.purge))
    # The retention clock of every held record: the Eurocluster's last payment.
    register_last_payments(personal_data.last_payments)
    # What payments tells people (portal.notifications). The beneficiary's agreement, bank
    # details, reports and payments concern her money: always e-mailed. The finance officers'
    # and managers' work may wait for a digest.
    for key, label, template, essential in (
        ("payments.agreement_ready", _("Grant agreement ready to sign"),
         "payments_agreement_ready", True),
        ("payments.agreement_countersigned", _("Grant agreement countersigned"),
         "payments_agreement_countersigned", True),
        ("payments.agreement_declined", _("Grant agreement not signed in time"),
         "payments_agreement_declined", True),
        ("payments.payment_sent", _("Payments made"), "payments_payment_sent", True),
        ("payments.bank_decided", _("Decisions on new bank details"), "payments_bank_decided",
         True),
        ("payments.report_reviewed", _("Decisions on your reports"), "payments_report_reviewed",
         True),
        ("payments.bank_pending", _("New bank details to decide (finance)"),
         "payments_bank_pending", False),
        ("payments.report_submitted", _("Reports submitted (managers)"),
         "payments_report_submitted", False),
    ):
        register_kind(key=key, label=label, template=template, essential=essential)
