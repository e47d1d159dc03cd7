"""The audit trail and the notifications, for superusers only, and only to read: an audit line
is never edited, nor is what the portal told a person."""

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.models import AuditEntry, Notification


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "content_type", "object_id", "from_state",
                    "to_state", "actor", "eurocluster_id", "seq"]
    list_select_related = ["content_type", "actor"]
    list_filter = ["action", "content_type"]
    search_fields = ["action", "reason", "actor__email"]
    date_hierarchy = "created_at"
    fields = ["created_at", "actor", "action", "content_type", "object_id", "from_state",
              "to_state", "reason", "pretty_data", "eurocluster_id", "seq", "previous_hash",
              "hash"]
    readonly_fields = fields

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("data"))
    def pretty_data(self, obj: AuditEntry) -> str:
        return format_html("<pre>{}</pre>",
                           json.dumps(obj.data, indent=2, ensure_ascii=False, default=str))


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read only: a notification is what the portal told a person; nobody rewrites it."""

    list_display = ["created_at", "recipient", "kind", "text", "read_at", "delivery"]
    list_select_related = ["recipient"]
    list_filter = ["kind", "delivery"]
    search_fields = ["recipient__email", "text"]
    date_hierarchy = "created_at"
    fields = ["created_at", "recipient", "kind", "text", "link", "body", "read_at", "delivery",
              "emailed_at"]
    readonly_fields = fields

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
