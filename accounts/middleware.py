"""A manager, finance officer, observer, evaluator or superuser without a second factor is sent to
set one up before any page behind her role opens.

Only the pages she needs to do that, or may see without an account, let her through: allauth's
second-factor pages (and the re-authentication they ask for), logging in and out, confirming an
e-mail address, the public pages (calls, beneficiaries, feeds, the verification of an agreement,
an evaluator's invitation). Everything else, the manager, finance and evaluation areas and the
administration first of all, redirects to the authenticator-app set-up with a message that says
why. Static files never reach a view (WhiteNoise serves them). ``PORTAL_REQUIRE_MFA`` turns the
check off in development only (production refuses to start without it).
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.mfa import has_mfa, mfa_required

# View names open to a person who still has to set up her second factor. allauth's MFA views are
# all named "mfa_...".
OPEN_VIEWS = frozenset({
    "account_login", "account_logout", "account_reauthenticate",
    "account_request_reauthentication_code", "account_confirm_reauthentication_code",
    "account_confirm_email", "account_email_verification_sent",
    "calls:home", "calls:detail", "calls:document",
    "calls:alerts", "calls:alerts_confirm", "calls:alerts_unsubscribe",
    "reporting:beneficiaries", "reporting:beneficiaries_csv", "reporting:beneficiaries_json",
    "reporting:calls_json", "reporting:calls_atom", "reporting:calls_ics",
    "payments:verify", "evaluation:invitation", "accounts:privacy",
    # The language switcher and the JavaScript strings, before a second factor is set up too.
    "accounts:language", "accounts:javascript_catalog",
    # The one-click unsubscribe of an e-mail (RFC 8058): it works without logging in.
    "notifications:unsubscribe",
    # Probes of load balancers (they carry no session, but a logged-in browser may open them).
    "healthz", "readyz",
    # Reports of the content security policy, which browsers send by themselves.
    "csp_report",
})
SETUP_VIEW = "mfa_activate_totp"


def is_open(view_name: str) -> bool:
    return view_name in OPEN_VIEWS or view_name.startswith("mfa_")


class RequireMfaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.PORTAL_REQUIRE_MFA or not request.user.is_authenticated:
            return None
        if is_open(request.resolver_match.view_name) or has_mfa(request):
            return None
        if not mfa_required(request) or has_mfa(request, fresh=True):
            return None
        messages.warning(request, _(
            "Your role on the portal gives access to applicants' proposals, bank details and "
            "payments, so your account needs a second factor: set up an authenticator app (or, "
            "once it is on, a security key) before you continue."))
        return redirect(SETUP_VIEW)
