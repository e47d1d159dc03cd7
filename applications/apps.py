from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Applications"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from applications import roles
        from applications.next_actions import draft_actions, register_next_actions

        roles.register()
        register_next_actions("applications.drafts", draft_actions)
        user_logged_in.connect(roles.remember_applicant,
                               dispatch_uid="applications_remember_applicant")
