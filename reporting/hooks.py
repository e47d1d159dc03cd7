"""What reporting plugs into the registries of the portal, once, from ``AppConfig.ready()``."""

from accounts.personal_data import Contributor, register_contributor
from accounts.roles import move_home
from reporting import personal_data, reminders


def register() -> None:
    # The manager area opens on the Eurocluster dashboard, which lives up here; the calls table
    # (applications' home for the role) stays one click away.
    move_home(code="manager", home="reporting:dashboard")
    reminders.register_kinds()
    register_contributor(Contributor(
        name="reporting", layer=8, export=personal_data.export, holds=personal_data.holds,
        erase=personal_data.erase, purge=personal_data.purge))
