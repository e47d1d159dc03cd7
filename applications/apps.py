from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Applications"

    def ready(self) -> None:
        from applications import hooks  # noqa: PLC0415 -- it imports models: only once apps are ready

        hooks.register()
