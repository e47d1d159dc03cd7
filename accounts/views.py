"""The public privacy page, and the person's own "Privacy and your data" page: download my data,
delete my account."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import JavaScriptCatalog

from accounts.forms import EraseAccountForm, LanguageForm
from accounts.personal_data import retention_table
from accounts.services.erasure import WrongPassword, account_erase, erasure_decision
from accounts.services.export import personal_data_export
from accounts.services.language import account_language_set
from portal.languages import supported


@require_GET
def privacy(request):
    return render(request, "accounts/privacy.html", {
        "retention": retention_table(),
        "operator": settings.PORTAL_OPERATOR_NAME,
        "contact": settings.PORTAL_PRIVACY_CONTACT,
        "years": settings.PORTAL_RETENTION_YEARS_AFTER_LAST_PAYMENT,
    })


@require_GET
@login_required
def my_data(request):
    return render(request, "accounts/my_data.html", {"retention": retention_table()})


@require_POST
@login_required
def export(request):
    archive = personal_data_export(user=request.user)
    name = f"eurocluster-portal-my-data-{timezone.localdate():%Y-%m-%d}.zip"
    return FileResponse(archive, as_attachment=True, filename=name,
                        content_type="application/zip")


@require_http_methods(["GET", "POST"])
@login_required
def erase(request):
    form = EraseAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = account_erase(user=request.user, password=form.cleaned_data["password"])
        except WrongPassword as error:
            form.add_error("password", error.message)
        else:
            logout(request)
            return render(request, "accounts/erased.html", {
                "decision": decision,
                "years": settings.PORTAL_RETENTION_YEARS_AFTER_LAST_PAYMENT})
    return render(request, "accounts/erase.html", {
        "form": form, "decision": erasure_decision(user=request.user),
        "years": settings.PORTAL_RETENTION_YEARS_AFTER_LAST_PAYMENT})


def _back(request, target: str) -> str:
    """Where the switcher was used: ``next`` when it is a page of this site, else the home page."""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("calls:home")


@require_POST
def set_language(request):
    """The language switcher (header, log-in and sign-up pages): the cookie for this browser, and
    the account too when someone is signed in. The page shown stays the same."""
    form = LanguageForm(request.POST)
    response = HttpResponseRedirect(_back(request, request.POST.get("next", "")))
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("language", [])))
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        account_language_set(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE, secure=settings.SESSION_COOKIE_SECURE,
        httponly=True)
    return response


_CATALOGUE = JavaScriptCatalog.as_view()


@require_GET
@cache_control(public=True, max_age=24 * 3600)
def javascript_catalog(request, language):
    """The JavaScript strings (countdown, autosave, tables) in ``language``: its own URL per
    language, so browsers and proxies may keep it for a day."""
    if supported(language) != language:
        raise Http404
    with translation.override(language):
        return _CATALOGUE(request)
