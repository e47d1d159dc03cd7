"""The manager area's support activities: the list, an activity's page with its participants,
recording, editing and deleting an activity (after a confirmation page), adding (picked or
entered) and removing participants, and the CSV import with its preview.

Reading (``activities.view_activity``): the managers and observers of the activity's Eurocluster.
Changing (``activities.manage_activities``): its managers. 404 for what lies outside the user's
Euroclusters (another Eurocluster's staff, a finance officer), 403 for an observer who tries to
change, and on the list for a person with neither role anywhere.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from activities.forms import (
    ActivityForm,
    DeleteForm,
    FilterForm,
    ImportForm,
    PartyForm,
    PartyFormSet,
    PickForm,
)
from activities.models import Activity
from activities.selectors import (
    activities_readable_by,
    activity_list,
    activity_years,
    managed_euroclusters,
    organisation_search,
    organisations_known_to,
    participants_of,
    readable_euroclusters,
    staged_import,
)
from activities.services import (
    activity_create,
    activity_delete,
    activity_update,
    participant_add,
    participant_remove,
    participants_import_check,
    participants_import_confirm,
)
from portal.errors import DomainError
from portal.pagination import query_without_page
from portal.ratelimits import rate_limited

VIEW = "activities.view_activity"
MANAGE = "activities.manage_activities"
PAGE_SIZE = 100


def _error(error: DomainError) -> str:
    return " ".join([error.message, *error.details])


class ActivitiesMixin(LoginRequiredMixin):
    """404 for an activity outside the Euroclusters the user reads, 403 without the right."""

    def authorise(self, obj, permission: str = VIEW):
        if not self.request.user.has_perm(permission, obj):
            raise PermissionDenied
        return obj

    def get_activity(self, permission: str = VIEW) -> Activity:
        return self.authorise(get_object_or_404(activities_readable_by(self.request.user),
                                                pk=self.kwargs["pk"]), permission)


class ActivityListView(ActivitiesMixin, View):
    def get(self, request):
        self.authorise(None)
        euroclusters = list(readable_euroclusters(request.user).order_by("acronym"))
        form = FilterForm(request.GET or None, euroclusters=euroclusters,
                          years=activity_years(request.user))
        filters = form.filters() if request.GET else {}
        activities = activity_list(request.user, eurocluster_id=filters.get("eurocluster"),
                                   kind=filters.get("kind", ""), year=filters.get("year"))
        page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "activities/list.html", {
            "form": form, "page": page, "activities": page.object_list,
            "query": query_without_page(request), "several": len(euroclusters) > 1,
            "can_create": request.user.has_perm(MANAGE, None),
        })


class ActivityCreateView(ActivitiesMixin, View):
    template_name = "activities/form.html"

    def _render(self, request, form, parties, status=200):
        return render(request, self.template_name,
                      {"form": form, "parties": parties, "activity": None}, status=status)

    def get(self, request):
        self.authorise(None, MANAGE)
        return self._render(request, ActivityForm(euroclusters=managed_euroclusters(
            request.user)), PartyFormSet(prefix="party", form_kwargs={"optional": True}))

    def post(self, request):
        self.authorise(None, MANAGE)
        form = ActivityForm(request.POST, euroclusters=managed_euroclusters(request.user))
        parties = PartyFormSet(request.POST, prefix="party", form_kwargs={"optional": True})
        if not (form.is_valid() and parties.is_valid()):
            return self._render(request, form, parties, status=400)
        eurocluster = self.authorise(form.cleaned_data["eurocluster"], MANAGE)
        try:
            activity = activity_create(
                eurocluster=eurocluster, by=request.user, data=form.activity_data(),
                parties=[p for p in (f.party() for f in parties) if p is not None])
        except DomainError as error:
            form.add_error(None, _error(error))
            return self._render(request, form, parties, status=409)
        messages.success(request, _("The activity “%(title)s” is recorded.")
                         % {"title": activity.title})
        return redirect(activity)


class ActivityEditView(ActivitiesMixin, View):
    template_name = "activities/form.html"

    def _render(self, request, activity, form, status=200):
        return render(request, self.template_name,
                      {"form": form, "parties": None, "activity": activity}, status=status)

    def get(self, request, pk):
        activity = self.get_activity(MANAGE)
        return self._render(request, activity, ActivityForm(instance=activity))

    def post(self, request, pk):
        activity = self.get_activity(MANAGE)
        # A copy: the form writes the cleaned values into its instance.
        form = ActivityForm(request.POST, instance=Activity.objects.get(pk=activity.pk))
        if not form.is_valid():
            return self._render(request, activity, form, status=400)
        try:
            activity_update(activity=activity, by=request.user, data=form.activity_data())
        except DomainError as error:
            form.add_error(None, _error(error))
            return self._render(request, activity, form, status=409)
        messages.success(request, _("The activity is saved."))
        return redirect(activity)


class ActivityDeleteView(ActivitiesMixin, View):
    """A confirmation page (what goes with the activity), then the deletion on POST."""

    template_name = "activities/delete.html"

    def _render(self, request, activity, form, status=200):
        return render(request, self.template_name, {
            "activity": activity, "form": form, "participant_count": activity.participants.count(),
        }, status=status)

    def get(self, request, pk):
        activity = self.get_activity(MANAGE)
        return self._render(request, activity, DeleteForm())

    def post(self, request, pk):
        activity = self.get_activity(MANAGE)
        form = DeleteForm(request.POST)
        if not form.is_valid():
            return self._render(request, activity, form, status=400)
        activity_delete(activity=activity, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The activity “%(title)s” is deleted.")
                         % {"title": activity.title})
        return redirect("activities:list")


def detail_page(request, activity, *, party_form=None, import_form=None, status=200):
    """The activity's page; the add and import views show it again with their form's errors."""
    can_manage = request.user.has_perm(MANAGE, activity)
    query = request.GET.get("q", "").strip()[:100] if can_manage else ""
    return render(request, "activities/detail.html", {
        "activity": activity, "participants": participants_of(activity),
        "can_manage": can_manage, "query": query,
        "found": organisation_search(activity.eurocluster, query) if query else [],
        "party_form": party_form or PartyForm(prefix="new"),
        "import_form": import_form or ImportForm(),
    }, status=status)


class ActivityDetailView(ActivitiesMixin, View):
    def get(self, request, pk):
        return detail_page(request, self.get_activity())


class ParticipantAddView(ActivitiesMixin, View):
    """Adds an enterprise picked from the search (``organisation``: refused with a message) or
    one entered by hand (refused on the form, shown again)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        activity = self.get_activity(MANAGE)
        if "organisation" in request.POST:
            return self.pick(request, activity)
        form = PartyForm(request.POST, prefix="new")
        if not form.is_valid():
            return detail_page(request, activity, party_form=form, status=400)
        try:
            participant = participant_add(activity=activity, by=request.user,
                                          party=form.party())
        except DomainError as error:
            form.add_error(None, _error(error))
            return detail_page(request, activity, party_form=form, status=409)
        messages.success(request, _("%(name)s is a participant.") % {"name": participant.name})
        return redirect(activity)

    def pick(self, request, activity):
        pick = PickForm(request.POST)
        if not pick.is_valid():
            raise Http404
        # Only an enterprise the Eurocluster knows: another's applicants stay out of reach.
        organisation = get_object_or_404(organisations_known_to(activity.eurocluster),
                                         pk=pick.cleaned_data["organisation"])
        try:
            participant_add(activity=activity, by=request.user, party=organisation)
        except DomainError as error:
            messages.error(request, _error(error))
        else:
            messages.success(request, _("%(name)s is a participant.")
                             % {"name": organisation.legal_name})
        return redirect(activity)


class ParticipantRemoveView(ActivitiesMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk, participant_id):
        activity = self.get_activity(MANAGE)
        participant = get_object_or_404(activity.participants.select_related("activity"),
                                        pk=participant_id)
        try:
            participant_remove(participant=participant, by=request.user)
        except DomainError as error:
            messages.error(request, _error(error))
        else:
            messages.success(request, _("%(name)s is no longer a participant.")
                             % {"name": participant.name})
        return redirect(activity)


class ImportUploadView(ActivitiesMixin, View):
    http_method_names = ["post"]

    @method_decorator(rate_limited("upload"))
    def post(self, request, pk):
        activity = self.get_activity(MANAGE)
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                staged = participants_import_check(activity=activity, by=request.user,
                                                   filename=form.filename,
                                                   data=form.cleaned_data["file"])
            except DomainError as error:
                form.add_error("file", _error(error))
            else:
                return redirect("activities:import_preview", pk=activity.pk,
                                import_id=staged.pk)
        return detail_page(request, activity, import_form=form, status=400)


class ImportPreviewView(ActivitiesMixin, View):
    def get_staged(self, activity):
        staged = staged_import(self.request.user, activity=activity,
                               pk=self.kwargs["import_id"])
        if staged is None:
            raise Http404
        return staged

    def get(self, request, pk, import_id):
        activity = self.get_activity(MANAGE)
        staged = self.get_staged(activity)
        return render(request, "activities/import_preview.html", {
            "activity": activity, "staged": staged, "accepted": staged.accepted,
            "refused": staged.refused,
        })

    def post(self, request, pk, import_id):
        activity = self.get_activity(MANAGE)
        staged = self.get_staged(activity)
        result = participants_import_confirm(staged=staged, by=request.user)
        messages.success(request, ngettext("%(n)d participant imported.",
                                           "%(n)d participants imported.", result.added)
                         % {"n": result.added})
        if result.skipped_lines:
            messages.warning(request, _("Already participants since the preview, not imported "
                                        "again: lines %(lines)s.")
                             % {"lines": ", ".join(map(str, result.skipped_lines))})
        return redirect(activity)


app_name = "activities"
urlpatterns = [
    path("manage/activities/", ActivityListView.as_view(), name="list"),
    path("manage/activities/new/", ActivityCreateView.as_view(), name="create"),
    path("manage/activities/<int:pk>/", ActivityDetailView.as_view(), name="detail"),
    path("manage/activities/<int:pk>/edit/", ActivityEditView.as_view(), name="edit"),
    path("manage/activities/<int:pk>/delete/", ActivityDeleteView.as_view(), name="delete"),
    path("manage/activities/<int:pk>/participants/", ParticipantAddView.as_view(),
         name="participant_add"),
    path("manage/activities/<int:pk>/participants/<int:participant_id>/remove/",
         ParticipantRemoveView.as_view(), name="participant_remove"),
    path("manage/activities/<int:pk>/import/", ImportUploadView.as_view(), name="import"),
    path("manage/activities/<int:pk>/import/<int:import_id>/", ImportPreviewView.as_view(),
         name="import_preview"),
]

