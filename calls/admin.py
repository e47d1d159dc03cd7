"""The administration of open calls, through which cluster managers set up their calls.

Scoped like every admin of the portal: a manager sees and edits the calls of their own
Eurocluster only. The status never changes by editing a field: the "Publish" and "Back to
draft" actions go through ``call_transition``, which checks the lifecycle and audits.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminFileWidget
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import (
    TabbedDjangoJqueryTranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)

from calls.follow_services import call_deadline_moved, call_document_added
from calls.forms_admin import OpenCallAdminForm, TrancheStepFormSet
from calls.models import (
    CallDocument,
    Criterion,
    OpenCall,
    RequiredDocument,
    TrancheStep,
    VoucherType,
)
from calls.services import call_document_scan
from calls.transitions import call_transition
from euroclusters.admin_scope import ScopedAdmin, ScopedInline
from portal.errors import DomainError
from portal.formats import eur
from portal.uploads import pdf_download


class VoucherTypeInline(ScopedInline, TranslationStackedInline):
    model = VoucherType
    extra = 0
    fields = [
        ("name", "position", "objective", "internationalisation"),
        "description",
        ("min_amount", "max_amount", "number_of_vouchers"),
        ("min_consortium_size", "max_consortium_size", "min_countries"),
    ]


# Tabular inlines keep to the width of the page: short text areas (see also css/admin.css).
NARROW_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 24})}}


class CriterionInline(ScopedInline, TranslationTabularInline):
    model = Criterion
    extra = 0
    fields = ["position", "name", "description", "weight", "max_score", "threshold"]
    formfield_overrides = NARROW_TEXT


class RequiredDocumentInline(ScopedInline, TranslationTabularInline):
    model = RequiredDocument
    extra = 0
    fields = ["position", "name", "description", "is_mandatory"]
    formfield_overrides = NARROW_TEXT


class _StoredFile:
    """What the file widget shows for a stored document: its name, linked to the admin download."""

    def __init__(self, name: str, url: str) -> None:
        self.name, self.url = name, url

    def __str__(self) -> str:
        return self.name


class CallDocumentFileWidget(AdminFileWidget):
    # Stored files have no public URL (var/files is not served): link to the admin download.
    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        instance = getattr(value, "instance", None)
        if context["widget"]["is_initial"] and instance is not None and instance.pk:
            context["widget"]["value"] = _StoredFile(
                value.name.rsplit("/", 1)[-1],
                reverse("admin:calls_calldocument_download", args=[instance.pk]),
            )
        return context


class CallDocumentInline(ScopedInline, admin.TabularInline):
    """Public documents of the call. A new file is checked by ``calls.services.call_document_scan``:
    one that is not a PDF or that carries a virus is refused; one still waiting for its virus
    scan shows so."""

    model = CallDocument
    extra = 0
    fields = ["position", "title", "file", "scan"]
    readonly_fields = ["scan"]
    formfield_overrides = {models.FileField: {"widget": CallDocumentFileWidget}}

    @admin.display(description=_("virus scan"))
    def scan(self, document: CallDocument) -> str:
        return document.get_scan_status_display() if document.pk else "–"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        actor = request.user

        class Form(formset.form):
            def clean(self):
                cleaned = super().clean()
                uploaded = cleaned.get("file")
                if isinstance(uploaded, UploadedFile):  # a new file, not the one stored
                    call = self.instance.call if self.instance.call_id else None
                    try:
                        scan = call_document_scan(call=call, uploaded=uploaded, by=actor)
                    except DomainError as error:
                        self.add_error("file", error.details or [error.message])
                    else:
                        for field, value in scan.items():
                            setattr(self.instance, field, value)
                return cleaned

        formset.form = Form
        return formset


class TrancheStepInline(ScopedInline, admin.TabularInline):
    model = TrancheStep
    formset = TrancheStepFormSet
    extra = 0
    fields = ["position", "percentage", "event"]

    # Agreements print the schedule and tranches are cut from it: once the call is open it is
    # part of what applicants were promised, so it stays as published.
    EDITABLE = (OpenCall.Status.DRAFT, OpenCall.Status.PUBLISHED)

    def _frozen(self, obj) -> bool:
        return obj is not None and obj.status not in self.EDITABLE

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(OpenCall)
class OpenCallAdmin(ScopedAdmin, TabbedDjangoJqueryTranslationAdmin):
    """The texts of the call, its voucher types, criteria and documents have a tab per language
    (calls.translation); the call's language says which one is the fallback."""

    class Media:
        # After the tabs' own scripts (Django merges the lists keeping each one's order).
        js = ("admin/js/jquery.init.js", "modeltranslation/js/tabbed_translation_fields.js",
              "js/admin_translation_tabs.js")

    form = OpenCallAdminForm
    list_display = ["reference", "title", "eurocluster", "status", "opens_at", "closes_at",
                    "call_budget"]
    list_select_related = ["eurocluster"]
    list_filter = ["status", ("eurocluster", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reference", "title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    actions = ["publish", "back_to_draft"]
    inlines = [VoucherTypeInline, CriterionInline, RequiredDocumentInline, CallDocumentInline,
               TrancheStepInline]

    fieldsets = [
        (None, {"fields": ["eurocluster", "reference", "language", "title", "slug", "status"]}),
        (_("Text of the call"), {"fields": ["summary", "description", "eligibility_summary"]}),
        (_("Dates and budget"), {"fields": ["opens_at", "closes_at", "questions_close_days",
                                            "budget"]}),
        (_("Funding rules"), {"fields": [
            "max_support_per_third_party", "de_minimis_ceiling", "eligible_countries",
        ]}),
        (_("Eligibility"), {"fields": [
            "eligibility_rules", "allow_partner_in_several_proposals",
            "eligibility_results_immediate", "eligibility_released_at",
        ]}),
        (_("Evaluation"), {"fields": [
            "evaluators_per_application", "evaluator_min_load", "evaluator_max_load",
            "balance_loads", "exclude_same_country", "expertise_taxonomy", "score_step",
            "comment_min_chars", "disagreement_threshold", "overall_threshold",
            "evaluation_deadline", "redress_days",
        ]}),
        (_("Grant agreement"), {"fields": ["signing_days", "agreement_template"],
                                "classes": ["collapse"]}),
        (_("Application form"), {"fields": ["description_sections", "max_upload_mb"]}),
        (_("Record"), {"fields": ["published_at", "created_at", "updated_at"],
                       "classes": ["collapse"]}),
    ]

    @admin.display(description=_("call budget"), ordering="budget")
    def call_budget(self, obj: OpenCall) -> str:
        return eur(obj.budget)  # "EUR 100,000.00", as on the portal's pages

    def get_readonly_fields(self, request, obj=None):
        readonly = ["status", "eligibility_released_at", "published_at", "created_at",
                    "updated_at"]
        if obj is not None:
            # A call stays in the Eurocluster that created it: its applications are filed there.
            readonly.append("eurocluster")
        return readonly

    def has_delete_permission(self, request, obj=None):
        # Only a draft can go: once published, people may have read or applied to it.
        if obj is not None and obj.status != OpenCall.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    # --- changes the followers of a call are told of ----------------------------------------

    def save_model(self, request, obj, form, change):
        previous = form.initial.get("closes_at") if change else None
        super().save_model(request, obj, form, change)
        if previous is not None and "closes_at" in form.changed_data:
            call_deadline_moved(call=obj, previous=previous, by=request.user)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is CallDocument:
            for document in formset.new_objects:
                call_document_added(document=document, by=request.user)

    # --- status actions --------------------------------------------------------------------

    @admin.action(description=_("Publish the selected calls"), permissions=["change"])
    def publish(self, request, queryset):
        moved = self._move(request, queryset, OpenCall.Status.PUBLISHED)
        if moved:
            self.message_user(request, ngettext(
                "%(count)d call is published.", "%(count)d calls are published.", moved,
            ) % {"count": moved}, messages.SUCCESS)

    @admin.action(description=_("Put the selected calls back to draft"),
                  permissions=["change"])
    def back_to_draft(self, request, queryset):
        moved = self._move(request, queryset, OpenCall.Status.DRAFT)
        if moved:
            self.message_user(request, ngettext(
                "%(count)d call is back to draft.", "%(count)d calls are back to draft.", moved,
            ) % {"count": moved}, messages.SUCCESS)

    def _move(self, request, queryset, to: str) -> int:
        moved = 0
        for call in queryset:
            # The change list also shows calls of Euroclusters the user only observes.
            if not self.has_change_permission(request, call):
                self.message_user(request, gettext(
                    "%(call)s: you may not change the calls of %(eurocluster)s."
                ) % {"call": call.reference, "eurocluster": call.eurocluster},
                    messages.ERROR)
                continue
            try:
                call_transition(call=call, to=to, by=request.user,
                                reason=gettext("administration action"))
            except DomainError as error:
                self.message_user(request, f"{call.reference}: {error.message}", messages.ERROR)
            else:
                moved += 1
        return moved

    # --- documents -------------------------------------------------------------------------

    def get_urls(self):
        return [
            path("documents/<int:pk>/", self.admin_site.admin_view(self.document_download),
                 name="calls_calldocument_download"),
            *super().get_urls(),
        ]

    def document_download(self, request, pk: int):
        """A call document for the people of its Eurocluster, whatever the call's status."""
        document = get_object_or_404(
            CallDocument.objects.select_related("call"),
            pk=pk, call__in=self.get_queryset(request),
        )
        if not self.has_view_permission(request, document.call):
            raise Http404
        return pdf_download(document.file)
