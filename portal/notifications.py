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

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise

from portal.models import Notification
from portal.queue import enqueue_on_commit
from portal.site import site_url


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


def render_email(*, template: str, context: dict[str, Any]) -> tuple[str, str]:
    """The subject (one line) and body of ``templates/email/<template>_*.txt``."""
    context = {"site_url": site_url(), **context}
    subject = " ".join(render_to_string(f"email/{template}_subject.txt", context).split())
    body = render_to_string(f"email/{template}_body.txt", context)
    return subject, body


def notify(*, recipient: Any, kind: str, context: dict[str, Any], link: str = "") -> Notification:
    """Record a notification of ``kind`` for ``recipient`` and e-mail it after commit.

    ``link`` is a path in the portal (``/applications/12/``) that the centre links the
    notification to. Returns the ``Notification``.
    """
    registered = kind_of(kind)
    subject, body = render_email(template=registered.template, context=context)
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, text=subject[:300], body=body, link=link,
        delivery=Notification.Delivery.PENDING,
    )
    enqueue_on_commit("portal.send_notification", notification_id=notification.pk)
    return notification


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
        EmailMessage(subject=notification.text, body=notification.body,
                     to=[notification.recipient.email]).send()
        notification.delivery = Notification.Delivery.SENT
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["delivery", "emailed_at"])
        return notification.delivery
