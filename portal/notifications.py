"""One way to tell people things: ``notify()`` records a notification and e-mails it.

portal is the bottom floor and knows no kind of message itself: each app registers the kinds it
sends with ``register_kind()`` from its ``AppConfig.ready()`` (through its ``hooks.register()``),
naming the e-mail templates (``templates/email/<template>_subject.txt`` and ``_body.txt``) and
whether the kind is *essential* (receipts, results, agreement ready, payment made, deadlines
changed: always e-mailed, whatever the person's preferences).

A notification is what the person reads again in the notification centre (``/notifications/``):
its kind, a short text (the e-mail's subject), a link into the portal, read or unread, and the
e-mail's delivery state. The e-mail is rendered now, inside the caller's transaction (so it shows
the state just written), stored on the notification and sent by ``portal.send_notification`` once
the transaction commits.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from portal.errors import DomainError
from portal.languages import language_of
from portal.mail import email_message
from portal.models import Notification, NotificationPreference
from portal.queue import enqueue_on_commit
from portal.site import absolute_url, site_url

logger = logging.getLogger(__name__)

# The salt keeps an unsubscribe token from being valid as any other signed value of the portal.
UNSUBSCRIBE_SALT = "portal.notifications.unsubscribe"


@dataclass(frozen=True)
class Kind:
    key: str  # "<app>.<what>", e.g. "applications.submission_receipt"
    label: str | Promise  # what the person sees in the centre's filter and her preferences
    template: str  # templates/email/<template>_subject.txt and _body.txt
    essential: bool = False


_KINDS: dict[str, Kind] = {}


def register_kind(*, key: str, label: str | Promise, template: str,
                  essential: bool = False) -> Kind:
    """Register (or replace, so that a second ``ready()`` is harmless) the kind ``key``."""
    kind = Kind(key=key, label=label, template=template, essential=essential)
    _KINDS[key] = kind
    return kind


def kind_of(key: str) -> Kind:
    try:
        return _KINDS[key]
    except KeyError:
        raise ImproperlyConfigured(f"No notification kind {key!r} is registered.") from None


def kinds() -> list[Kind]:
    """Every registered kind, by key."""
    return [_KINDS[key] for key in sorted(_KINDS)]


def optional_kinds() -> list[Kind]:
    """The kinds a person may choose for (every kind that is not essential), by key."""
    return [kind for kind in kinds() if not kind.essential]


def is_essential(key: str) -> bool:
    """Whether ``key`` is always e-mailed at once. An unknown kind (no longer registered) is
    treated as essential: nobody can have turned it off."""
    kind = _KINDS.get(key)
    return kind is None or kind.essential


def render_email(*, template: str, context: dict[str, Any]) -> tuple[str, str]:
    """The subject (one line) and body of ``templates/email/<template>_*.txt``."""
    context = {"site_url": site_url(), **context}
    subject = " ".join(render_to_string(f"email/{template}_subject.txt", context).split())
    body = render_to_string(f"email/{template}_body.txt", context)
    return subject, body


# --- links in every e-mail ----------------------------------------------------------------------

def unsubscribe_token(*, person: Any, kind: str) -> str:
    """A signed token that turns ``kind`` off for ``person``, without a login (RFC 8058)."""
    return signing.dumps({"p": person.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, person: Any, kind: str) -> str:
    return absolute_url(reverse("notifications:unsubscribe",
                                kwargs={"token": unsubscribe_token(person=person, kind=kind)}))


def preferences_url() -> str:
    return absolute_url(reverse("notifications:preferences"))


def _footer(*, person: Any, kind: str) -> str:
    return render_to_string("email/portal_footer.txt", {
        "preferences_url": preferences_url(),
        "unsubscribe_url": "" if is_essential(kind) else unsubscribe_url(person=person,
                                                                          kind=kind),
    })


def _headers(*, person: Any, kind: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058 one-click unsubscribe, for the kinds a person may turn off."""
    if is_essential(kind):
        return {}
    return {"List-Unsubscribe": f"<{unsubscribe_url(person=person, kind=kind)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


# --- notify -------------------------------------------------------------------------------------

def preference_of(*, person: Any, kind: str) -> str:
    """The person's choice for ``kind`` (immediate when she never chose, and always for an
    essential kind)."""
    if is_essential(kind):
        return NotificationPreference.Choice.IMMEDIATE
    choice = (NotificationPreference.objects.filter(person=person, kind=kind)
              .values_list("choice", flat=True).first())
    return choice or NotificationPreference.Choice.IMMEDIATE


DELIVERY_FOR = {
    NotificationPreference.Choice.IMMEDIATE: Notification.Delivery.PENDING,
    NotificationPreference.Choice.DIGEST: Notification.Delivery.DIGEST,
    NotificationPreference.Choice.OFF: Notification.Delivery.OFF,
}


def _render_for(*, recipient: Any, kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """The subject and body (with the footer) of ``kind`` for ``recipient``, in her language."""
    with translation.override(language_of(recipient)):
        subject, body = render_email(template=kind_of(kind).template, context=context)
        return subject, body.rstrip("\n") + "\n\n" + _footer(person=recipient, kind=kind)


def notify(*, recipient: Any, kind: str, context: dict[str, Any], link: str = "") -> Notification:
    """Record a notification of ``kind`` for ``recipient`` and e-mail it as she chose.

    ``link`` is a path in the portal (``/applications/12/``) that the centre links the
    notification to. An essential kind, or a kind she never chose for, is e-mailed at once
    (``portal.send_notification`` queued after commit); otherwise it waits for her daily digest
    (``portal.send_digests``) or is not e-mailed at all. It is in her centre in every case.
    Returns the ``Notification``.
    """
    subject, body = _render_for(recipient=recipient, kind=kind, context=context)
    delivery = DELIVERY_FOR[preference_of(person=recipient, kind=kind)]
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, text=subject[:300], body=body, link=link,
        delivery=delivery,
    )
    if delivery == Notification.Delivery.PENDING:
        enqueue_on_commit("portal.send_notification", notification_id=notification.pk)
    return notification


def notify_many(*, kind: str,
                messages: list[tuple[Any, dict[str, Any], str]]) -> list[Notification]:
    """``notify`` many people at once, each ``(recipient, context, link)`` of ``messages``: the
    same as one ``notify`` each, in a fixed number of queries (the results of a whole call)."""
    registered = kind_of(kind)
    choices: dict[int, str] = {}
    if not registered.essential:
        choices = dict(NotificationPreference.objects.filter(
            person__in=[recipient for recipient, _, _ in messages], kind=kind,
        ).values_list("person_id", "choice"))
    notifications = []
    for recipient, context, link in messages:
        subject, body = _render_for(recipient=recipient, kind=kind, context=context)
        choice = choices.get(recipient.pk, NotificationPreference.Choice.IMMEDIATE)
        notifications.append(Notification(recipient=recipient, kind=kind, text=subject[:300],
                                          body=body, link=link, delivery=DELIVERY_FOR[choice]))
    notifications = Notification.objects.bulk_create(notifications, batch_size=500)
    for notification in notifications:
        if notification.delivery == Notification.Delivery.PENDING:
            enqueue_on_commit("portal.send_notification", notification_id=notification.pk)
    return notifications


def notify_each(*, recipients: Any, kind: str, context: dict[str, Any],
                link: str = "") -> list[Notification]:
    """``notify`` each of ``recipients`` (the managers of a call, say) with the same context, in a
    fixed number of queries (``notify_many``)."""
    return notify_many(kind=kind, messages=[(person, context, link) for person in recipients])


def notification_send(*, notification_id: int) -> str:
    """E-mail the notification if it is still waiting to be; return its delivery state.

    The row is locked while the mail goes out, so two deliveries of the task send it once; a
    failed send rolls back and leaves it pending for the task's retry.
    """
    with transaction.atomic():
        notification = (Notification.objects.select_for_update().select_related("recipient")
                        .filter(pk=notification_id).first())
        if notification is None or notification.delivery != Notification.Delivery.PENDING:
            return notification.delivery if notification else "gone"
        if not notification.recipient.email:  # erased meanwhile: nobody to write to
            notification.delivery = Notification.Delivery.FAILED
            notification.save(update_fields=["delivery"])
            return notification.delivery
        email_message(subject=notification.text, body=notification.body,
                      to=[notification.recipient.email],
                      headers=_headers(person=notification.recipient, kind=notification.kind),
                      language=language_of(notification.recipient)).send()
        notification.delivery = Notification.Delivery.SENT
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["delivery", "emailed_at"])
        return notification.delivery


# --- the daily digest ---------------------------------------------------------------------------

def digest_send(*, person_id: int, now: datetime) -> int:
    """E-mail one person ONE digest of her notifications waiting for it (created before
    ``now``) and mark them digested; the number of notifications it held (0: nothing sent).

    Locked and re-read, so two runs at once send one digest; a failed send rolls back and
    leaves them waiting for the next run.
    """
    with transaction.atomic():
        waiting = list(Notification.objects.select_for_update().select_related("recipient")
                       .filter(recipient_id=person_id, delivery=Notification.Delivery.DIGEST,
                               created_at__lte=now).order_by("created_at", "id"))
        if not waiting:
            return 0
        person = waiting[0].recipient
        if person.email:
            with translation.override(language_of(person)):
                _digest_mail(person=person, waiting=waiting).send()
        Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(
            delivery=Notification.Delivery.DIGESTED, emailed_at=timezone.now())
        return len(waiting)


def _digest_mail(*, person: Any, waiting: list[Notification]):
    """The digest e-mail of ``waiting`` for ``person`` (rendered in the active language)."""
    labels = {kind.key: kind.label for kind in kinds()}
    subject, body = render_email(template="portal_digest", context={
        "person": person, "count": len(waiting),
        "notifications": [{"notification": n, "label": labels.get(n.kind, n.kind),
                           "url": absolute_url(n.link) if n.link.startswith("/") else ""}
                          for n in waiting],
        "centre_url": absolute_url(reverse("notifications:list")),
    })
    body = body.rstrip("\n") + "\n\n" + render_to_string(
        "email/portal_footer.txt", {"preferences_url": preferences_url()})
    return email_message(subject=subject, body=body, to=[person.email])


def digests_send(*, now: datetime | None = None) -> int:
    """Send every person with notifications waiting for the digest her one digest (beat, daily);
    the number of digests sent. Run twice, the second run sends nothing."""
    now = now or timezone.now()
    people = (Notification.objects.filter(delivery=Notification.Delivery.DIGEST,
                                          created_at__lte=now)
              .order_by().values_list("recipient_id", flat=True).distinct())
    sent = 0
    for person_id in sorted(set(people)):
        if digest_send(person_id=person_id, now=now):
            sent += 1
    return sent


# --- the centre: reading, marking read, preferences -----------------------------------------------

def notifications_of(*, person: Any, unread: bool = False, kind: str = "") -> QuerySet:
    """The person's own notifications, newest first, filtered."""
    rows = Notification.objects.filter(recipient=person)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.only("id", "kind", "text", "link", "created_at", "read_at", "delivery",
                     "recipient_id")


def unread_of(*, person: Any) -> QuerySet:
    """The person's unread notifications (``person`` may be an ``OuterRef``, as in the
    authentication backend's load): the rows of the partial index the bell counts over."""
    return Notification.objects.filter(recipient=person, read_at__isnull=True)


def unread_count(*, person: Any) -> int:
    """The bell's number: one COUNT over the partial index of unread rows, unless the person's
    load brought it (``_unread_notifications``, the authentication backend's: the count as of
    the start of the request; the views that change it answer with a redirect)."""
    counted = getattr(person, "_unread_notifications", None)
    if counted is not None:
        return counted
    return unread_of(person=person).count()


def notification_mark_read(*, person: Any, notification_id: int) -> Notification:
    """Mark one of the person's own notifications read (again: no change); raises
    ``Notification.DoesNotExist`` for another person's."""
    notification = Notification.objects.get(pk=notification_id, recipient=person)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, person: Any) -> int:
    """Mark every unread notification of the person read; how many were unread."""
    return unread_of(person=person).update(read_at=timezone.now())


def preferences_of(*, person: Any) -> dict[str, str]:
    """The person's choice for every optional kind (immediate where she never chose)."""
    chosen = dict(NotificationPreference.objects.filter(person=person)
                  .values_list("kind", "choice"))
    return {kind.key: chosen.get(kind.key, NotificationPreference.Choice.IMMEDIATE)
            for kind in optional_kinds()}


@transaction.atomic
def notification_preference_set(*, person: Any, kind: str, choice: str) -> bool:
    """Set the person's ``choice`` for the optional ``kind``; whether it changed. Raises
    DomainError for an essential or unknown kind or an unknown choice. Notifications already
    waiting for a digest keep waiting for it."""
    if kind not in _KINDS or is_essential(kind):
        raise DomainError(_("These notifications are always e-mailed."))
    if choice not in NotificationPreference.Choice.values:
        raise DomainError(_("Choose how you want these notifications."))
    preference = (NotificationPreference.objects.select_for_update()
                  .filter(person=person, kind=kind).first())
    if preference is None:
        if choice == NotificationPreference.Choice.IMMEDIATE:  # the default: no row needed
            return False
        NotificationPreference.objects.create(person=person, kind=kind, choice=choice)
        return True
    if preference.choice == choice:
        return False
    preference.choice = choice
    preference.save(update_fields=["choice", "updated_at"])
    return True


def notification_preferences_set(*, person: Any, choices: dict[str, str]) -> int:
    """Set several choices at once (the preferences page); how many changed."""
    with transaction.atomic():
        return sum(notification_preference_set(person=person, kind=kind, choice=choice)
                   for kind, choice in choices.items())


@dataclass(frozen=True)
class Unsubscribe:
    person: Any
    kind: Kind


class BadUnsubscribeLink(DomainError):
    pass


def unsubscribe_read(*, token: str) -> Unsubscribe:
    """Whom and which kind the token names. Raises BadUnsubscribeLink for a token that was not
    signed by the portal (tampered, truncated), of an account that is gone, or of a kind that
    cannot be turned off."""
    refused = BadUnsubscribeLink(_("This unsubscribe link is not valid: it may have been cut "
                                   "or changed. Log in and choose your e-mails on the "
                                   "notification preferences page."))
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise refused from None
    person = get_user_model().objects.filter(pk=data.get("p"), is_active=True).first()
    kind = _KINDS.get(data.get("k", ""))
    if person is None or kind is None or kind.essential:
        raise refused
    return Unsubscribe(person=person, kind=kind)


def notification_unsubscribe(*, token: str) -> Unsubscribe:
    """Turn the token's kind off for its person (one click, no login). Raises
    BadUnsubscribeLink. Repeating it changes nothing."""
    unsubscribe = unsubscribe_read(token=token)
    notification_preference_set(person=unsubscribe.person, kind=unsubscribe.kind.key,
                                choice=NotificationPreference.Choice.OFF)
    logger.info("notifications of kind %s turned off by unsubscribe link for user %s",
                unsubscribe.kind.key, unsubscribe.person.pk)
    return unsubscribe


# A notification still waiting for its e-mail after this long lost its task (the broker was down
# when the transaction committed, or the message was lost): the sweeper queues it again. Older
# than a few days, it stays as it is (in the centre, "to be e-mailed"): news that late is no use.
SWEEP_AFTER = timedelta(minutes=10)
SWEEP_WITHIN = timedelta(days=3)


def pending_notifications_requeue(*, limit: int = 5000) -> int:
    """Queue ``portal.send_notification`` again for the notifications whose e-mail is overdue
    (beat). Sending is idempotent, so one queued twice is still e-mailed once. Returns how many."""
    now = timezone.now()
    ids = list(Notification.objects.filter(
        delivery=Notification.Delivery.PENDING,
        created_at__lt=now - SWEEP_AFTER, created_at__gte=now - SWEEP_WITHIN,
    ).order_by("created_at").values_list("pk", flat=True)[:limit])
    for notification_id in ids:
        enqueue_on_commit("portal.send_notification", notification_id=notification_id)
    return len(ids)
