"""The notification centre (``/notifications/``): each person's own notifications, with filters,
marked read one by one (opening one marks it read) or all at once; her e-mail preferences; and
the one-click unsubscribe of RFC 8058, which works without a login."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.models import Notification, NotificationPreference
from portal.notifications import (
    BadUnsubscribeLink,
    kinds,
    notification_mark_read,
    notification_preferences_set,
    notification_unsubscribe,
    notifications_mark_all_read,
    notifications_of,
    optional_kinds,
    preferences_of,
    unsubscribe_read,
)
from portal.pagination import filters_query

PAGE_SIZE = 25


@require_GET
@login_required
def notification_list(request):
    unread = request.GET.get("unread") == "1"
    labels = {kind.key: kind.label for kind in kinds()}
    kind = request.GET.get("kind", "")
    if kind not in labels:
        kind = ""
    page = Paginator(notifications_of(person=request.user, unread=unread, kind=kind),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"notification": n, "label": labels.get(n.kind, n.kind)} for n in page]
    return render(request, "portal/notifications/list.html", {
        "page": page, "rows": rows, "unread": unread, "kind": kind,
        "pagination_query": filters_query(unread="1" if unread else "", kind=kind),
        "kinds": sorted(labels.items(), key=lambda item: str(item[1])),
    })


def _own(request, pk: int) -> Notification:
    try:
        return notification_mark_read(person=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None


@require_GET
@login_required
def notification_open(request, pk: int):
    """Follow the notification's link, marking it read (a link elsewhere leads to the centre)."""
    notification = _own(request, pk)
    if notification.link and url_has_allowed_host_and_scheme(
            notification.link, allowed_hosts=None) and notification.link.startswith("/"):
        return redirect(notification.link)
    return redirect("notifications:list")


def _back(request):
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read(request, pk: int):
    _own(request, pk)
    return _back(request)


@login_required
@require_POST
def notification_read_all(request):
    count = notifications_mark_all_read(person=request.user)
    if count:
        messages.success(request, _("All your notifications are marked read."))
    return _back(request)


@require_http_methods(["GET", "POST"])
@login_required
def notification_preferences(request):
    current = preferences_of(person=request.user)
    if request.method == "POST":
        choices = {key: request.POST[f"kind-{key}"] for key in current
                   if request.POST.get(f"kind-{key}") in NotificationPreference.Choice.values}
        if not choices:
            return render(request, "portal/notifications/preferences.html",
                          _preferences_context(request, current), status=400)
        notification_preferences_set(person=request.user, choices=choices)
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    return render(request, "portal/notifications/preferences.html",
                  _preferences_context(request, current))


def _preferences_context(request, current: dict[str, str]) -> dict:
    return {
        "optional": [{"kind": kind, "choice": current[kind.key]} for kind in optional_kinds()],
        "essential": [kind for kind in kinds() if kind.essential],
        "choices": NotificationPreference.Choice.choices,
    }


@csrf_exempt  # RFC 8058: the mail client POSTs without a session or a CSRF token
@require_http_methods(["GET", "POST"])
def notification_unsubscribe_view(request, token: str):
    """GET: what the link turns off, with a button (a link scanner's GET changes nothing).
    POST: turn it off, from that button or from the mail client (``List-Unsubscribe-Post``)."""
    try:
        unsubscribe = (notification_unsubscribe(token=token) if request.method == "POST"
                       else unsubscribe_read(token=token))
    except BadUnsubscribeLink as error:
        return render(request, "portal/notifications/unsubscribe_invalid.html",
                      {"error": error.message}, status=400)
    return render(request, "portal/notifications/unsubscribe.html", {
        "kind": unsubscribe.kind, "done": request.method == "POST", "token": token})
