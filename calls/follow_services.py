"""Following a call: a signed-in person follows a call and is told (``notify``) when its
deadline moves, a document is added, or a question and its answer are published. The call
administration calls ``call_deadline_moved`` and ``call_document_added`` after its saves.

A moved deadline concerns more people than the followers: the apps above register who else
(``register_deadline_audience``; applications: the applicants whose application in the call
can still be changed), and each person is told once.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from calls.models import CallDocument, CallFollower, OpenCall
from portal.audit import audit_record
from portal.errors import DomainError
from portal.notifications import notify_many

# Who, besides its followers, is told that a call's deadline moved: each source gives the ids of
# users concerned by the call.
_DEADLINE_AUDIENCES: list[Callable[[OpenCall], Iterable[int]]] = []


def register_deadline_audience(source: Callable[[OpenCall], Iterable[int]]) -> None:
    """A higher app adds the people a moved deadline concerns (applications: the applicants)."""
    if source not in _DEADLINE_AUDIENCES:
        _DEADLINE_AUDIENCES.append(source)


@transaction.atomic
def call_follow(*, call: OpenCall, user: Any) -> CallFollower:
    """``user`` follows ``call`` (a second time changes nothing). Raises DomainError for a call
    that is not public."""
    if call.status not in OpenCall.VISIBLE:
        raise DomainError(_("This call cannot be followed."))
    follower, _created = CallFollower.objects.get_or_create(call=call, user=user)
    return follower


@transaction.atomic
def call_unfollow(*, call: OpenCall, user: Any) -> bool:
    """``user`` stops following ``call``; returns whether they did follow it."""
    deleted, _detail = CallFollower.objects.filter(call=call, user=user).delete()
    return bool(deleted)


def followers_notify(*, call: OpenCall, kind: str, context: dict, link: str = "",
                     exclude: Iterable[int] = (), also: Iterable[int] = ()) -> int:
    """Notify every active follower of ``call`` and every active user in ``also`` (by id), each
    once, but those in ``exclude``; returns how many. Call it inside the transaction of the
    change. A fixed number of queries however many are told (``notify_many``)."""
    followers = set(CallFollower.objects.filter(call=call).values_list("user_id", flat=True))
    people = (get_user_model().objects.filter(pk__in=followers | set(also), is_active=True)
              .exclude(pk__in=list(exclude)).order_by("pk"))
    return len(notify_many(kind=kind, messages=[(person, context, link) for person in people]))


@transaction.atomic
def call_deadline_moved(*, call: OpenCall, previous: datetime, by: Any) -> int:
    """The call's deadline was changed from ``previous``: audit it and tell the followers and
    the registered audiences (an essential notification), each once. Returns how many were
    told; nothing when it did not move."""
    if previous == call.closes_at:
        return 0
    audit_record(subject=call, action="calls.deadline_moved", actor=by,
                 data={"from": previous.isoformat(), "to": call.closes_at.isoformat()})
    concerned = {user_id for source in _DEADLINE_AUDIENCES for user_id in source(call)}
    return followers_notify(call=call, kind="calls.deadline_changed",
                            link=call.get_absolute_url(), also=concerned,
                            context={"call": call, "previous": previous})


@transaction.atomic
def call_document_added(*, document: CallDocument, by: Any) -> int:
    """A document was added to a public call: tell its followers. Returns how many."""
    call = document.call
    if call.status not in OpenCall.VISIBLE:
        return 0
    return followers_notify(call=call, kind="calls.document_added",
                            link=call.get_absolute_url(),
                            context={"call": call, "document": document})
