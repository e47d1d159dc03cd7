"""What the notification centre holds about a person (accounts.personal_data): her
notifications (their texts and e-mails name her applications, results and payments) and her
e-mail preferences. portal owns the models but sits below accounts, so accounts registers them.
No legal retention: the records they speak of are kept where they live."""

from accounts.personal_data import Hold, Section
from portal.models import Notification, NotificationPreference


def export(user) -> Section:
    return Section(data={
        "notifications": [
            {"kind": n.kind, "text": n.text, "body": n.body, "link": n.link,
             "created_at": n.created_at, "read_at": n.read_at, "email": n.delivery,
             "emailed_at": n.emailed_at}
            for n in Notification.objects.filter(recipient=user).order_by("created_at", "pk")],
        "preferences": [
            {"kind": p.kind, "choice": p.choice}
            for p in NotificationPreference.objects.filter(person=user).order_by("kind")],
    })


def holds(user) -> list[Hold]:
    return []


def erase(user) -> None:
    Notification.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(person=user).delete()


def purge(user) -> None:
    """Nothing held."""
