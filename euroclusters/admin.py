"""The administration of a Eurocluster: its description, partners, KPI targets and team.

Every admin here is scoped (see ``admin_scope``): a manager sees and edits only their own
Eurocluster. People join a team by e-mail address through ``membership_grant``; the list of all
accounts is never shown to a manager.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.reauth import reauthentication_required
from euroclusters.admin_scope import ScopedAdmin, ScopedInline
from euroclusters.forms import EuroclusterForm
from euroclusters.models import Eurocluster, KpiTarget, Membership, Partner
from euroclusters.services import NoAccount, membership_grant, membership_revoke, user_for_email
from portal.formats import eur


class PartnerInline(ScopedInline, admin.TabularInline):
    model = Partner
    extra = 0
    fields = ["name", "country", "registration_number", "is_coordinator"]


class KpiTargetForm(forms.ModelForm):
    """Left empty, the measure stays as it is (a new target: reported by a manager)."""

    class Meta:
        model = KpiTarget
        fields = ["name", "objective", "target", "measure"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].required = False

    def clean_measure(self) -> str:
        return (self.cleaned_data.get("measure") or self.instance.measure
                or KpiTarget.Measure.REPORTED)


class KpiTargetInline(ScopedInline, admin.TabularInline):
    model = KpiTarget
    form = KpiTargetForm
    extra = 0
    fields = ["name", "objective", "target", "measure"]


@admin.register(Eurocluster)
class EuroclusterAdmin(ScopedAdmin):
    scope_path = "pk"
    form = EuroclusterForm  # the paying account, checked with schwifty
    list_display = ["acronym", "name", "strand", "budget"]
    search_fields = ["acronym", "name", "strand"]
    prepopulated_fields = {"slug": ["acronym"]}
    fields = ["name", "acronym", "slug", "strand", "description", "cascade_budget", "total_budget",
              "website",
              "address", "registration_number", "account_holder", "iban", "bic",
              "starts_on", "ends_on"]
    inlines = [PartnerInline, KpiTargetInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("cascade budget"), ordering="cascade_budget")
    def budget(self, obj: Eurocluster) -> str:
        return eur(obj.cascade_budget)  # "EUR 1,050,000.00", as on the portal's pages


class MembershipAddForm(forms.ModelForm):
    """Adds a person to a team by the e-mail address they log in with."""

    email = forms.EmailField(
        label=_("e-mail address"),
        help_text=_("The address the person logs in with. They must have signed up already."),
    )

    class Meta:
        model = Membership
        fields = ["email", "eurocluster", "role"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        try:
            self.person = user_for_email(email)
        except NoAccount as error:
            raise ValidationError(error.message, code="no_account") from error
        return email

    def clean(self):
        cleaned = super().clean()
        person, eurocluster = getattr(self, "person", None), cleaned.get("eurocluster")
        if person is not None and eurocluster is not None:
            existing = Membership.objects.filter(user=person, eurocluster=eurocluster).first()
            if existing is not None:
                self.add_error("email", ValidationError(
                    gettext("This person is already in %(eurocluster)s as %(role)s; open that "
                            "membership to change the role.")
                    % {"eurocluster": eurocluster, "role": existing.get_role_display()},
                    code="already_member",
                ))
        return cleaned


def _posted(request) -> bool:
    return request.method == "POST"


# Giving, changing or taking away a role asks for a recent re-authentication (accounts.reauth):
# the add, change and delete pages, and the list's actions (a bulk delete).
@method_decorator(reauthentication_required, name="changeform_view")
@method_decorator(reauthentication_required, name="delete_view")
@method_decorator(reauthentication_required(enabled=_posted), name="changelist_view")
@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["email", "full_name", "role", "eurocluster"]
    list_select_related = ["user", "eurocluster"]
    list_filter = ["role", ("eurocluster", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__email", "user__full_name"]
    ordering = ["eurocluster__acronym", "user__email"]

    @admin.display(description=_("e-mail address"), ordering="user__email")
    def email(self, obj: Membership) -> str:
        return obj.user.email

    @admin.display(description=_("name"), ordering="user__full_name")
    def full_name(self, obj: Membership) -> str:
        return obj.user.full_name

    @admin.display(description=_("person"))
    def person(self, obj: Membership) -> str:
        # Not the ``user`` field: read-only, it would link to the accounts admin, closed to
        # managers.
        if obj.user.full_name:
            return f"{obj.user.full_name} <{obj.user.email}>"
        return obj.user.email

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["email", "eurocluster", "role"]
        return ["person", "eurocluster", "role"]

    def get_readonly_fields(self, request, obj=None):
        # The person and the Eurocluster of a membership never change; only the role does.
        return ["person", "eurocluster"] if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = MembershipAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        email = obj.user.email if change else form.cleaned_data["email"]
        membership = membership_grant(
            eurocluster=obj.eurocluster, email=email, role=obj.role, by=request.user
        )
        # The admin goes on with ``obj`` (history entry, redirect): make it the saved row.
        obj.pk, obj.user = membership.pk, membership.user
        obj._state.adding = False

    def delete_model(self, request, obj):
        membership_revoke(membership=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("eurocluster"):
            membership_revoke(membership=membership, by=request.user)
