"""``/csp-report``: where browsers report what the content security policy blocked.

The policy names it (``report-uri``). A report says that a page tried to load or run something the
policy refuses: an inline script an attacker slipped in, a browser extension, or a page of ours
that a change broke. Each is logged as a warning (the directive, the blocked source and the page,
without their query strings, which may carry tokens), for the operator's log search and alerts.

Browsers send reports without a CSRF token and, for a page a visitor opened, without a session:
the endpoint is exempt from both, takes at most ``MAX_BYTES``, logs at most ``MAX_REPORTS`` of one
request, answers 204 and is rate-limited per client (``PORTAL_RATE_LIMITS["csp_reports"]``).
Both formats are read: ``application/csp-report`` (``{"csp-report": {...}}``) and the Reporting
API's ``application/reports+json`` (a list of ``{"type": "csp-violation", "body": {...}}``).
"""

import json
import logging
from urllib.parse import urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.ratelimits import rate_limited

logger = logging.getLogger(__name__)

MAX_BYTES = 16 * 1024
MAX_REPORTS = 10
MAX_CHARS = 300


def _plain(value: object) -> str:
    """A URL without its query and fragment (or a keyword such as ``inline``), shortened."""
    text = str(value or "")[:2 * MAX_CHARS]
    parts = urlsplit(text)
    if parts.scheme and parts.netloc:
        text = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return text.replace("\n", " ")[:MAX_CHARS]


def _violations(payload: object) -> list[dict]:
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        return [payload["csp-report"]]
    if isinstance(payload, list):
        return [item["body"] for item in payload if isinstance(item, dict)
                and item.get("type") == "csp-violation" and isinstance(item.get("body"), dict)]
    return []


@csrf_exempt
@require_POST
@rate_limited("csp_reports")
def csp_report(request: HttpRequest) -> HttpResponse:
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > MAX_BYTES:
        return HttpResponse(status=413)
    try:
        payload = json.loads(request.body[:MAX_BYTES + 1] or b"null")
    except ValueError:
        return HttpResponse(status=400)
    violations = _violations(payload)
    if not violations:
        return HttpResponse(status=400)
    for violation in violations[:MAX_REPORTS]:
        directive = (violation.get("effective-directive") or violation.get("effectiveDirective")
                     or violation.get("violated-directive") or "")
        blocked = violation.get("blocked-uri") or violation.get("blockedURL") or ""
        page = violation.get("document-uri") or violation.get("documentURL") or ""
        logger.warning("content security policy violation: %s blocked %s on %s",
                       _plain(directive), _plain(blocked), _plain(page))
    return HttpResponse(status=204)
