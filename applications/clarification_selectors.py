"""Reads of clarification requests (see ``applications.clarifications``): the thread of an
application as each reader may see it, and what is waiting or overdue in a call."""

from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from applications.models import Application, ClarificationAttachment, ClarificationRequest
from euroclusters.rules import managed_eurocluster_ids


def clarification_thread(application: Application, *,
                         shared_only: bool = False) -> list[ClarificationRequest]:
    """The questions about ``application`` in the order they were asked, each with its answer
    and files (two queries, however many questions). ``shared_only``: only those the manager
    shared with the evaluators."""
    requests = (ClarificationRequest.objects.filter(application=application)
                .select_related("asked_by", "answered_by", "criterion", "version")
                .prefetch_related(Prefetch("attachments",
                                           queryset=ClarificationAttachment.objects.order_by("pk")))
                .order_by("asked_at", "pk"))
    if shared_only:
        requests = requests.filter(shared_with_evaluators=True)
    return list(requests)


def clarifications_managed_by(user) -> QuerySet[ClarificationRequest]:
    """Requests of the applications of the Euroclusters ``user`` manages (all: a superuser)."""
    queryset = ClarificationRequest.objects.select_related("application__call")
    managed = managed_eurocluster_ids(user)
    if managed is None:
        return queryset
    return queryset.filter(application__call__eurocluster_id__in=managed)


def clarification_counts(application_ids, *, now: datetime | None = None) -> dict[int, dict]:
    """For each application id: how many questions wait for an answer and how many of them are
    past their due moment (one query)."""
    now = now or timezone.now()
    waiting = Q(clarifications__status=ClarificationRequest.Status.OPEN)
    rows = (Application.objects.filter(pk__in=list(application_ids))
            .annotate(waiting=Count("clarifications", filter=waiting),
                      overdue=Count("clarifications",
                                    filter=waiting & Q(clarifications__due_at__lt=now)))
            .filter(waiting__gt=0).values("pk", "waiting", "overdue"))
    return {row["pk"]: {"waiting": row["waiting"], "overdue": row["overdue"]} for row in rows}


def attachment_of_thread(application: Application, attachment_id: int, *,
                         shared_only: bool = False) -> ClarificationAttachment | None:
    """A file given with an answer about ``application`` (of a shared question only, when
    ``shared_only``), or None."""
    queryset = ClarificationAttachment.objects.filter(request__application=application,
                                                      pk=attachment_id)
    if shared_only:
        queryset = queryset.filter(request__shared_with_evaluators=True)
    return queryset.first()
