from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = "Calls"

    def ready(self) -> None:
        from calls import hooks  # noqa: PLC0415 -- it imports models: only once apps are ready

        hooks.register()
