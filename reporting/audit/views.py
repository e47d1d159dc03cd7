"""``/manage/audit/``: the audit trail of the Euroclusters the user manages (every entry for a
superuser), ``?eurocluster=<id>`` for one of them, with the filters of ``AuditFilterForm``,
50 entries a page. 403 without a manager role anywhere, 404 for another Eurocluster, 400 with
the form's messages for a bad filter; anonymous visitors go to the login page.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views import View

from euroclusters.models import Eurocluster
from euroclusters.rules import managed_eurocluster_ids
from portal.pagination import query_without_page
from reporting.audit.forms import AuditFilterForm
from reporting.audit.rules import PERMISSION
from reporting.audit.selectors import audit_entries

PAGE_SIZE = 50


class AuditView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        ids = managed_eurocluster_ids(request.user)
        euroclusters = Eurocluster.objects.order_by("acronym").only("pk", "acronym")
        if ids is not None:
            euroclusters = euroclusters.filter(pk__in=ids)
        raw = request.GET.get("eurocluster") or ""
        if raw:
            if not raw.isdigit() or (ids is not None and int(raw) not in ids):
                raise Http404
            ids = frozenset({int(raw)})
        form = AuditFilterForm(request.GET)
        context = {"form": form, "euroclusters": euroclusters, "eurocluster": raw,
                   "query": query_without_page(request), "superuser": request.user.is_superuser}
        if not form.is_valid():
            return render(request, "reporting/audit/list.html", context, status=400)
        page = Paginator(audit_entries(eurocluster_ids=ids, filters=form.filters()),
                         PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "reporting/audit/list.html", {**context, "page": page})
