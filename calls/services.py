from django.db import transaction
from django.utils import timezone

from calls.models import OpenCall
from calls.transitions import call_transition


@transaction.atomic
def calls_sync_statuses(*, now=None) -> int:
    """Open published calls whose opening has come and close open calls whose deadline passed.

    The server never relies on this for deadlines (``accepts_submissions`` reads the dates); it
    keeps the shown status right. Returns how many calls moved. Safe to run any number of times.
    """
    now = now or timezone.now()
    moved = 0
    for call in OpenCall.objects.filter(status=OpenCall.Status.PUBLISHED, opens_at__lte=now):
        call_transition(call=call, to=OpenCall.Status.OPEN, by=None, reason="opening date")
        moved += 1
    for call in OpenCall.objects.filter(status=OpenCall.Status.OPEN, closes_at__lte=now):
        call_transition(call=call, to=OpenCall.Status.CLOSED, by=None, reason="deadline")
        moved += 1
    return moved
