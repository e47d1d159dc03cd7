"""Call alerts: anyone, without an account, is told by e-mail of every new call of the
Euroclusters or objectives they chose.

Double opt-in: subscribing stores nothing, it e-mails a confirmation link that carries the
address and the choices, signed (``django.core.signing``, salted, valid
``CALL_ALERT_CONFIRM_DAYS``); following the link stores the subscription, so an address that
never confirmed gets nothing and is kept nowhere. Every alert carries a one-click unsubscribe
link (RFC 8058: ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers) that works without
logging in. A call's publication queues ``calls.queue_call_alerts``; one ``CallAlert`` row per
subscriber and call (unique) makes the alert go once, however often the call is published or
the tasks run; the beat's ``calls.sweep_call_alerts`` makes good a task lost with the broker
(for a day after the publication: a subscriber confirmed within that day is told too).
Subscribers have no account, so these mails do not go through ``notify()``.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from calls.models import CallAlert, CallAlertSubscription, OpenCall
from euroclusters.models import Eurocluster, Objective
from portal.errors import DomainError
from portal.languages import language_of, supported
from portal.mail import email_message, mail_on_commit
from portal.notifications import render_email
from portal.queue import enqueue_on_commit
from portal.site import absolute_url

CONFIRM_SALT = "calls.alerts.confirm"
UNSUBSCRIBE_SALT = "calls.alerts.unsubscribe"
CALL_ALERT_CONFIRM_DAYS = 7
# How far back the sweep looks for calls whose alerts a lost task left unsent.
SWEEP_WINDOW = timedelta(days=1)


def confirm_token(*, email: str, eurocluster_ids: Iterable[int], objectives: Iterable[str]) -> str:
    return signing.dumps({"e": email, "c": sorted(eurocluster_ids), "o": sorted(objectives),
                          "l": translation.get_language()}, salt=CONFIRM_SALT, compress=True)


def unsubscribe_token(subscription: CallAlertSubscription) -> str:
    return signing.dumps({"s": subscription.pk, "e": subscription.email}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(subscription: CallAlertSubscription) -> str:
    return absolute_url(reverse("calls:alerts_unsubscribe",
                                kwargs={"token": unsubscribe_token(subscription)}))


@transaction.atomic
def alert_subscribe(*, email: str, eurocluster_ids: Iterable[int],
                    objectives: Iterable[str]) -> None:
    """E-mail ``email`` a link that confirms the subscription (after commit); store nothing.

    Raises DomainError when nothing is chosen. The same answer whether or not the address is
    subscribed already: the page tells a visitor nothing about someone else's address.
    """
    eurocluster_ids, objectives = set(eurocluster_ids), set(objectives)
    if not eurocluster_ids and not objectives:
        raise DomainError(_("Choose at least one Eurocluster or objective."))
    if not objectives <= set(Objective.values):
        raise DomainError(_("Unknown objective."))
    euroclusters = list(Eurocluster.objects.filter(pk__in=eurocluster_ids).order_by("acronym"))
    if len(euroclusters) != len(eurocluster_ids):
        raise DomainError(_("Unknown Eurocluster."))
    token = confirm_token(email=email.strip().lower(), eurocluster_ids=eurocluster_ids,
                          objectives=objectives)
    mail_on_commit(to=[email], template="calls_alert_confirm", context={
        "confirm_url": absolute_url(reverse("calls:alerts_confirm", kwargs={"token": token})),
        "euroclusters": euroclusters,
        "objectives": [label for value, label in Objective.choices if value in objectives],
        "days": CALL_ALERT_CONFIRM_DAYS,
    })


def _unsign(token: str, *, salt: str, max_age: timedelta | None = None) -> dict:
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise DomainError(_("This link has expired: subscribe again.")) from None
    except signing.BadSignature:
        raise DomainError(_("This link is not valid: copy the whole link from the e-mail."))\
            from None


@transaction.atomic
def alert_confirm(*, token: str) -> CallAlertSubscription:
    """Store (or replace the choices of) the subscription the confirmation link carries.
    Raises DomainError for a link that is tampered with or expired."""
    data = _unsign(token, salt=CONFIRM_SALT, max_age=timedelta(days=CALL_ALERT_CONFIRM_DAYS))
    subscription, _created = CallAlertSubscription.objects.update_or_create(
        email=data["e"], defaults={"objectives": data["o"], "confirmed_at": timezone.now(),
                                   "language": supported(data.get("l")) or ""})
    subscription.euroclusters.set(Eurocluster.objects.filter(pk__in=data["c"]))
    return subscription


def alert_subscription_for(*, token: str) -> CallAlertSubscription | None:
    """The subscription an unsubscribe link names (None when it is gone already). Raises
    DomainError for a tampered link."""
    data = _unsign(token, salt=UNSUBSCRIBE_SALT)
    return CallAlertSubscription.objects.filter(pk=data["s"], email=data["e"]).first()


@transaction.atomic
def alert_unsubscribe(*, token: str) -> bool:
    """Delete the subscription of the link (and its record of alerts sent); returns whether
    there was one. Raises DomainError for a tampered link."""
    subscription = alert_subscription_for(token=token)
    if subscription is None:
        return False
    subscription.delete()
    return True


def subscriptions_matching(call: OpenCall) -> list[int]:
    """Ids of the subscriptions that want ``call``: its Eurocluster, or an objective of one of
    its voucher types."""
    call_objectives = {o for o in call.voucher_types.values_list("objective", flat=True) if o}
    # JSON containment is not portable (SQLite): the objectives are compared here.
    rows = (CallAlertSubscription.objects
            .filter(Q(euroclusters=call.eurocluster_id) | ~Q(objectives=[]))
            .values_list("pk", "objectives").distinct())
    by_cluster = set(CallAlertSubscription.objects.filter(
        euroclusters=call.eurocluster_id).values_list("pk", flat=True))
    return sorted(pk for pk, objectives in rows
                  if pk in by_cluster or call_objectives & set(objectives or []))


@transaction.atomic
def call_alerts_queue(*, call_id: int) -> int:
    """Record one alert per matching subscriber of a public call who has none for it yet, and
    queue the sending of every alert of the call not sent yet (after commit). Returns how many
    alerts are new. Safe to run any number of times: the unique (subscriber, call) pair."""
    call = OpenCall.objects.filter(pk=call_id, status__in=OpenCall.VISIBLE).first()
    if call is None:
        return 0
    wanted = subscriptions_matching(call)
    have = set(CallAlert.objects.filter(call=call).values_list("subscription_id", flat=True))
    new = [CallAlert(subscription_id=pk, call=call) for pk in wanted if pk not in have]
    CallAlert.objects.bulk_create(new, ignore_conflicts=True)
    for alert_id in CallAlert.objects.filter(call=call, sent_at__isnull=True).values_list(
            "pk", flat=True):
        enqueue_on_commit("calls.send_call_alert", alert_id=alert_id)
    return len(new)


def call_alerts_sweep(*, now=None) -> int:
    """Queue again the alerts of every call published within ``SWEEP_WINDOW`` and still
    public (beat): a ``queue_call_alerts`` or ``send_call_alert`` message lost with the broker
    is made good, and nothing is sent twice. Returns how many alerts were new."""
    since = (now or timezone.now()) - SWEEP_WINDOW
    calls = OpenCall.objects.filter(status__in=(OpenCall.Status.PUBLISHED, OpenCall.Status.OPEN),
                                    published_at__gte=since).values_list("pk", flat=True)
    return sum(call_alerts_queue(call_id=call_id) for call_id in calls)


def call_alert_send(*, alert_id: int) -> bool:
    """E-mail one alert if it is not sent yet, with the one-click unsubscribe headers; returns
    whether it was sent now. The row is locked while the mail goes out: two runs send once."""
    with transaction.atomic():
        alert = (CallAlert.objects.select_for_update()
                 .select_related("subscription", "call__eurocluster")
                 .filter(pk=alert_id).first())
        if alert is None or alert.sent_at is not None:
            return False
        call, subscription = alert.call, alert.subscription
        unsubscribe = unsubscribe_url(subscription)
        language = language_of(subscription)
        with translation.override(language):
            subject, body = render_email(template="calls_new_call", context={
                "call": call, "call_url": absolute_url(call.get_absolute_url()),
                "unsubscribe_url": unsubscribe,
                "voucher_types": list(call.voucher_types.all()),
            })
        email_message(subject=subject, body=body, to=[subscription.email], language=language,
                      headers={"List-Unsubscribe": f"<{unsubscribe}>",
                               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}).send()
        alert.sent_at = timezone.now()
        alert.save(update_fields=["sent_at"])
        return True
