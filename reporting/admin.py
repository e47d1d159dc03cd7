from django.contrib import admin

from evaluation.admin import ReadOnlyAdmin
from reporting.models import PublicationWithholding


@admin.register(PublicationWithholding)
class PublicationWithholdingAdmin(ReadOnlyAdmin):
    """Read-only: managers withhold and publish again on /manage/beneficiaries/."""

    scope_path = PublicationWithholding.SCOPE_PATH
    list_display = ["agreement", "withheld_by", "withheld_at"]
    list_select_related = ["agreement__application", "withheld_by"]
