"""What euroclusters holds about a person (accounts.personal_data): their roles in Eurocluster
teams. No legal retention: a person who leaves is no longer on a team (the audit trail keeps
the grants and revocations)."""

from accounts.personal_data import Hold, Section
from euroclusters.models import Membership


def export(user) -> Section:
    return Section(data={"memberships": [
        {"eurocluster": m.eurocluster.acronym, "role": m.role}
        for m in Membership.objects.filter(user=user).select_related("eurocluster")
        .order_by("eurocluster__acronym")]})


def holds(user) -> list[Hold]:
    return []


def erase(user) -> None:
    Membership.objects.filter(user=user).delete()


def purge(user) -> None:
    """Nothing held."""
