from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """The top floor: reads every app below it, and nothing imports it."""

    name = "reporting"
    verbose_name = _("Reporting and open data")

    def ready(self) -> None:
        from reporting import hooks  # noqa: PLC0415 -- models not ready
        from reporting.audit import exports  # noqa: F401, PLC0415 -- registers the export

        hooks.register()
