from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from calls.models import OpenCall, VoucherType


def calls_public() -> QuerySet[OpenCall]:
    """Calls a visitor may see, with what their cards show already loaded."""
    return (OpenCall.objects.filter(status__in=OpenCall.VISIBLE)
            .select_related("eurocluster")
            .prefetch_related(Prefetch("voucher_types",
                                       queryset=VoucherType.objects.order_by("position", "pk"))))


def calls_open_and_forthcoming() -> QuerySet[OpenCall]:
    return calls_public().filter(status__in=(OpenCall.Status.PUBLISHED, OpenCall.Status.OPEN),
                                 closes_at__gt=timezone.now())


def calls_recently_closed(limit: int = 6) -> QuerySet[OpenCall]:
    return calls_public().filter(closes_at__lte=timezone.now()).order_by("-closes_at")[:limit]
