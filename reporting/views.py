"""Views of the reporting app.

Public, no login: ``beneficiaries`` (the list, paginated), ``beneficiaries_csv``,
``beneficiaries_json``, ``calls_atom``, ``calls_ics``, ``calls_json``. Bad filter values give
400 with the form's messages (HTML, CSV as text, JSON as ``{"errors": ...}``), never a 500.

Managers (``reporting.withhold_publication``): ``manage_beneficiaries`` lists the beneficiaries
of the Euroclusters they manage; ``withhold`` and ``publish`` take a POST. 403 without the manager
role anywhere, 404 for another Eurocluster's agreement; anonymous visitors go to the login page.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from calls.models import OpenCall
from portal.errors import DomainError
from portal.formats import brussels
from portal.pagination import query_without_page
from portal.site import absolute_url
from reporting.csv_export import csv_lines
from reporting.forms import BeneficiaryFilterForm, CallFilterForm, WithholdForm
from reporting.ical import Event, calendar
from reporting.selectors import (
    beneficiaries_published,
    beneficiary_filter_options,
    call_public_data,
    calls_feed,
    calls_open_data,
    iso,
    managed_agreements,
    managed_beneficiaries,
    managed_eurocluster_ids,
    money,
    public_row,
)
from reporting.services import PERMISSION, beneficiary_publish, beneficiary_withhold

PAGE_SIZE = 50


def _form_errors(form) -> dict[str, list[str]]:
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


class BeneficiariesView(View):
    """The public list of beneficiaries, filtered and paginated."""

    def get(self, request):
        form = BeneficiaryFilterForm(request.GET)
        context = {"form": form, "options": beneficiary_filter_options(),
                   "query": query_without_page(request)}
        if not form.is_valid():
            return render(request, "reporting/beneficiaries.html", context, status=400)
        page = Paginator(beneficiaries_published(form.filters()), PAGE_SIZE).get_page(
            request.GET.get("page"))
        page.object_list = [public_row(row) for row in page.object_list]
        return render(request, "reporting/beneficiaries.html", {**context, "page": page})


CSV_COLUMNS = (
    ("enterprise", gettext_lazy("Enterprise")), ("country", gettext_lazy("Country")),
    ("eurocluster", gettext_lazy("Eurocluster")), ("call_reference", gettext_lazy("Call")),
    ("voucher_type", gettext_lazy("Voucher type")),
    ("project_acronym", gettext_lazy("Acronym")), ("project_title", gettext_lazy("Project")),
    ("summary", gettext_lazy("Summary")), ("amount", gettext_lazy("Amount (EUR)")),
    ("year", gettext_lazy("Year")),
)


def beneficiaries_csv(request):
    """The public list as CSV, with the page's filters; every cell safe in a spreadsheet."""
    form = BeneficiaryFilterForm(request.GET)
    if not form.is_valid():
        text = "\n".join(e for errors in _form_errors(form).values() for e in errors)
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    rows = (public_row(row) for row in beneficiaries_published(form.filters()).iterator())
    lines = csv_lines([str(label) for _key, label in CSV_COLUMNS],
                      ([money(row[key]) if key == "amount" else row[key]
                        for key, _label in CSV_COLUMNS] for row in rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="beneficiaries.csv"'
    return response


def beneficiaries_json(request):
    """``/api/beneficiaries.json``: the public list with the page's filters, a page of
    ``BENEFICIARIES_API_PAGE_SIZE`` rows at a time (``?page=``, from 1), with ``count`` (all the
    rows that match), ``next`` and ``previous`` (absolute links, null at either end) (README).
    A page that is not a number, or past the last one, is refused (400, 404)."""
    form = BeneficiaryFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": _form_errors(form)}, status=400)
    paginator = Paginator(beneficiaries_published(form.filters()),
                          settings.BENEFICIARIES_API_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        return JsonResponse({"errors": {"page": [_("The page must be a whole number.")]}},
                            status=400)
    except EmptyPage:
        return JsonResponse({"errors": {"page": [_("There is no such page.")]}}, status=404)
    rows = [public_row(row) for row in page.object_list]

    def link(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return absolute_url(f"{reverse('reporting:beneficiaries_json')}?{query.urlencode()}")

    return JsonResponse({
        "count": paginator.count, "page": page.number, "pages": paginator.num_pages,
        "page_size": paginator.per_page,
        "next": link(page.next_page_number()) if page.has_next() else None,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "beneficiaries": [{
            "enterprise": row["enterprise"], "country": str(row["country"]),
            "eurocluster": row["eurocluster"], "eurocluster_name": row["eurocluster_name"],
            "call_reference": row["call_reference"], "call_title": row["call_title"],
            "voucher_type": row["voucher_type"], "project_acronym": row["project_acronym"],
            "project_title": row["project_title"], "summary": row["summary"],
            "amount": money(row["amount"]), "currency": "EUR", "year": row["year"],
            "countersigned_on": iso(row["countersigned_on"]),
        } for row in rows]}, json_dumps_params={"ensure_ascii": False})


def calls_json(request):
    """``/api/calls.json``: every public call (drafts never), by deadline (README)."""
    form = CallFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": _form_errors(form)}, status=400)
    calls = calls_open_data(eurocluster=form.cleaned_data["eurocluster"],
                            phase=form.cleaned_data["phase"] or None)
    return JsonResponse({"count": len(calls), "calls": [
        call_public_data(call, url=absolute_url(call.get_absolute_url()))
        for call in calls]}, json_dumps_params={"ensure_ascii": False})


class CallsAtomFeed(Feed):
    """``/calls.atom``: open and forthcoming calls, the soonest deadline first."""

    feed_type = Atom1Feed
    title = gettext_lazy("Eurocluster open calls")
    subtitle = gettext_lazy("Open and forthcoming calls for SMEs of the Euroclusters' cascade "
                            "funding.")

    def link(self):
        return reverse("calls:home")

    def items(self):
        return calls_feed()

    def item_title(self, call: OpenCall) -> str:
        return str(call)

    def item_description(self, call: OpenCall) -> str:
        return _("%(summary)s Opens %(opens)s; deadline %(closes)s (Brussels time).") % {
            "summary": call.summary,
            "opens": brussels(call.opens_at), "closes": brussels(call.closes_at, seconds=True),
        }

    def item_guid(self, call: OpenCall) -> str:
        return f"urn:eurocluster-portal:call:{call.reference}"

    item_guid_is_permalink = False

    def item_pubdate(self, call: OpenCall):
        return call.created_at

    def item_updateddate(self, call: OpenCall):
        return call.updated_at

    def item_author_name(self, call: OpenCall) -> str:
        return call.eurocluster.name

    def item_categories(self, call: OpenCall) -> list[str]:
        return [call.eurocluster.acronym, str(call.phase.label)]


def calls_ics(request):
    """``/calls.ics``: one event at each open or forthcoming call's deadline (UTC times)."""
    host = request.get_host().split(":")[0]
    events = [Event(
        uid=f"call-{call.pk}-deadline@{host}", start=call.closes_at, stamp=call.updated_at,
        summary=_("Deadline: %(call)s") % {"call": call},
        description=_("%(summary)s Deadline %(closes)s (Brussels time).") % {
            "summary": call.summary,
            "closes": brussels(call.closes_at, seconds=True)},
        url=absolute_url(call.get_absolute_url()),
        categories=(call.eurocluster.acronym,),
    ) for call in calls_feed()]
    text = calendar(events=events, prodid="-//Eurocluster portal//Open calls//EN",
                    name=_("Eurocluster open calls: deadlines"))
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calls.ics"'
    return response


# --- the manager's page ------------------------------------------------------------------------

class ManagerMixin(LoginRequiredMixin):
    """403 without the manager role anywhere, 404 for another Eurocluster's agreement."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and managed_eurocluster_ids(request.user) == frozenset():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_agreement(self):
        agreement = get_object_or_404(managed_agreements(self.request.user)
                                      .select_related("application__call"), pk=self.kwargs["pk"])
        if not self.request.user.has_perm(PERMISSION, agreement):
            raise PermissionDenied
        return agreement


class ManageBeneficiariesView(ManagerMixin, View):
    def get(self, request):
        return render(request, "reporting/manage_beneficiaries.html", {
            "agreements": managed_beneficiaries(request.user), "form": WithholdForm()})


class WithholdView(ManagerMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        agreement = self.get_agreement()
        form = WithholdForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["reason"]))
            return redirect("reporting:manage_beneficiaries")
        try:
            beneficiary_withhold(agreement=agreement, reason=form.cleaned_data["reason"],
                                 by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(application)s is no longer published.")
                             % {"application": agreement.application})
        return redirect("reporting:manage_beneficiaries")


class PublishView(ManagerMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        agreement = self.get_agreement()
        try:
            beneficiary_publish(agreement=agreement, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(application)s is published again.")
                             % {"application": agreement.application})
        return redirect("reporting:manage_beneficiaries")


urlpatterns = [
    path("beneficiaries/", BeneficiariesView.as_view(), name="beneficiaries"),
    path("beneficiaries.csv", beneficiaries_csv, name="beneficiaries_csv"),
    path("api/beneficiaries.json", beneficiaries_json, name="beneficiaries_json"),
    path("api/calls.json", calls_json, name="calls_json"),
    path("calls.atom", CallsAtomFeed(), name="calls_atom"),
    path("calls.ics", calls_ics, name="calls_ics"),
    path("manage/beneficiaries/", ManageBeneficiariesView.as_view(),
         name="manage_beneficiaries"),
    path("manage/beneficiaries/<int:pk>/withhold/", WithholdView.as_view(), name="withhold"),
    path("manage/beneficiaries/<int:pk>/publish/", PublishView.as_view(), name="publish"),
]
