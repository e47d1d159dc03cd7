"""``/manage/exports/<name>.<csv|xlsx>?call=<pk>&<the page's filters>``: the download, or, above
``EXPORT_SYNC_MAX_ROWS`` rows, a request for a file built by a task; ``/manage/exports/``: the
person's exports with their progress; ``/manage/exports/<pk>/download/`` for that person only.

403 without one of the export's roles anywhere, 404 for a call or Eurocluster outside the
user's, 400 for a filter value the page would not offer; anonymous visitors go to the login.
"""

import os
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from reporting.exports import catalogue  # noqa: F401 -- fills the registry
from reporting.exports.registry import (
    REGISTRY,
    BadFilter,
    NotAllowed,
    NotFound,
    download_name,
    params_of,
    resolve_scope,
)
from reporting.exports.selectors import export_call_reference, exports_of
from reporting.exports.services import FORMATS, export_request, sync_max_rows
from reporting.exports.writers import csv_stream, write_xlsx
from reporting.models import Export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filename(definition, scope, file_format: str) -> str:
    return download_name(definition.name, scope.call.reference if scope.call else None,
                         file_format)


class _DeleteOnClose:
    """A temporary XLSX file that removes itself once the response has sent it."""

    def __init__(self, path: str):
        self.path = path
        self.file = open(path, "rb")  # noqa: SIM115 -- closed by the response

    def read(self, size=-1):
        return self.file.read(size)

    def close(self):
        self.file.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


@login_required
def export_download(request, name: str, file_format: str):
    definition = REGISTRY.get(name)
    if definition is None or file_format not in FORMATS:
        raise Http404
    try:
        scope = resolve_scope(request.user, definition, request.GET)
    except NotAllowed:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    except BadFilter as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    if definition.count(scope) > sync_max_rows():
        export_request(user=request.user, name=name, file_format=file_format,
                       params=params_of(request.GET, definition))
        messages.info(request, _("This export is large: it is being prepared, and you can "
                                 "download it here when it is ready."))
        return redirect("reporting:exports")
    columns = definition.columns_for(scope)
    if file_format == "csv":
        response = StreamingHttpResponse(csv_stream(columns, definition.iterate(scope)),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{filename(definition, scope, "csv")}"')
        return response
    handle, temp = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(temp, title=definition.title, columns=columns, rows=definition.iterate(scope))
    except Exception:
        os.unlink(temp)
        raise
    return FileResponse(_DeleteOnClose(temp), as_attachment=True, content_type=XLSX,
                        filename=filename(definition, scope, "xlsx"))


@login_required
def export_list(request):
    exports = exports_of(request.user)
    return render(request, "reporting/exports/list.html", {
        "exports": exports, "running": any(e.status in Export.LIVE for e in exports),
        "Status": Export.Status})


@login_required
def export_file(request, pk: int):
    export = get_object_or_404(Export, pk=pk, requested_by=request.user,
                               status=Export.Status.READY)
    if not export.file or not export.file.storage.exists(export.file.name):
        raise Http404
    content_type = XLSX if export.file_format == "xlsx" else "text/csv; charset=utf-8"
    return FileResponse(export.file.open("rb"), as_attachment=True, content_type=content_type,
                        filename=download_name(export.name, export_call_reference(export),
                                               export.file_format))


urlpatterns = [
    path("manage/exports/", export_list, name="exports"),
    path("manage/exports/<int:pk>/download/", export_file, name="export_file"),
    path("manage/exports/<slug:name>.<slug:file_format>", export_download, name="export"),
]
