from django.apps import AppConfig

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
