"""What reporting plugs into the registries of the portal, once, from ``AppConfig.ready()``."""

from accounts.roles import move_home


def register() -> None:
    # The manager area opens on the Eurocluster dashboard, which lives up here; the calls table
    # (applications' home for the role) stays one click away.
    move_home(code="manager", home="reporting:dashboard")
