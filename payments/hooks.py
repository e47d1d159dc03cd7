"""What payments plugs into the registries of the apps below it, once, from
``AppConfig.ready()``: the finance officer's role (accounts.roles: menu and home after login) and
the beneficiary's next steps (applications.next_actions: sign, bank details, reports), and the
beneficiaries' personal data with the retention clock (accounts.personal_data)."""

from accounts.mfa import register_mfa_invitation
from accounts.personal_data import Contributor, register_contributor, register_last_payments
from accounts.roles import register_role
from applications.next_actions import register_next_actions
from euroclusters.models import Membership
from euroclusters.rules import eurocluster_ids_with_role
from payments import personal_data, reminders
from payments.models import Signature
from payments.next_actions import payment_actions


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
