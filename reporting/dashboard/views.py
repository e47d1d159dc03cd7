"""The dashboard's pages: ``dashboard`` (``/manage/``, one Eurocluster at a time, a switcher
``?eurocluster=<id or acronym>`` when the user has several), ``call`` (one call's figures, with
its tabs) and ``chart_csv`` (the series of one chart).

403 without a manager or finance role anywhere, 404 for another Eurocluster or its calls;
anonymous visitors go to the login page.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views import View

from calls.models import OpenCall
from reporting.csv_export import csv_lines
from reporting.dashboard import selectors
from reporting.dashboard.charts import all_charts
from reporting.dashboard.rules import PERMISSION


class DashboardMixin(LoginRequiredMixin):
    def authorise(self, obj=None):
        if not self.request.user.has_perm(PERMISSION, obj):
            raise PermissionDenied
        return obj

    def get_call(self, pk) -> OpenCall:
        self.authorise()
        ids = selectors.dashboard_eurocluster_ids(self.request.user)
        calls = selectors.dashboard_calls_all()
        if ids is not None:
            calls = calls.filter(eurocluster_id__in=ids)
        return self.authorise(get_object_or_404(calls, pk=pk))

    def get_board(self, request) -> tuple[list, selectors.Dashboard | None]:
        """The Euroclusters of the switcher and the board of the chosen one (``?call=`` for one
        call's board)."""
        self.authorise()
        if request.GET.get("call"):
            call = self.get_call(_int(request.GET["call"]))
            return [], selectors.dashboard(eurocluster=call.eurocluster, user=request.user,
                                           calls=[call])
        euroclusters = selectors.dashboard_euroclusters(request.user)
        eurocluster = selectors.pick_eurocluster(euroclusters, request.GET.get("eurocluster"))
        if eurocluster is None:
            if request.GET.get("eurocluster") or request.user.is_superuser:
                raise Http404
            raise PermissionDenied
        return euroclusters, selectors.dashboard(eurocluster=self.authorise(eurocluster),
                                                 user=request.user)


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Http404 from None


class DashboardView(DashboardMixin, View):
    def get(self, request):
        self.authorise()
        euroclusters = selectors.dashboard_euroclusters(request.user)
        wanted = request.GET.get("eurocluster")
        eurocluster = selectors.pick_eurocluster(euroclusters, wanted)
        if eurocluster is None and (wanted or not request.user.is_superuser):
            raise Http404
        board = (selectors.dashboard(eurocluster=self.authorise(eurocluster), user=request.user)
                 if eurocluster is not None else None)
        summary = selectors.portal_summary(euroclusters) if request.user.is_superuser else None
        return render(request, "reporting/dashboard/home.html", {
            "euroclusters": euroclusters, "board": board,
            "charts": all_charts(board) if board else {},
            "summary": summary,
            "summary_rows": [(ledger.eurocluster.acronym, ledger) for ledger in summary or []],
        })


class CallOverviewView(DashboardMixin, View):
    def get(self, request, pk):
        call = self.get_call(pk)
        board = selectors.dashboard(eurocluster=call.eurocluster, user=request.user,
                                    calls=[call])
        return render(request, "reporting/dashboard/call.html", {
            "call": call, "call_pk": str(call.pk), "board": board, "figures": board.calls[0],
            "charts": all_charts(board)})


class ChartCsvView(DashboardMixin, View):
    def get(self, request, slug):
        _euroclusters, board = self.get_board(request)
        chart = all_charts(board).get(slug)
        if chart is None:
            raise Http404
        name = f"{board.eurocluster.acronym}-{slug}.csv".replace(" ", "-")
        response = StreamingHttpResponse(csv_lines(chart.header, chart.rows),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
