"""A read-only window on the applications of a manager's Eurocluster.

Applications change only through their services (submission, eligibility, evaluation), so the
admin lets nobody add, change or delete them, superusers included: it shows them.

A draft belongs to the applicant until it is submitted: an application never submitted (a
draft, or one withdrawn before its first submission) is shown to nobody here, superusers
included (they keep the database itself for support; the portal's pages show them no draft
either). The manager's list of calls still counts the drafts started, without their content.
"""

import json

from django.contrib import admin
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications.models import (
    Application,
    ApplicationVersion,
    Attachment,
    BudgetLine,
    ConsortiumMember,
)
from euroclusters.admin_scope import ScopedAdmin, ScopedInline
from portal.formats import eur
from portal.uploads import pdf_download


class ReadOnlyMixin:
    """No add, change or delete for anyone: the services are the only writers."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin, ScopedInline, admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class BudgetLineInline(ReadOnlyInline):
    model = BudgetLine
    fields = ["category", "description", "line_amount"]

    @admin.display(description=_("amount"))
    def line_amount(self, obj: BudgetLine) -> str:
        return eur(obj.amount)


class ConsortiumMemberInline(ReadOnlyInline):
    model = ConsortiumMember
    fields = ["legal_name", "registration_number", "country", "contact_email", "staff_headcount",
              "turnover", "balance_sheet", "role"]

    @admin.display(description=_("annual turnover"))
    def turnover(self, obj: ConsortiumMember) -> str:
        return eur(obj.annual_turnover)

    @admin.display(description=_("balance-sheet total"))
    def balance_sheet(self, obj: ConsortiumMember) -> str:
        return eur(obj.balance_sheet_total)


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    # The stored file has no public URL: ``download`` links to the admin's own download.
    fields = ["download", "required_document", "size", "sha256", "uploaded_at", "removed_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("required_document")

    @admin.display(description=_("file"))
    def download(self, obj: Attachment) -> str:
        if obj.pk is None:
            return ""
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:applications_attachment_download", args=[obj.pk]),
            obj.original_name,
        )


class VersionInline(ReadOnlyInline):
    model = ApplicationVersion
    fields = ["number", "submitted_at", "receipt_code", "sha256"]
    show_change_link = True


@admin.register(Application)
class ApplicationAdmin(ReadOnlyMixin, ScopedAdmin):
    scope_path = "call__eurocluster"
    list_display = ["__str__", "title", "organisation", "call", "status", "requested",
                    "submitted_at"]
    list_select_related = ["call", "organisation"]
    list_filter = [("call", admin.RelatedOnlyFieldListFilter), "status"]
    search_fields = ["title", "acronym", "organisation__legal_name"]
    inlines = [BudgetLineInline, ConsortiumMemberInline, AttachmentInline, VersionInline]
    fieldsets = [
        (None, {"fields": ["call", "voucher_type", "status", "organisation", "created_by"]}),
        (_("Project"), {"fields": ["acronym", "title", "summary", "description",
                                   "requested_amount", "planned_start", "duration_months"]}),
        (_("Record"), {"fields": ["submitted_at", "created_at", "updated_at"]}),
    ]
    readonly_fields = ["description"]

    class Media:
        css = {"all": ["css/admin.css"]}  # the description's paragraphs keep their line breaks

    def get_queryset(self, request):
        # The change page reads these for its read-only links and for the permission check.
        # Never-submitted applications are the applicant's alone (see the module's docstring).
        return super().get_queryset(request).filter(submitted_at__isnull=False).select_related(
            "call__eurocluster", "organisation", "created_by", "voucher_type"
        )

    @admin.display(description=_("requested amount"), ordering="requested_amount")
    def requested(self, obj: Application) -> str:
        return eur(obj.requested_amount)

    @admin.display(description=_("description"))
    def description(self, obj: Application) -> str:
        titles = {section.get("key"): section.get("title", section.get("key"))
                  for section in obj.call.description_sections if isinstance(section, dict)}
        return format_html_join(
            "", "<h4>{}</h4><p class=\"pre-wrap\">{}</p>",
            ((titles.get(key, key), text) for key, text in (obj.sections or {}).items()),
        )

    def get_urls(self):
        return [
            path("attachments/<int:pk>/", self.admin_site.admin_view(self.attachment_download),
                 name="applications_attachment_download"),
            *super().get_urls(),
        ]

    def attachment_download(self, request, pk: int):
        """An attachment, for whoever may see the attachments of its application here."""
        attachment = get_object_or_404(
            Attachment.objects.select_related("application__call"),
            pk=pk, application__in=self.get_queryset(request),
        )
        if not request.user.has_perm("applications.view_attachment", attachment.application):
            raise Http404
        return pdf_download(attachment.file, filename=attachment.original_name)


@admin.register(ApplicationVersion)
class ApplicationVersionAdmin(ReadOnlyMixin, ScopedAdmin):
    scope_path = "application__call__eurocluster"
    list_display = ["receipt_code", "application", "call", "number", "submitted_at",
                    "submitted_by_email", "eligibility_outcome"]
    list_select_related = ["application__call", "submitted_by", "eligibility"]
    list_filter = [("application__call", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["receipt_code", "application__title", "application__acronym",
                     "application__organisation__legal_name"]
    fields = ["application", "number", "submitted_at", "submitted_by", "receipt_code", "sha256",
              "eligibility_outcome", "submitted_content"]
    readonly_fields = ["eligibility_outcome", "submitted_content"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "application__call", "submitted_by", "eligibility"
        )

    def _allowed(self, request, action: str, obj=None) -> bool:
        # A version belongs to the Eurocluster of its application; the rules ask the application.
        return super()._allowed(request, action, obj.application if obj is not None else None)

    @admin.display(description=_("call"), ordering="application__call__reference")
    def call(self, obj: ApplicationVersion) -> str:
        return obj.application.call.reference

    @admin.display(description=_("submitted by"), ordering="submitted_by__email")
    def submitted_by_email(self, obj: ApplicationVersion) -> str:
        return obj.submitted_by.email

    @admin.display(description=_("eligibility"))
    def eligibility_outcome(self, obj: ApplicationVersion) -> str:
        try:
            return obj.eligibility.get_outcome_display()
        except ApplicationVersion.eligibility.RelatedObjectDoesNotExist:
            return gettext("not checked yet")

    @admin.display(description=_("submitted content"))
    def submitted_content(self, obj: ApplicationVersion) -> str:
        return format_html("<pre>{}</pre>",
                           json.dumps(obj.content, indent=2, ensure_ascii=False, default=str))
