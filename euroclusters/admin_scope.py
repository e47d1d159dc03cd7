"""Admin base classes that keep each manager inside their own Eurocluster.

A subclass names ``scope_path``, the ORM path from its model to the Eurocluster. The change list
shows only rows of the user's Euroclusters, every permission is asked of the rules with the object,
and every foreign key to a Eurocluster (or to a call) offers only the user's own: for a
Eurocluster, only those where the rules let the user write this kind of row, so a manager of A
who observes B cannot file a row under B.
"""

from django.contrib import admin

from euroclusters.models import Eurocluster, Membership
from euroclusters.rules import eurocluster_ids_with_role
from portal.admin_widgets import LabelledWidgetsMixin


def writable_eurocluster_ids(user, model, attname: str = "eurocluster_id") -> list[int]:
    """The Euroclusters of ``user`` where they may add or change a ``model`` row.

    Asked of the rules with an unsaved row that only knows its Eurocluster, so that the answer is
    whatever the app's rules say, not a guess at a role.
    """
    opts = model._meta
    allowed = []
    for pk in sorted(eurocluster_ids_with_role(user, *Membership.Role.values)):
        row = model(**{attname: pk})
        if user.has_perm(f"{opts.app_label}.add_{opts.model_name}", row) or user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}", row
        ):
            allowed.append(pk)
    return allowed


def _scoped(queryset, request, path: str):
    if request.user.is_superuser:
        return queryset
    ids = eurocluster_ids_with_role(request.user, *Membership.Role.values)
    return queryset.filter(**{f"{path}__in": ids})


class ScopedPermissionsMixin:
    scope_path: str = "eurocluster"

    def _allowed(self, request, action: str, obj=None) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}", obj)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, "view", obj) or self._allowed(request, "change", obj)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, "delete", obj)

    def has_module_permission(self, request):
        return self._allowed(request, "view")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is Eurocluster:
            queryset = Eurocluster.objects.all()
            if not request.user.is_superuser:
                queryset = queryset.filter(pk__in=writable_eurocluster_ids(
                    request.user, self.model, db_field.attname))
            kwargs["queryset"] = queryset
        elif hasattr(related, "SCOPE_PATH"):
            kwargs["queryset"] = _scoped(related.objects.all(), request, related.SCOPE_PATH)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedAdmin(LabelledWidgetsMixin, ScopedPermissionsMixin, admin.ModelAdmin):
    def get_queryset(self, request):
        return _scoped(super().get_queryset(request), request, self.scope_path)

    def has_add_permission(self, request):
        return self._allowed(request, "add")

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        has_eurocluster = any(f.name == "eurocluster" for f in self.model._meta.fields)
        if has_eurocluster and "eurocluster" not in initial and not request.user.is_superuser:
            ids = writable_eurocluster_ids(request.user, self.model)
            if len(ids) == 1:  # the usual case: a manager of one Eurocluster
                initial["eurocluster"] = ids[0]
        return initial


class ScopedInline(LabelledWidgetsMixin, ScopedPermissionsMixin):
    """Inlines take their permission from the parent object, which the parent admin scoped."""

    def has_add_permission(self, request, obj=None):
        return self._allowed(request, "add", obj)
