from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = "Support activities"

    def ready(self) -> None:
        from activities import hooks  # noqa: PLC0415 -- it imports models: only once apps are ready

        hooks.register()
