from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Grant agreements and payments"

    def ready(self) -> None:
        from payments import hooks  # noqa: PLC0415 -- it imports models: only once apps are ready

        hooks.register()
