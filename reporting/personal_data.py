"""What reporting holds about a person (accounts.personal_data): the exports they asked for (the
files are the Eurocluster's data, not the person's: listed, not included). No legal retention:
an erased person's exports go with their files."""

from accounts.personal_data import Hold, Section
from reporting.models import Export


def export(user) -> Section:
    return Section(data={"exports": list(Export.objects.filter(requested_by=user).order_by("pk")
                                         .values("name", "file_format", "status", "created_at",
                                                 "expires_at"))})


def holds(user) -> list[Hold]:
    return []


def erase(user) -> None:
    for item in Export.objects.filter(requested_by=user):
        if item.file:
            item.file.delete(save=False)
    Export.objects.filter(requested_by=user).delete()


def purge(user) -> None:
    """Nothing held."""
