from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import DetailView, TemplateView

from calls.alert_services import (
    alert_confirm,
    alert_subscribe,
    alert_subscription_for,
    alert_unsubscribe,
)
from calls.follow_services import call_follow, call_unfollow
from calls.forms import AlertSubscribeForm, QuestionForm
from calls.models import CallDocument, CallFollower, CallQuestion, OpenCall
from calls.question_services import question_ask
from calls.selectors import (
    call_for_page,
    calls_open_and_forthcoming,
    calls_public,
    calls_recently_closed,
)
from calls.translation import languages_of
from portal.errors import DomainError
from portal.ratelimits import rate_limited
from portal.uploads import pdf_download


class HomeView(TemplateView):
    template_name = "calls/home.html"

    def get_context_data(self, **kwargs):
        calls = list(calls_open_and_forthcoming())
        return super().get_context_data(
            open_calls=[c for c in calls if c.phase == OpenCall.Phase.OPEN],
            forthcoming_calls=[c for c in calls if c.phase == OpenCall.Phase.FORTHCOMING],
            closed_calls=calls_recently_closed(),
            **kwargs,
        )


class CallDetailView(DetailView):
    template_name = "calls/detail.html"
    context_object_name = "call"

    def get_object(self, queryset=None):
        call = call_for_page(self.kwargs["slug"])
        if call is None:
            raise Http404
        return call

    def get_context_data(self, **kwargs):
        call, user = self.object, self.request.user
        context = super().get_context_data(
            questions_and_answers=call.questions_and_answers, **kwargs)
        context.update(call_text_languages(call))
        if user.is_authenticated:
            context["my_questions"] = list(CallQuestion.objects.filter(call=call, asked_by=user)
                                           .order_by("asked_at", "pk"))
            context["following"] = CallFollower.objects.filter(call=call, user=user).exists()
            if call.accepts_questions():
                context.setdefault("question_form", QuestionForm())
        return context


def call_text_languages(call) -> dict:
    """Which languages the call's text is given in, and which one the page shows: the visitor's
    when present, else the call's own (the page then says "available in ...")."""
    available = languages_of(call)
    active = get_language()
    shown = active if active in available else (
        call.language if call.language in available else (available or [call.language])[0])
    names = dict(settings.LANGUAGES)
    return {"text_language": shown, "text_translated": shown == active,
            "text_languages": [(code, get_language_info(code)["name_local"], names[code])
                               for code in available]}


def call_document_download(request, slug: str, pk: int):
    document = get_object_or_404(CallDocument.objects.filter(call__in=calls_public()),
                                 pk=pk, call__slug=slug)
    return pdf_download(document.file)


class QuestionAskView(LoginRequiredMixin, View):
    """A signed-in person asks a question about the call (privately)."""

    @method_decorator(rate_limited("questions"))
    def post(self, request, slug):
        view = CallDetailView(request=request, kwargs={"slug": slug})
        call = view.object = view.get_object()
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                question_ask(call=call, text=form.cleaned_data["text"], by=request.user)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your question is sent to the call's managers. "
                                            "You will be told of their answer."))
                return redirect(call.get_absolute_url() + "#my-questions")
        return render(request, view.template_name,
                      view.get_context_data(question_form=form), status=400)


class FollowView(LoginRequiredMixin, View):
    follow = True

    def post(self, request, slug):
        call = get_object_or_404(calls_public(), slug=slug)
        if self.follow:
            call_follow(call=call, user=request.user)
            messages.success(request, _("You follow this call: you will be told when its "
                                        "deadline moves, a document is added or a question is "
                                        "answered publicly."))
        else:
            call_unfollow(call=call, user=request.user)
            messages.success(request, _("You no longer follow this call."))
        return redirect(call)


@method_decorator(rate_limited("call_alerts"), name="post")
class AlertSubscribeView(View):
    """Anyone subscribes an e-mail address to new calls (double opt-in)."""

    template_name = "calls/alerts/subscribe.html"

    def get(self, request):
        return render(request, self.template_name, {"form": AlertSubscribeForm()})

    def post(self, request):
        form = AlertSubscribeForm(request.POST)
        if form.is_valid():
            try:
                alert_subscribe(
                    email=form.cleaned_data["email"],
                    eurocluster_ids=[e.pk for e in form.cleaned_data["euroclusters"]],
                    objectives=form.cleaned_data["objectives"])
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                return render(request, "calls/alerts/sent.html",
                              {"email": form.cleaned_data["email"]})
        return render(request, self.template_name, {"form": form}, status=400)


class AlertConfirmView(View):
    """The link of the confirmation e-mail: a button (mail scanners open links, people press
    buttons), whose POST stores the subscription."""

    template_name = "calls/alerts/confirm.html"

    def get(self, request, token):
        return render(request, self.template_name, {"token": token})

    def post(self, request, token):
        try:
            subscription = alert_confirm(token=token)
        except DomainError as error:
            return render(request, self.template_name, {"error": error.message}, status=400)
        messages.success(request, _("Your call alerts are on: %(email)s will be told of new "
                                    "calls.") % {"email": subscription.email})
        return redirect("calls:home")


@method_decorator(csrf_exempt, name="dispatch")
class AlertUnsubscribeView(View):
    """One-click unsubscribe (RFC 8058): the mail client POSTs without a session or a CSRF
    token; a person opening the link gets a button."""

    template_name = "calls/alerts/unsubscribe.html"

    def get(self, request, token):
        try:
            subscription = alert_subscription_for(token=token)
        except DomainError as error:
            return render(request, self.template_name, {"error": error.message}, status=400)
        return render(request, self.template_name, {"subscription": subscription,
                                                    "token": token})

    def post(self, request, token):
        try:
            alert_unsubscribe(token=token)
        except DomainError as error:
            return render(request, self.template_name, {"error": error.message}, status=400)
        return render(request, self.template_name, {"done": True})
