from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Grant agreements and payments"

    def ready(self) -> None:
        from accounts.roles import register_role
        from euroclusters.models import Membership
        from euroclusters.rules import eurocluster_ids_with_role

        # From the per-request role cache: no query of its own.
        register_role(code="finance", priority=20, home="payments:finance",
                      held=lambda request: bool(eurocluster_ids_with_role(
                          request.user, Membership.Role.FINANCE)))
