from django.db.models import Count, Max, Prefetch, Q, QuerySet

from applications.models import Application, ApplicationVersion, Attachment, EligibilityResult
from euroclusters.models import Membership
from euroclusters.rules import eurocluster_ids_with_role


def applications_visible_to(user) -> QuerySet[Application]:
    """Applications ``user`` may open: their own, or all of the Euroclusters they manage."""
    queryset = Application.objects.select_related(
        "call", "call__eurocluster", "voucher_type", "organisation")
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    managed = eurocluster_ids_with_role(user, Membership.Role.MANAGER)
    return queryset.filter(Q(organisation__user=user) | Q(call__eurocluster_id__in=managed))


def applications_of_applicant(user) -> QuerySet[Application]:
    """The applicant's own applications for the dashboard, with their version count."""
    return (Application.objects.filter(organisation__user=user)
            .select_related("call", "call__eurocluster", "voucher_type")
            .annotate(version_count=Count("versions"), last_version=Max("versions__number"))
            .order_by("call__closes_at", "pk"))


def application_for_editing(application: Application) -> Application:
    """Reload with everything the edit and submit pages show."""
    return (Application.objects.select_related("call", "voucher_type", "organisation")
            .prefetch_related(
                "budget_lines", "members", "call__voucher_types", "call__required_documents",
                Prefetch("attachments",
                         queryset=Attachment.objects.filter(removed_at__isnull=True)
                         .select_related("required_document")),
                Prefetch("versions", queryset=ApplicationVersion.objects.order_by("-number")),
            ).get(pk=application.pk))


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
