from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from calls.models import CallQuestion, OpenCall, VoucherType
from euroclusters.rules import managed_eurocluster_ids
from portal.prepared import PreparedRead, PreparedRelated

# The order a call's voucher types are shown in, on its card and on its page.
_VOUCHER_TYPE_ORDER = ("position", "pk")


def calls_public() -> QuerySet[OpenCall]:
    """Calls a visitor may see, with what their cards show already loaded."""
    return (OpenCall.objects.filter(status__in=OpenCall.VISIBLE)
            .select_related("eurocluster")
            .prefetch_related(Prefetch("voucher_types",
                                       queryset=VoucherType.objects.order_by(
                                           *_VOUCHER_TYPE_ORDER))))


def calls_open_and_forthcoming() -> QuerySet[OpenCall]:
    return calls_public().filter(status__in=(OpenCall.Status.PUBLISHED, OpenCall.Status.OPEN),
                                 closes_at__gt=timezone.now())


def calls_recently_closed(limit: int = 6) -> QuerySet[OpenCall]:
    return calls_public().filter(closes_at__lte=timezone.now()).order_by("-closes_at")[:limit]


def calls_with_questions_managed_by(user) -> QuerySet[OpenCall]:
    """The calls of the Euroclusters ``user`` manages (every call for a superuser)."""
    ids = managed_eurocluster_ids(user)
    calls = OpenCall.objects.select_related("eurocluster")
    return calls if ids is None else calls.filter(eurocluster_id__in=ids)


def questions_managed_by(user) -> QuerySet[CallQuestion]:
    ids = managed_eurocluster_ids(user)
    questions = CallQuestion.objects.select_related("call__eurocluster", "asked_by")
    return questions if ids is None else questions.filter(call__eurocluster_id__in=ids)


def _questions_published(call_id: int) -> QuerySet[CallQuestion]:
    """The call's published questions and answers, the latest first. Only the public fields are
    read: the private wording never reaches the public page."""
    return (CallQuestion.objects.filter(call_id=call_id, published_at__isnull=False)
            .only("pk", "call_id", "public_question", "public_answer", "published_at")
            .order_by("-published_at", "-pk"))


# The rows of a call its page shows, each read with SQL compiled once per process
# (portal.prepared): visitors open the call's page all through a deadline rush, and compiling
# its six reads of translated columns cost more CPU than running them.
VOUCHER_TYPES = PreparedRelated(OpenCall, "voucher_types",
                                lambda types: types.order_by(*_VOUCHER_TYPE_ORDER))
CRITERIA = PreparedRelated(OpenCall, "criteria")
DOCUMENTS = PreparedRelated(OpenCall, "documents")
REQUIRED_DOCUMENTS = PreparedRelated(OpenCall, "required_documents")
TRANCHE_STEPS = PreparedRelated(OpenCall, "tranche_steps")
_QUESTIONS_PUBLISHED = PreparedRead(_questions_published, "call_id")


def call_for_page(slug: str) -> OpenCall | None:
    """The public call ``slug`` with its Eurocluster and what its page shows loaded onto it
    (voucher types, criteria, documents, required documents, tranches, and as
    ``questions_and_answers`` the published questions); None for no such public call."""
    # The public calls' own filter, without their prefetch: the rows are read below.
    call = calls_public().prefetch_related(None).filter(slug=slug).first()
    if call is None:
        return None
    for related in (VOUCHER_TYPES, CRITERIA, DOCUMENTS, REQUIRED_DOCUMENTS, TRANCHE_STEPS):
        related.load(call)
    call.questions_and_answers = _QUESTIONS_PUBLISHED.fetch(call_id=call.pk)
    return call
