"""What activities holds about a person (accounts.personal_data): the support activities their
enterprise took part in, and the participant lists they imported as a manager. No legal
retention here (activities are no financial support); the participations stay as the
Eurocluster's KPI evidence, they name the enterprise, never the person."""

from accounts.personal_data import Hold, Section
from activities.models import Participant, ParticipantImport


def export(user) -> Section:
    return Section(data={
        "participations": [
            {"activity": p.activity.title, "kind": p.activity.kind,
             "starts_on": p.activity.starts_on, "eurocluster": p.activity.eurocluster.acronym,
             "as": p.name}
            for p in Participant.objects.filter(organisation__user=user)
            .select_related("activity__eurocluster").order_by("activity__starts_on", "pk")],
        "participant_imports": list(ParticipantImport.objects.filter(created_by=user)
                                    .order_by("pk").values("filename", "created_at")),
    })


def holds(user) -> list[Hold]:
    return []


def erase(user) -> None:
    ParticipantImport.objects.filter(created_by=user).delete()


def purge(user) -> None:
    """Nothing held."""
