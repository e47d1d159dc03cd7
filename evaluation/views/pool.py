"""Views of the evaluation app: the evaluator pool and the assignment (manager), the invitation
and the evaluator's profile."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from euroclusters.backends import PATH as AUTHENTICATION_BACKEND
from evaluation.forms.pool import (
    AddEvaluatorForm,
    InvitationAcceptForm,
    InviteForm,
    ProfileForm,
    RapporteurForm,
    ReasonForm,
    RemoveAssignmentForm,
    SwapForm,
)
from evaluation.models import Assignment, AssignmentRun, CallEvaluator, EvaluatorProfile
from evaluation.selectors.assignment import lacks_evaluators
from evaluation.selectors.pool import (
    active_run,
    applications_with_evaluators,
    candidates,
    expertise_choices,
    invitation_by_token,
    latest_runs,
    managed_applications,
    managed_calls,
    managed_pool_entries,
    managed_runs,
    pool_loads,
    pool_of_call,
)
from evaluation.services.assignment import assignment_add, assignment_remove, assignment_swap
from evaluation.services.assignment_runs import assignment_run_start
from evaluation.services.pool import (
    evaluator_accept,
    evaluator_decline,
    evaluator_remove,
    evaluator_set_rapporteur,
    evaluators_invite,
    profile_save,
)
from evaluation.views.reviews import SESSION_FLAG
from portal.errors import DomainError

PERMISSION = "evaluation.manage_evaluation"


class PoolManagerMixin(LoginRequiredMixin):
    """404 for what lies outside the user's Euroclusters, 403 without the permission."""

    def authorise(self, obj):
        if not self.request.user.has_perm(PERMISSION, obj):
            raise PermissionDenied
        return obj

    def get_call(self):
        return self.authorise(get_object_or_404(managed_calls(self.request.user),
                                                pk=self.kwargs["pk"]))


# --- the pool ----------------------------------------------------------------------------------


class ManagePoolView(PoolManagerMixin, View):
    template_name = "evaluation/pool/manage_pool.html"

    def _render(self, request, call, form, status=200):
        entries = list(pool_of_call(call))
        return render(request, self.template_name, {
            "call": call, "entries": entries, "form": form,
            "accepted": sum(1 for e in entries if e.status == CallEvaluator.Status.ACCEPTED),
            "declared": sum(1 for e in entries if e.has_declared),
            "EvaluatorStatus": CallEvaluator.Status,
        }, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_call(), InviteForm())

    def post(self, request, pk):
        call = self.get_call()
        form = InviteForm(request.POST)
        if not form.is_valid():
            return self._render(request, call, form, status=400)
        invited, refused = evaluators_invite(call=call, emails=form.cleaned_data["emails"],
                                             by=request.user, name=form.cleaned_data["name"])
        if invited:
            messages.success(request, ngettext(
                "%(n)d invitation sent.", "%(n)d invitations sent.", len(invited))
                % {"n": len(invited)})
        for message in refused:
            messages.error(request, message)
        return redirect("evaluation:manage_pool", pk=call.pk)


class PoolEntryMixin(PoolManagerMixin):
    def get_entry(self):
        return self.authorise(get_object_or_404(managed_pool_entries(self.request.user),
                                                pk=self.kwargs["pk"]))


class PoolRemoveView(PoolEntryMixin, View):
    def post(self, request, pk):
        entry = self.get_entry()
        form = ReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            evaluator_remove(call_evaluator=entry, by=request.user, reason=reason)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(name)s is removed from the pool; their proposals "
                                        "without a submitted review go to others.")
                             % {"name": entry.user})
        return redirect("evaluation:manage_pool", pk=entry.call_id)


class PoolRapporteurView(PoolEntryMixin, View):
    def post(self, request, pk):
        entry = self.get_entry()
        form = RapporteurForm(request.POST)
        form.is_valid()
        try:
            evaluator_set_rapporteur(call_evaluator=entry,
                                     value=form.cleaned_data.get("is_rapporteur", False),
                                     by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("evaluation:manage_pool", pk=entry.call_id)


# --- the assignment ----------------------------------------------------------------------------


class ManageAssignmentView(PoolManagerMixin, View):
    template_name = "evaluation/pool/manage_assignment.html"

    def get(self, request, pk):
        call = self.get_call()
        entries = list(pool_of_call(call))
        applications = list(applications_with_evaluators(call))
        k = call.evaluators_per_application
        for application in applications:
            application.live_count = sum(1 for a in application.shown_assignments
                                         if a.status in Assignment.LIVE)
            application.lacks_evaluators = lacks_evaluators(
                status=application.status, live=application.live_count, k=k)
        runs = latest_runs(call)
        return render(request, self.template_name, {
            "call": call, "runs": runs, "loads": pool_loads(call, entries),
            "applications": applications, "k": k,
            "missing": sum(1 for a in applications if a.lacks_evaluators),
            "active": next((r for r in runs[:1] if r.status in AssignmentRun.ACTIVE), None),
            "RunStatus": AssignmentRun.Status,
        })

    def post(self, request, pk):
        call = self.get_call()
        try:
            run = assignment_run_start(call=call, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            running = active_run(call)
            if running is not None:
                return redirect("evaluation:manage_run", pk=running.pk)
            return redirect("evaluation:manage_assignment", pk=call.pk)
        return redirect("evaluation:manage_run", pk=run.pk)


class ManageRunView(PoolManagerMixin, View):
    def get(self, request, pk):
        run = self.authorise(get_object_or_404(managed_runs(request.user), pk=pk))
        refresh = run.status in AssignmentRun.ACTIVE
        response = render(request, "evaluation/pool/manage_run.html", {
            "run": run, "call": run.call, "refresh": refresh, "RunStatus": AssignmentRun.Status})
        if refresh:
            response["Refresh"] = "2"
        return response


class ManageApplicationAssignmentsView(PoolManagerMixin, View):
    template_name = "evaluation/pool/manage_application.html"

    def get_application(self):
        return self.authorise(get_object_or_404(managed_applications(self.request.user),
                                                pk=self.kwargs["pk"]))

    def _render(self, request, application, status=200, **forms):
        people = candidates(application)
        allowed = [c for c in people if c.allowed]
        assignments = list(Assignment.objects.filter(application=application)
                           .exclude(status=Assignment.Status.REMOVED)
                           .select_related("evaluator__user__evaluator_profile")
                           .order_by("pk"))
        return render(request, self.template_name, {
            "application": application, "call": application.call,
            "assignments": assignments, "candidates": people, "allowed": allowed,
            "k": application.call.evaluators_per_application,
            "live": sum(1 for a in assignments if a.status in Assignment.LIVE),
            "add_form": forms.get("add_form") or AddEvaluatorForm(allowed=allowed),
            "AssignmentStatus": Assignment.Status,
        }, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_application())

    def post(self, request, pk):
        application = self.get_application()
        action = request.POST.get("action")
        try:
            if action == "add":
                allowed = [c for c in candidates(application) if c.allowed]
                form = AddEvaluatorForm(request.POST, allowed=allowed)
                if not form.is_valid():
                    # A disabled (excluded) evaluator posted anyway: say why through the service.
                    chosen = self._pool_entry(application, request.POST.get("evaluator"))
                    if chosen is None:
                        return self._render(request, application, status=400, add_form=form)
                    assignment_add(application=application, call_evaluator=chosen,
                                   by=request.user, reason=request.POST.get("reason", ""))
                else:
                    assignment_add(application=application,
                                   call_evaluator=self._pool_entry(
                                       application, form.cleaned_data["evaluator"]),
                                   by=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("The evaluator is assigned."))
            elif action == "remove":
                form = RemoveAssignmentForm(request.POST)
                if not form.is_valid():
                    raise Http404
                assignment_remove(assignment=self._assignment(application, form),
                                  by=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("The evaluator is removed from this proposal."))
            elif action == "swap":
                form = SwapForm(request.POST, allowed=candidates(application))
                if not form.is_valid():
                    raise Http404
                entry = self._pool_entry(application, form.cleaned_data["evaluator"])
                if entry is None:
                    raise Http404
                assignment_swap(assignment=self._assignment(application, form),
                                call_evaluator=entry, by=request.user,
                                reason=form.cleaned_data["reason"])
                messages.success(request, _("The evaluators are swapped."))
            else:
                raise Http404
        except DomainError as error:
            messages.error(request, error.message)
            return self._render(request, application, status=409)
        return redirect("evaluation:manage_application_assignments", pk=application.pk)

    @staticmethod
    def _pool_entry(application, value):
        try:
            pk = int(value)
        except (TypeError, ValueError):
            return None
        return (CallEvaluator.objects.select_related("user")
                .filter(call_id=application.call_id, pk=pk).first())

    @staticmethod
    def _assignment(application, form):
        return get_object_or_404(Assignment, application=application,
                                 pk=form.cleaned_data["assignment"])


# --- the invited person ------------------------------------------------------------------------


class InvitationView(View):
    template_name = "evaluation/pool/invitation.html"

    def get_entry(self, token):
        entry = invitation_by_token(token)
        if entry is None:
            raise Http404
        return entry

    def _render(self, request, entry, form=None, status=200):
        user = request.user
        new_account = not entry.user.has_usable_password()
        return render(request, self.template_name, {
            "entry": entry, "call": entry.call, "new_account": new_account,
            "form": form or (InvitationAcceptForm(user=entry.user,
                                                  initial={"full_name": entry.user.full_name})
                             if new_account else None),
            "is_open": entry.status == CallEvaluator.Status.INVITED,
            "EvaluatorStatus": CallEvaluator.Status,
            "other_account": (user.is_authenticated and user.pk != entry.user_id
                              and not new_account),
            "needs_login": not new_account and not user.is_authenticated,
        }, status=status)

    def get(self, request, token):
        return self._render(request, self.get_entry(token))

    def post(self, request, token):
        entry = self.get_entry(token)
        action = request.POST.get("action")
        try:
            if action == "decline":
                evaluator_decline(call_evaluator=entry, user=request.user,
                                  reason=request.POST.get("reason", "")[:500])
                messages.info(request, _("You declined the invitation. Thank you for telling "
                                         "us."))
                return redirect("evaluation:invitation", token=token)
            if action != "accept":
                raise Http404
            if entry.user.has_usable_password():
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                if request.user.pk != entry.user_id:
                    raise PermissionDenied
                evaluator_accept(call_evaluator=entry, user=request.user)
            else:
                form = InvitationAcceptForm(request.POST, user=entry.user)
                if not form.is_valid():
                    return self._render(request, entry, form=form, status=400)
                evaluator_accept(call_evaluator=entry, user=entry.user,
                                 full_name=form.cleaned_data["full_name"],
                                 password=form.cleaned_data["password1"])
                entry.user.refresh_from_db()
                login(request, entry.user, backend=AUTHENTICATION_BACKEND)
        except DomainError as error:
            messages.error(request, error.message)
            return self._render(request, entry, status=409)
        # The menu's "Evaluations" item reads this flag (set at login for later sessions).
        request.session[SESSION_FLAG] = True
        messages.success(request, _("Welcome to the evaluators of “%(call)s”. Please check your "
                                    "profile: your expertise decides which proposals you get.")
                         % {"call": entry.call.title})
        return redirect("evaluation:profile")


class ProfileView(LoginRequiredMixin, View):
    """The evaluator's profile; for people invited to at least one call."""

    template_name = "evaluation/pool/profile.html"

    def get_profile(self):
        profile = EvaluatorProfile.objects.filter(user=self.request.user).first()
        if profile is None:
            raise Http404
        return profile

    def _render(self, request, form, status=200):
        calls = (CallEvaluator.objects.filter(user=request.user)
                 .select_related("call").order_by("-pk"))
        return render(request, self.template_name, {"form": form, "pool_entries": calls,
                                                    "EvaluatorStatus": CallEvaluator.Status},
                      status=status)

    def get(self, request):
        profile = self.get_profile()
        return self._render(request, ProfileForm(taxonomy=expertise_choices(request.user),
                                                 profile=profile))

    def post(self, request):
        profile = self.get_profile()
        form = ProfileForm(request.POST, taxonomy=expertise_choices(request.user),
                           profile=profile)
        if not form.is_valid():
            return self._render(request, form, status=400)
        try:
            profile_save(user=request.user, data=form.profile_data())
        except DomainError as error:
            form.add_error(None, error.message)
            return self._render(request, form, status=409)
        messages.success(request, _("Your profile is saved."))
        return redirect(reverse("evaluation:profile"))


urlpatterns = [
    path("manage/calls/<int:pk>/evaluators/", ManagePoolView.as_view(), name="manage_pool"),
    path("manage/evaluators/<int:pk>/remove/", PoolRemoveView.as_view(),
         name="manage_pool_remove"),
    path("manage/evaluators/<int:pk>/rapporteur/", PoolRapporteurView.as_view(),
         name="manage_pool_rapporteur"),
    path("manage/calls/<int:pk>/assignment/", ManageAssignmentView.as_view(),
         name="manage_assignment"),
    path("manage/assignment-runs/<int:pk>/", ManageRunView.as_view(), name="manage_run"),
    path("manage/applications/<int:pk>/evaluators/",
         ManageApplicationAssignmentsView.as_view(), name="manage_application_assignments"),
    path("invitations/<str:token>/", InvitationView.as_view(), name="invitation"),
    path("evaluate/profile/", ProfileView.as_view(), name="profile"),
]
