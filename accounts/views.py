"""The public privacy page, and the person's own "Privacy and your data" page: download my data,
delete my account."""

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import EraseAccountForm
from accounts.personal_data import retention_table
from accounts.services.erasure import WrongPassword, account_erase, erasure_decision
from accounts.services.export import personal_data_export


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
