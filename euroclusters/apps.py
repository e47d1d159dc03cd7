from django.apps import AppConfig


class EuroclustersConfig(AppConfig):
    name = "euroclusters"
    verbose_name = "Euroclusters"

    def ready(self) -> None:
        from accounts.mfa import register_mfa_requirement  # noqa: PLC0415 -- models not ready
        from euroclusters import hooks  # noqa: PLC0415 -- models not ready
        from euroclusters.models import Membership  # noqa: PLC0415 -- models not ready
        from euroclusters.rules import eurocluster_ids_with_role  # noqa: PLC0415 -- models not ready

        # A cluster manager, finance officer or observer of any Eurocluster needs a second factor
        # (from the per-request role cache that the menu fills anyway).
        register_mfa_requirement(code="eurocluster_member", held=lambda request: bool(
            eurocluster_ids_with_role(request.user, *Membership.Role.values)))
        # The team members' personal data (accounts.personal_data).
        hooks.register()
