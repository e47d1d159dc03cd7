from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # allauth.mfa's signals import its models, which Django loads only once the registry is
        # ready.
        from allauth.mfa import signals  # noqa: PLC0415 -- models not ready

        from accounts import notification_data  # noqa: PLC0415 -- models not ready
        from accounts.mfa import (  # noqa: PLC0415 -- models not ready
            audit_mfa_added,
            audit_mfa_removed,
            remember_mfa,
        )
        from accounts.personal_data import (  # noqa: PLC0415 -- models not ready
            Contributor,
            register_contributor,
        )

        # The notification centre's rows (portal's models, which cannot see accounts).
        register_contributor(Contributor(
            name="notifications", layer=1, export=notification_data.export,
            holds=notification_data.holds, erase=notification_data.erase,
            purge=notification_data.purge))

        # Whether the person has a second factor, kept in the session: no query per page.
        user_logged_in.connect(remember_mfa, dispatch_uid="accounts_remember_mfa")
        signals.authenticator_added.connect(remember_mfa, dispatch_uid="accounts_mfa_added")
        signals.authenticator_removed.connect(remember_mfa, dispatch_uid="accounts_mfa_removed")
        signals.authenticator_added.connect(audit_mfa_added,
                                            dispatch_uid="accounts_audit_mfa_added")
        signals.authenticator_removed.connect(audit_mfa_removed,
                                              dispatch_uid="accounts_audit_mfa_removed")
