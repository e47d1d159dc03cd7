"""What applications plugs into the registries and signals of the portal, once, from
``AppConfig.ready()``: the manager's and the applicant's roles (accounts.roles: menu and home
after login), the applicant's flag set at login, the dashboard's own next step (a draft to
finish), the applicant's personal data (accounts.personal_data), and the enterprise's name, which a
published question about a call must not contain (calls.question_services)."""

import rules
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _

from accounts.personal_data import Contributor, register_contributor
from accounts.roles import register_role
from applications import personal_data, reminders
from applications.models import Application, Organisation
from applications.next_actions import draft_actions, register_next_actions
from applications.roles import SESSION_FLAG, remember_applicant
from calls.follow_services import register_deadline_audience
from calls.question_services import register_identity_source
from portal.notifications import register_kind


def enterprise_names(user) -> list[str]:
    """The enterprise a person describes: a published question about a call must not name it."""
    return list(Organisation.objects.filter(user=user).values_list("legal_name", flat=True))


def applicants_of(call) -> list[int]:
    """The users whose application in ``call`` they can still change: a moved deadline is theirs
    to know (calls.follow_services)."""
    return list(Application.objects.filter(call=call, status__in=Application.EDITABLE)
                .values_list("organisation__user_id", flat=True))


def register() -> None:
    # The manager test is the menu's own (the per-request role cache answers it). Asked of the
    # rules alone: ``user.has_perm`` would go on to Django's ModelBackend for everyone who is not
    # a manager, two queries of user and group permissions on every page an SME opens.
    register_role(code="manager", priority=10, home="applications:manage_calls",
                  held=lambda request: rules.has_perm("applications.manage_eligibility",
                                                      request.user))
    register_role(code="applicant", priority=90, home="applications:dashboard",
                  held=lambda request: bool(request.session.get(SESSION_FLAG)), default=True)
    user_logged_in.connect(remember_applicant, dispatch_uid="applications_remember_applicant")
    register_next_actions("applications.drafts", draft_actions)
    reminders.register_kinds()
    register_identity_source(enterprise_names)
    register_deadline_audience(applicants_of)
    register_contributor(Contributor(
        name="applications", layer=4, export=personal_data.export, holds=personal_data.holds,
        erase=personal_data.erase, purge=personal_data.purge))
    # What applications tells people (portal.notifications): both always e-mailed.
    register_kind(key="applications.submission_receipt", label=_("Submission receipts"),
                  template="submission_receipt", essential=True)
    register_kind(key="applications.eligibility_result", label=_("Eligibility results"),
                  template="eligibility_result", essential=True)
    register_clarification_kinds()


def register_clarification_kinds() -> None:
    # Essential: a question with a due date of its own, which the applicant cannot afford to miss
    # (an unanswered one may cost the application), like the deadline changes.
    register_kind(key="applications.clarification_requested",
                  label=_("Clarification requested about your application"),
                  template="applications_clarification_requested", essential=True)
    register_kind(key="applications.clarification_answered",
                  label=_("An applicant answered your clarification request"),
                  template="applications_clarification_answered")
    register_kind(key="applications.clarification_overdue",
                  label=_("A clarification request is overdue"),
                  template="applications_clarification_overdue")
