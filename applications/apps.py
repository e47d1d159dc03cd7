from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Applications"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from applications import roles

        roles.register()
        user_logged_in.connect(roles.remember_applicant,
                               dispatch_uid="applications_remember_applicant")
