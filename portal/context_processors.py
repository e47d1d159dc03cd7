from django.utils.functional import SimpleLazyObject

from portal.notifications import unread_count


def notifications(request) -> dict:
    """``unread_notifications``: the bell's number for a signed-in person, counted only when a
    template prints it: one COUNT over the partial index of unread rows, and no query at all for
    anonymous visitors or pages without the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(person=user))}
