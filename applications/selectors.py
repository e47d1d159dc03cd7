from django.db.models import (
    Count,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)

from applications.eligibility import Outcome
from applications.models import (
    Application,
    ApplicationVersion,
    Attachment,
    EligibilityResult,
    Organisation,
)
from applications.next_actions import next_actions
from calls.models import EligibilityRule, OpenCall
from calls.selectors import REQUIRED_DOCUMENTS
from euroclusters.models import Membership
from euroclusters.rules import eurocluster_ids_with_role, managed_eurocluster_ids
from portal.prepared import PreparedRead, PreparedRelated

# Read on the dashboard and on every page of an applicant's: SQL compiled once (portal.prepared).
_ORGANISATION = PreparedRead(lambda user_id: Organisation.objects.filter(user_id=user_id),
                             "user_id")


def organisation_of(user) -> Organisation | None:
    """The enterprise ``user`` applies for, if they described it."""
    if user.pk is None:
        return None
    return _ORGANISATION.first(user_id=user.pk)


# Read on every submit and on the pages of an application: SQL compiled once (portal.prepared).
_LATEST_VERSION = PreparedRead(
    lambda pk: ApplicationVersion.objects.filter(application_id=pk).order_by("-number")[:1], "pk")


def current_version(application: Application) -> ApplicationVersion | None:
    """The version that counts: the last one submitted."""
    version = _LATEST_VERSION.first(pk=application.pk)
    if version is not None:
        version.application = application
    return version


# The receipt's read, the page the deadline rush opens after each submit.
_VERSION = PreparedRead(
    lambda pk, number: ApplicationVersion.objects.select_related("eligibility")
    .filter(application_id=pk, number=number), "pk", "number")


def version_of(application: Application, number: int) -> ApplicationVersion | None:
    """Version ``number`` of ``application``, with its eligibility result; else None."""
    version = _VERSION.first(pk=application.pk, number=number)
    if version is not None:
        version.application = application
    return version


_LATER_VERSION = PreparedRead(
    lambda application_id, number: ApplicationVersion.objects.filter(
        application_id=application_id, number__gt=number).only("pk")[:1],
    "application_id", "number")


def is_current_version(version: ApplicationVersion) -> bool:
    """Whether no later version of ``version``'s application was submitted."""
    return not _LATER_VERSION.fetch(application_id=version.application_id,
                                    number=version.number)


def current_version_pk(application: str = "application") -> Subquery:
    """The pk of the current version of the application ``OuterRef(application)``."""
    return Subquery(ApplicationVersion.objects.filter(application=OuterRef(application))
                    .order_by("-number").values("pk")[:1])


# What the pages of an application show with it.
PAGE_RELATED = ("call", "call__eurocluster", "voucher_type", "organisation")


def _own(user_id) -> Q:
    """The applications of the enterprise of the person ``user_id``."""
    return Q(organisation__user_id=user_id)


def _sees_own_only(user) -> bool:
    """Whether the signed-in ``user`` opens her own applications only: an applicant (most
    requests), who manages no Eurocluster and is no superuser."""
    return not user.is_superuser and not eurocluster_ids_with_role(user, Membership.Role.MANAGER)


def applications_visible_to(user) -> QuerySet[Application]:
    """Applications ``user`` may open: their own, and the submitted ones of the Euroclusters
    they manage (all of them for a superuser). A draft belongs to its applicant until it is
    first submitted: nobody else sees it, superusers included."""
    queryset = Application.objects.select_related(*PAGE_RELATED)
    if not user.is_authenticated:
        return queryset.none()
    own = _own(user.pk)
    if _sees_own_only(user):
        # A simpler query to build than the OR with an empty list (half a millisecond of CPU
        # less on every page of an application).
        return queryset.filter(own)
    submitted = Q(submitted_at__isnull=False)
    if user.is_superuser:
        return queryset.filter(own | submitted)
    managed = eurocluster_ids_with_role(user, Membership.Role.MANAGER)
    return queryset.filter(own | (submitted & Q(call__eurocluster_id__in=managed)))


# The applicant's read of her own application, one per set of related rows loaded with it.
_OWN_READS: dict[tuple[str, ...], PreparedRead] = {}


def _own_read(related: tuple[str, ...]) -> PreparedRead:
    read = _OWN_READS.get(related)
    if read is None:
        read = _OWN_READS[related] = PreparedRead(
            lambda user_id, pk: Application.objects.select_related(*related)
            .filter(_own(user_id), pk=pk), "user_id", "pk")
    return read


def application_visible_to(user, pk: int, *,
                           related: tuple[str, ...] = PAGE_RELATED) -> Application | None:
    """Application ``pk`` when ``user`` may open it (``applications_visible_to``), loaded with
    ``related``; else None.

    An applicant's read of her own application (most of the requests of a deadline rush) runs
    SQL compiled once per process (``portal.prepared``): building it costs more than running it.
    """
    if user.is_authenticated and _sees_own_only(user):
        return _own_read(tuple(related)).first(user_id=user.pk, pk=pk)
    return (applications_visible_to(user).select_related(None).select_related(*related)
            .filter(pk=pk).first())


def applications_of_applicant(user_id: int) -> QuerySet[Application]:
    """The applicant's own applications for the dashboard, with their version count."""
    return (Application.objects.filter(organisation__user_id=user_id)
            .select_related("call", "call__eurocluster", "voucher_type")
            .annotate(version_count=Count("versions"), last_version=Max("versions__number"))
            .order_by("call__closes_at", "pk"))


# The dashboard's list, the page applicants open most after the submit itself: compiled once.
_DASHBOARD = PreparedRead(applications_of_applicant, "user_id")


def dashboard_applications(user) -> list[Application]:
    """The applicant's applications, each with ``next_action``: the most urgent next step
    (applications.next_actions; its providers keep the query count fixed), or None."""
    applications = _DASHBOARD.fetch(user_id=user.pk)
    actions = next_actions(applications)
    for application in applications:
        application.next_action = actions.get(application.pk)
    return applications


def _page_lookups() -> tuple:
    """What the edit page and the application page show of an application (new Prefetch
    objects each time: one keeps what it last loaded)."""
    return ("budget_lines", "members", "call__voucher_types", "call__required_documents",
            Prefetch("attachments", queryset=Attachment.objects.filter(removed_at__isnull=True)
                     .select_related("required_document")),
            Prefetch("versions", queryset=ApplicationVersion.objects.order_by("-number")))


def application_for_editing(application: Application) -> Application:
    """Reload with everything the edit page shows (after a save, the row as saved)."""
    return (Application.objects.select_related("call", "voucher_type", "organisation")
            .prefetch_related(*_page_lookups()).get(pk=application.pk))


def application_for_page(application: Application) -> Application:
    """``application`` (as the views load it, with its call, Eurocluster, voucher type and
    enterprise) with what its page shows prefetched onto it: no second read of the row."""
    prefetch_related_objects([application], *_page_lookups())
    return application


# The rows of an application the submit page and the submission read (the checks of
# missing_items, the snapshot), each read with SQL compiled once per process (portal.prepared):
# the deadline rush opens the page and submits 20 times a second, and compiling six prefetches
# cost more CPU than running them.
BUDGET_LINES = PreparedRelated(Application, "budget_lines")
MEMBERS = PreparedRelated(Application, "members")
ATTACHMENTS = PreparedRelated(Application, "attachments",
                              lambda attachments: attachments.select_related("required_document"))
LIVE_ATTACHMENTS = PreparedRelated(
    Application, "attachments", lambda attachments: attachments.filter(removed_at__isnull=True)
    .select_related("required_document"))
RELATED_ENTERPRISES = PreparedRelated(Organisation, "related_enterprises")
DE_MINIMIS_AID = PreparedRelated(Organisation, "de_minimis_aid")


def application_for_submitting(application: Application) -> Application:
    """``application`` (as the views load it, with its call, Eurocluster, voucher type and
    enterprise) with what the submit page shows and ``missing_items`` reads loaded onto it: no
    second read of the row itself."""
    BUDGET_LINES.load(application)
    MEMBERS.load(application)
    REQUIRED_DOCUMENTS.load(application.call)
    LIVE_ATTACHMENTS.load(application)
    return application


def live_attachment(application: Application, attachment_id: int) -> Attachment | None:
    return application.attachments.filter(pk=attachment_id).first()


def released_eligibility(application: Application) -> EligibilityResult | None:
    """The final eligibility result of the current version, once the applicant may see it."""
    if application.status not in (Application.Status.ELIGIBLE, Application.Status.INELIGIBLE):
        return None
    if not application.call.eligibility_released:
        return None
    return (EligibilityResult.objects
            .filter(version__application=application, outcome__in=EligibilityResult.FINAL)
            .order_by("-version__number").first())


def calls_managed_by(user) -> QuerySet[OpenCall]:
    """Calls of the Euroclusters ``user`` manages, with the number of applications in each."""
    queryset = (OpenCall.objects.select_related("eurocluster")
                .annotate(in_call=Count("applications", filter=Q(
                    applications__status__in=Application.IN_CALL)))
                .order_by("-closes_at", "pk"))
    managed = managed_eurocluster_ids(user)
    return queryset if managed is None else queryset.filter(eurocluster_id__in=managed)


def results_managed_by(user) -> QuerySet[EligibilityResult]:
    queryset = EligibilityResult.objects.select_related(
        "version__application__call__eurocluster", "version__application__organisation",
        "version__application__voucher_type", "decided_by")
    managed = managed_eurocluster_ids(user)
    if managed is None:
        return queryset
    return queryset.filter(version__application__call__eurocluster_id__in=managed)


def eligibility_summary(rows) -> dict:
    """Counts of a call's current results by outcome, and by rule failed or to review.

    ``rows`` are ``(outcome, failed_rules, checks)`` of each result (``checks`` only read for the
    results waiting for review; any value for the others), or results themselves."""
    by_outcome = dict.fromkeys(EligibilityResult.Outcome.values, 0)
    failed = dict.fromkeys(EligibilityRule.values, 0)
    review = dict.fromkeys(EligibilityRule.values, 0)
    total = 0
    for row in rows:
        outcome, failed_rules, checks = (
            (row.outcome, row.failed_rules, row.checks) if isinstance(row, EligibilityResult)
            else row)
        total += 1
        by_outcome[outcome] += 1
        for code in failed_rules:
            failed[code] = failed.get(code, 0) + 1
        if outcome != EligibilityResult.Outcome.NEEDS_REVIEW:
            continue  # decided: no longer waiting, whatever the checks flagged
        for code in {c["rule"] for c in checks if c["outcome"] == Outcome.REVIEW}:
            review[code] = review.get(code, 0) + 1
    labels = dict(EligibilityRule.choices)
    return {
        "total": total,
        "by_outcome": [(code, label, by_outcome[code])
                       for code, label in EligibilityResult.Outcome.choices],
        "by_rule": [(code, labels.get(code, code), failed[code], review[code])
                    for code in failed if failed[code] or review[code]],
    }


def call_eligibility_results(call: OpenCall) -> QuerySet[EligibilityResult]:
    """The eligibility result of the last submitted version of every application of ``call``,
    whatever stage the application has reached since (under evaluation, selected, contracted,
    ...): the eligibility outcome is the result's, not the application's current status.
    Withdrawn applications have left the call (drafts have no version)."""
    latest = (ApplicationVersion.objects.filter(application=OuterRef("version__application"))
              .order_by("-number").values("pk")[:1])
    return (EligibilityResult.objects
            .filter(version__application__call=call, version_id=Subquery(latest))
            .exclude(version__application__status__in=(Application.Status.DRAFT,
                                                       Application.Status.WITHDRAWN))
            .select_related("version__application__organisation__user",
                            "version__application__call"))


def current_results(call: OpenCall) -> QuerySet[EligibilityResult]:
    """The result of the current version of every application of ``call`` in eligibility."""
    return (EligibilityResult.objects
            .filter(version__application__call=call,
                    version__application__status__in=Application.IN_ELIGIBILITY,
                    version_id=current_version_pk("version__application"))
            .select_related("version__application__organisation__user",
                            "version__application__call"))
