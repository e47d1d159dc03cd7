from django.apps import AppConfig

# Registers the portal's system checks (they read settings only, nothing that needs the models).
from portal import checks  # noqa: F401


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # Registers the start-up warning when virus scanning is off.
        from portal import scanning  # noqa: F401, PLC0415 -- models must be loaded first
        # Their Celery signal receivers connect on import, in the web and in the worker alike.
        from portal import metrics, request_id  # noqa: F401, PLC0415 -- apps must be loaded
