from django.apps import AppConfig

# Registers the portal's system checks (they read settings only, nothing that needs the models).
from portal import checks  # noqa: F401


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"
