"""Views of the evaluation app: reviews.

The evaluator's queue, the call's declaration, the conflict-of-interest declaration of each
assignment, the review form with the proposal and its documents; the manager's overview of a
call's reviews; the consensus of an application (managers and rapporteurs).

Refusals: what is not the user's (an assignment of someone else, a call or application of
another Eurocluster) is 404; an evaluator who has not yet accepted the call's declaration is sent
to it, and one who has not declared on the conflict of interest is sent to that declaration; a
document of a proposal before that declaration is 403.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from applications.clarification_selectors import attachment_of_thread, clarification_thread
from evaluation.forms.reviews import CallDeclarationForm, ConflictForm, ScoresForm
from evaluation.models import Assignment, CallEvaluator, Consensus, Review
from evaluation.scoring import number
from evaluation.selectors.reviews import (
    applications_for_consensus,
    calls_for_reviews,
    conflict_facts,
    consensus_blockers,
    consensus_prefill,
    disagreements,
    evaluation_deadline_passed,
    evaluator_assignment,
    evaluator_entry,
    evaluator_queue,
    next_assignment,
    other_reviews,
    proposal_attachment,
    proposal_content,
    review_with_scores,
    reviewer_labels,
    reviews_overview,
    submitted_reviews,
)
from evaluation.services.reviews import (
    EvaluationRefused,
    assignment_declare,
    call_declaration_accept,
    consensus_save,
    review_reopen,
    review_save,
)
from portal.errors import DomainError
from portal.uploads import pdf_download, safe_filename

MANAGE = "evaluation.manage_evaluation"
# The session remembers that the user evaluates, so that the menu shows "Evaluations" without
# a query on every page.
SESSION_FLAG = "evaluation_pool"


def remember_evaluator(sender, request, user, **kwargs) -> None:
    """At login: does the user belong to a call's pool? One query per login, none per page."""
    if request is None or not hasattr(request, "session"):
        return
    in_pool = CallEvaluator.objects.filter(user=user).exclude(
        status__in=(CallEvaluator.Status.DECLINED, CallEvaluator.Status.REMOVED)).exists()
    request.session[SESSION_FLAG] = in_pool



# --- the evaluator -------------------------------------------------------------------------------


class EvaluatorMixin(LoginRequiredMixin):
    def get_assignment(self) -> Assignment:
        """The user's own live assignment, else 404 (a released one is gone for them)."""
        assignment = evaluator_assignment(self.request.user, self.kwargs["pk"])
        if assignment is None or assignment.status not in Assignment.LIVE:
            raise Http404
        return assignment

    def gate(self, assignment: Assignment):
        """A redirect to the declaration still owed, or None when the proposal may open."""
        if assignment.evaluator.declaration_accepted_at is None:
            return redirect("evaluation:call_declaration", pk=assignment.application.call_id)
        if assignment.status == Assignment.Status.ASSIGNED:
            return redirect("evaluation:conflict", pk=assignment.pk)
        if not self.request.user.has_perm("evaluation.review_assignment", assignment):
            raise PermissionDenied
        return None


class QueueView(LoginRequiredMixin, View):
    def get(self, request):
        queue = evaluator_queue(request.user)
        if queue and not request.session.get(SESSION_FLAG):
            request.session[SESSION_FLAG] = True  # written only when it changes
        return render(request, "evaluation/reviews/queue.html", {
            "queue": queue, "now": timezone.now(),
            "AssignmentStatus": Assignment.Status, "ConsensusStatus": Consensus.Status})


class CallDeclarationView(LoginRequiredMixin, View):
    template_name = "evaluation/reviews/call_declaration.html"

    def get_entry(self) -> CallEvaluator:
        entry = evaluator_entry(self.request.user, self.kwargs["pk"])
        if entry is None:
            raise Http404
        return entry

    def get(self, request, pk):
        entry = self.get_entry()
        return render(request, self.template_name, {"entry": entry, "call": entry.call,
                                                    "form": CallDeclarationForm()})

    def post(self, request, pk):
        entry = self.get_entry()
        form = CallDeclarationForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name,
                          {"entry": entry, "call": entry.call, "form": form}, status=400)
        try:
            call_declaration_accept(call_evaluator=entry, by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
            return render(request, self.template_name,
                          {"entry": entry, "call": entry.call, "form": form}, status=409)
        if not request.session.get(SESSION_FLAG):
            request.session[SESSION_FLAG] = True
        messages.success(request, _("Thank you: you accepted the declaration of %(call)s.")
                         % {"call": entry.call.reference})
        return redirect("evaluation:queue")


class ConflictView(EvaluatorMixin, View):
    template_name = "evaluation/reviews/conflict.html"

    def _render(self, request, assignment, form, status=200):
        return render(request, self.template_name, {
            "assignment": assignment, "call": assignment.application.call, "form": form,
            "facts": conflict_facts(assignment.application),
        }, status=status)

    def _prepare(self):
        assignment = self.get_assignment()
        if assignment.evaluator.declaration_accepted_at is None:
            return assignment, redirect("evaluation:call_declaration",
                                        pk=assignment.application.call_id)
        if assignment.is_cleared:
            return assignment, redirect("evaluation:review", pk=assignment.pk)
        if not self.request.user.has_perm("evaluation.declare_conflict", assignment):
            raise PermissionDenied
        return assignment, None

    def get(self, request, pk):
        assignment, elsewhere = self._prepare()
        return elsewhere or self._render(request, assignment, ConflictForm())

    def post(self, request, pk):
        assignment, elsewhere = self._prepare()
        if elsewhere:
            return elsewhere
        form = ConflictForm(request.POST)
        if not form.is_valid():
            return self._render(request, assignment, form, status=400)
        try:
            assignment_declare(assignment=assignment, by=request.user,
                               conflict=form.has_conflict,
                               statement=form.cleaned_data["statement"])
        except DomainError as error:
            form.add_error(None, error.message)
            return self._render(request, assignment, form, status=409)
        if form.has_conflict:
            messages.success(request, _("Your conflict of interest is recorded; the proposal is "
                                        "released and another evaluator will be assigned."))
            return redirect("evaluation:queue")
        return redirect("evaluation:review", pk=assignment.pk)


class ReviewView(EvaluatorMixin, View):
    template_name = "evaluation/reviews/review.html"

    def _form(self, assignment, review, data=None):
        call = assignment.application.call
        initial = (ScoresForm.initial_from(review.scores.all(), review.overall_comment)
                   if review else {})
        return ScoresForm(data, initial=initial, criteria=list(call.criteria.all()),
                          step=call.score_step, min_chars=call.comment_min_chars)

    def _render(self, request, assignment, review, form, status=200):
        application = assignment.application
        call = application.call
        submitted = assignment.status == Assignment.Status.SUBMITTED
        others = []
        if submitted:
            reviews = other_reviews(assignment)
            others = list(zip(reviewer_labels(reviews, viewer=request.user,
                                              application=application), reviews, strict=True))
        return render(request, self.template_name, {
            "assignment": assignment, "application": application, "call": call,
            "content": proposal_content(application), "review": review, "form": form,
            "submitted": submitted, "others": others,
            "deadline_passed": evaluation_deadline_passed(call),
            "own_scores": list(review.scores.all()) if review else [],
            "step": number(call.score_step),
            # Only what the manager shared: the rest of the thread is between her and the SME.
            "clarifications": clarification_thread(application, shared_only=True),
            "now": timezone.now(),
        }, status=status)

    def get(self, request, pk):
        assignment = self.get_assignment()
        elsewhere = self.gate(assignment)
        if elsewhere:
            return elsewhere
        review = review_with_scores(assignment)
        return self._render(request, assignment, review, self._form(assignment, review))

    def post(self, request, pk):
        assignment = self.get_assignment()
        elsewhere = self.gate(assignment)
        if elsewhere:
            return elsewhere
        review = review_with_scores(assignment)
        form = self._form(assignment, review, request.POST)
        action = request.POST.get("action", "draft")
        if not form.is_valid():
            return self._render(request, assignment, review, form, status=400)
        try:
            review_save(assignment=assignment, by=request.user, data=form.to_data(),
                        submit=action == "submit")
        except EvaluationRefused as error:
            # A submission refused as incomplete saved the draft: show it as saved.
            form.add_refusal(error)
            return self._render(request, assignment, review_with_scores(assignment), form,
                                status=400)
        except DomainError as error:
            form.add_refusal(error)
            return self._render(request, assignment, review, form, status=409)
        if action == "submit":
            messages.success(request, _("Your review of %(proposal)s is submitted.")
                             % {"proposal": assignment.application})
            return redirect("evaluation:review", pk=assignment.pk)
        messages.success(request, _("Draft saved."))
        if action == "next":
            following = next_assignment(request.user, assignment)
            if following is None:
                messages.info(request, _("No other proposal is waiting for you."))
                return redirect("evaluation:queue")
            return redirect("evaluation:review", pk=following.pk)
        return redirect("evaluation:review", pk=assignment.pk)


class ReviewAttachmentView(EvaluatorMixin, View):
    def get(self, request, pk, attachment_id):
        assignment = self.get_assignment()
        if not request.user.has_perm("evaluation.review_assignment", assignment):
            raise PermissionDenied
        attachment = proposal_attachment(assignment.application, attachment_id)
        if attachment is None:
            raise Http404
        return pdf_download(attachment.file, filename=safe_filename(attachment.original_name))


class ReviewClarificationFileView(EvaluatorMixin, View):
    """A file of an answer the manager shared with the evaluators (404 when not shared)."""

    def get(self, request, pk, attachment_id):
        assignment = self.get_assignment()
        if not request.user.has_perm("evaluation.review_assignment", assignment):
            raise PermissionDenied
        attachment = attachment_of_thread(assignment.application, attachment_id,
                                          shared_only=True)
        if attachment is None:
            raise Http404
        return pdf_download(attachment.file, filename=safe_filename(attachment.original_name))


# --- the manager ---------------------------------------------------------------------------------


def _add_evaluator_url(application_pk: int) -> str:
    return reverse("evaluation:manage_application_assignments", args=[application_pk])


class ManageReviewsView(LoginRequiredMixin, View):
    def get(self, request, pk):
        call = get_object_or_404(calls_for_reviews(request.user), pk=pk)
        if not request.user.has_perm(MANAGE, call):
            raise PermissionDenied
        applications, criteria = reviews_overview(call)
        flagged_only = request.GET.get("flagged") == "1"
        rows = []
        for application in applications:
            reviews = submitted_reviews(application)
            flags = disagreements(application, criteria=criteria, reviews=reviews)
            live = [a for a in application.assignments.all() if a.status in Assignment.LIVE]
            row = {
                "application": application, "assignments": list(application.assignments.all()),
                "disagreements": flags, "submitted": len(reviews), "live": len(live),
                "consensus": getattr(application, "consensus", None),
                "add_url": _add_evaluator_url(application.pk),
            }
            if flagged_only and not flags:
                continue
            rows.append(row)
        return render(request, "evaluation/reviews/manage_reviews.html", {
            "call": call, "rows": rows, "criteria": criteria, "flagged_only": flagged_only,
            "count": len(applications),
            "AssignmentStatus": Assignment.Status, "ConsensusStatus": Consensus.Status,
        })


class ReviewReopenView(LoginRequiredMixin, View):
    def post(self, request, pk):
        review = get_object_or_404(
            Review.objects.select_related("assignment__application__call"),
            pk=pk, assignment__application__call__in=calls_for_reviews(request.user))
        if not request.user.has_perm(MANAGE, review):
            raise PermissionDenied
        try:
            review_reopen(review=review, by=request.user, reason=request.POST.get("reason", ""))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The review is reopened; its evaluator is told."))
        return redirect("evaluation:consensus", pk=review.assignment.application_id)


class ConsensusView(LoginRequiredMixin, View):
    template_name = "evaluation/reviews/consensus.html"

    def get_application(self):
        application = get_object_or_404(applications_for_consensus(self.request.user),
                                        pk=self.kwargs["pk"])
        if not self.request.user.has_perm("evaluation.record_consensus", application):
            raise PermissionDenied
        return application

    def _form(self, application, consensus, reviews, criteria, data=None):
        call = application.call
        if consensus is not None and consensus.scores.exists():
            initial = ScoresForm.initial_from(consensus.scores.all(), consensus.overall_comment)
        else:
            prefill = consensus_prefill(application, criteria=criteria, reviews=reviews)
            initial = {f"score_{pk}": number(v)
                       for pk, v in prefill.items() if v is not None}
            if consensus is not None:
                initial["overall_comment"] = consensus.overall_comment
        return ScoresForm(data, initial=initial, criteria=criteria, step=call.score_step,
                          min_chars=call.comment_min_chars)

    def _render(self, request, application, form, criteria, reviews, consensus, status=200):
        is_manager = request.user.has_perm(MANAGE, application)
        labels = reviewer_labels(reviews, viewer=request.user, application=application)
        by_review = [{s.criterion_id: s for s in review.scores.all()} for review in reviews]
        flagged = {d.criterion.pk: d for d in disagreements(application, criteria=criteria,
                                                            reviews=reviews)}
        rows = []
        for criterion, score_field, comment_field in form.rows():
            rows.append({
                "criterion": criterion, "score_field": score_field,
                "comment_field": comment_field, "disagreement": flagged.get(criterion.pk),
                "entries": [(label, scores.get(criterion.pk))
                            for label, scores in zip(labels, by_review, strict=True)],
            })
        return render(request, self.template_name, {
            "application": application, "call": application.call, "form": form, "rows": rows,
            "reviews": list(zip(labels, reviews, strict=True)), "consensus": consensus,
            "blockers": consensus_blockers(application), "is_manager": is_manager,
            "final": consensus is not None and consensus.status == Consensus.Status.FINAL,
            "add_url": _add_evaluator_url(application.pk) if is_manager else "",
        }, status=status)

    def _load(self):
        application = self.get_application()
        criteria = list(application.call.criteria.all())
        reviews = submitted_reviews(application)
        consensus = Consensus.objects.filter(application=application).prefetch_related(
            "scores").first()
        return application, criteria, reviews, consensus

    def get(self, request, pk):
        application, criteria, reviews, consensus = self._load()
        form = self._form(application, consensus, reviews, criteria)
        return self._render(request, application, form, criteria, reviews, consensus)

    def post(self, request, pk):
        application, criteria, reviews, consensus = self._load()
        form = self._form(application, consensus, reviews, criteria, request.POST)
        finalise = request.POST.get("action") == "finalise"
        if not form.is_valid():
            return self._render(request, application, form, criteria, reviews, consensus, 400)
        try:
            consensus_save(application=application, by=request.user, data=form.to_data(),
                           finalise=finalise)
        except EvaluationRefused as error:
            # A finalisation refused as incomplete saved the draft: show it as saved.
            form.add_refusal(error)
            consensus = Consensus.objects.filter(application=application).first()
            return self._render(request, application, form, criteria, reviews, consensus, 400)
        except DomainError as error:
            form.add_refusal(error)
            return self._render(request, application, form, criteria, reviews, consensus, 409)
        if finalise:
            messages.success(request, _("The consensus of %(proposal)s is final; the application "
                                        "is evaluated.") % {"proposal": application})
        else:
            messages.success(request, _("Consensus draft saved."))
        return redirect("evaluation:consensus", pk=application.pk)


urlpatterns = [
    path("evaluate/", QueueView.as_view(), name="queue"),
    path("evaluate/calls/<int:pk>/declaration/", CallDeclarationView.as_view(),
         name="call_declaration"),
    path("evaluate/assignments/<int:pk>/declaration/", ConflictView.as_view(), name="conflict"),
    path("evaluate/assignments/<int:pk>/", ReviewView.as_view(), name="review"),
    path("evaluate/assignments/<int:pk>/documents/<int:attachment_id>/",
         ReviewAttachmentView.as_view(), name="review_attachment"),
    path("evaluate/assignments/<int:pk>/clarifications/<int:attachment_id>/",
         ReviewClarificationFileView.as_view(), name="review_clarification_file"),
    path("manage/calls/<int:pk>/reviews/", ManageReviewsView.as_view(), name="manage_reviews"),
    path("manage/reviews/<int:pk>/reopen/", ReviewReopenView.as_view(),
         name="manage_review_reopen"),
    path("evaluation/applications/<int:pk>/consensus/", ConsensusView.as_view(),
         name="consensus"),
]
