from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Registers the portal's system checks (they read settings only, nothing that needs the models).
from portal import checks  # noqa: F401


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # scanning registers the start-up warning when virus scanning is off; metrics and
        # request_id connect their Celery signal receivers on import, in the web and the worker.
        from portal import (  # noqa: F401, PLC0415 -- the apps and models must be loaded first
            metrics,
            request_id,
            scanning,
        )
        from portal.notifications import register_kind  # noqa: PLC0415 -- it imports models

        # A file found infected after it was stored is deleted: its owner must know.
        register_kind(key="portal.upload_infected", label=_("Uploads refused by the virus scan"),
                      template="portal_upload_infected", essential=True)
