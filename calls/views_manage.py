"""The managers' questions pages: the questions asked about a call of their Eurocluster, the
answer to each and its anonymised publication."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from calls.forms import AnswerForm, PublishForm
from calls.models import CallQuestion
from calls.question_services import (
    asker_identities,
    question_answer,
    question_publish,
    redact,
)
from calls.selectors import calls_with_questions_managed_by, questions_managed_by
from portal.errors import DomainError

PERMISSION = "calls.manage_questions"


class QuestionsManagerMixin(LoginRequiredMixin):
    """404 for what lies outside the user's Euroclusters, 403 without the manager role."""

    def authorise(self, obj):
        if not self.request.user.has_perm(PERMISSION, obj):
            raise PermissionDenied
        return obj


class CallQuestionsView(QuestionsManagerMixin, View):
    def get(self, request, pk):
        call = self.authorise(get_object_or_404(calls_with_questions_managed_by(request.user),
                                                pk=pk))
        questions = list(CallQuestion.objects.filter(call=call)
                         .select_related("asked_by").order_by("-asked_at", "-pk"))
        return render(request, "calls/manage/questions.html",
                      {"call": call, "questions": questions})


class QuestionView(QuestionsManagerMixin, View):
    template_name = "calls/manage/question.html"

    def get_question(self) -> CallQuestion:
        return self.authorise(get_object_or_404(questions_managed_by(self.request.user),
                                                pk=self.kwargs["pk"]))

    def _render(self, request, question, *, answer_form=None, publish_form=None, status=200):
        if publish_form is None:
            identities = asker_identities(question.asked_by)
            publish_form = PublishForm(initial={
                "public_question": question.public_question or redact(question.text,
                                                                      identities),
                "public_answer": question.public_answer or redact(question.answer, identities),
            })
        return render(request, self.template_name, {
            "question": question, "call": question.call,
            "answer_form": answer_form or AnswerForm(initial={"answer": question.answer}),
            "publish_form": publish_form,
        }, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_question())

    def post(self, request, pk):
        """The private answer."""
        question = self.get_question()
        form = AnswerForm(request.POST)
        if not form.is_valid():
            return self._render(request, question, answer_form=form, status=400)
        try:
            question_answer(question=question, answer=form.cleaned_data["answer"],
                            by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
            return self._render(request, question, answer_form=form, status=409)
        messages.success(request, _("The answer is sent to the person who asked."))
        return redirect("calls:manage_question", pk=question.pk)


class QuestionPublishView(QuestionView):
    http_method_names = ["post"]

    def post(self, request, pk):
        question = self.get_question()
        form = PublishForm(request.POST)
        if not form.is_valid():
            return self._render(request, question, publish_form=form, status=400)
        try:
            question_publish(question=question, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
            return self._render(request, question, publish_form=form, status=409)
        messages.success(request, _("The question and its answer are published on the call's "
                                    "page."))
        return redirect("calls:manage_questions", pk=question.call_id)
