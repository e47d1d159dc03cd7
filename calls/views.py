from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, TemplateView

from calls.models import CallDocument, OpenCall
from calls.selectors import calls_open_and_forthcoming, calls_public, calls_recently_closed
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

    def get_queryset(self):
        return calls_public().prefetch_related("criteria", "documents", "required_documents",
                                               "tranche_steps")


def call_document_download(request, slug: str, pk: int):
    document = get_object_or_404(CallDocument.objects.filter(call__in=calls_public()),
                                 pk=pk, call__slug=slug)
    return pdf_download(document.file)
