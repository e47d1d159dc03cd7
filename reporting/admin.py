from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from applications.admin import ReadOnlyMixin
from evaluation.admin import ReadOnlyAdmin
from reporting.exports import catalogue  # noqa: F401 -- fills the registry (the titles)
from reporting.exports.registry import REGISTRY
from reporting.models import Export, PublicationWithholding


@admin.register(PublicationWithholding)
class PublicationWithholdingAdmin(ReadOnlyAdmin):
    """Read-only: managers withhold and publish again on /manage/beneficiaries/."""

    scope_path = PublicationWithholding.SCOPE_PATH
    list_display = ["agreement", "withheld_by", "withheld_at"]
    list_select_related = ["agreement__application", "withheld_by"]


@admin.register(Export)
class ExportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only, for superusers (``reporting.view_export``): who asked for which export, with
    which filters, and how it went. The file is never offered here: it is for the person who
    asked, on /manage/exports/, until it is removed."""

    list_display = ["requested_by", "export_title", "file_format", "status", "rows",
                    "created_at", "expires_at"]
    list_select_related = ["requested_by"]
    list_filter = ["status", "name", "file_format"]
    search_fields = ["requested_by__email", "name"]
    fields = ["requested_by", "export_title", "file_format", "params", "status", "progress",
              "rows", "has_file", "error", "created_at", "finished_at", "expires_at"]
    readonly_fields = fields

    @admin.display(description=_("export"), ordering="name")
    def export_title(self, obj: Export) -> str:
        definition = REGISTRY.get(obj.name)
        return str(definition.title) if definition else obj.name

    @admin.display(description=_("file kept"), boolean=True)
    def has_file(self, obj: Export) -> bool:
        return bool(obj.file)
