from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Grant agreements and payments"

    def ready(self) -> None:
        from accounts.roles import register_role
        from applications.next_actions import register_next_actions
        from euroclusters.models import Membership
        from euroclusters.rules import eurocluster_ids_with_role
        from payments.next_actions import payment_actions

        # From the per-request role cache: no query of its own.
        register_role(code="finance", priority=20, home="payments:finance",
                      held=lambda request: bool(eurocluster_ids_with_role(
                          request.user, Membership.Role.FINANCE)))
        # The beneficiary's dashboard shows the agreement to sign, bank details, reports due.
        register_next_actions("payments.beneficiary", payment_actions)
