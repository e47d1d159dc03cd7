"""What euroclusters plugs into the registries of the portal, once, from ``AppConfig.ready()``:
the team members' personal data (accounts.personal_data)."""

from accounts.personal_data import Contributor, register_contributor
from euroclusters import personal_data


def register() -> None:
    register_contributor(Contributor(
        name="euroclusters", layer=2, export=personal_data.export, holds=personal_data.holds,
        erase=personal_data.erase, purge=personal_data.purge))
