"""What evaluation plugs into the registries of the apps below it, once, from
``AppConfig.ready()``: the evaluator's role (accounts.roles: menu and home after login) and the
applicant's next steps of the results (applications.next_actions), and the evaluators' personal
data (accounts.personal_data)."""

from django.utils.translation import gettext_lazy as _

from accounts.mfa import register_mfa_requirement
from accounts.personal_data import Contributor, register_contributor
from accounts.roles import register_role
from applications.next_actions import register_next_actions
from evaluation import personal_data, reminders
from evaluation.next_actions import evaluation_actions
from evaluation.views.reviews import SESSION_FLAG
from portal.notifications import register_kind


def register() -> None:
    # From the session flag set at login (remember_evaluator): no query per page.
    register_role(code="evaluator", priority=30, home="evaluation:queue",
                  held=lambda request: bool(request.session.get(SESSION_FLAG)))
    # An evaluator reads unpublished proposals: she needs a second factor.
    register_mfa_requirement(code="evaluator",
                             held=lambda request: bool(request.session.get(SESSION_FLAG)))
    register_next_actions("evaluation.results", evaluation_actions)
    reminders.register_kinds()
    register_contributor(Contributor(
        name="evaluation", layer=6, export=personal_data.export, holds=personal_data.holds,
        erase=personal_data.erase, purge=personal_data.purge))
    # What evaluation tells people (portal.notifications). Results, a move up from the reserve
    # list and a redress decision concern the applicant's rights; an invitation is the one way
    # an expert learns of it. The rest is the work of evaluators and managers, which each may
    # take at once, in a digest or only in the notification centre.
    for key, label, template, essential in (
        ("evaluation.invitation", _("Invitations to evaluate"), "evaluation_invitation", True),
        ("evaluation.result", _("Evaluation results"), "evaluation_result", True),
        ("evaluation.reserve_promoted", _("Moved up from the reserve list"),
         "evaluation_reserve_promoted", True),
        ("evaluation.redress_decided", _("Redress decisions"), "evaluation_redress_decided",
         True),
        ("evaluation.pool_assigned", _("Proposals assigned to you"), "evaluation_pool_assigned",
         False),
        ("evaluation.review_reopened", _("Reviews reopened by a manager"),
         "evaluation_review_reopened", False),
        ("evaluation.review_conflict", _("Conflicts of interest declared (managers)"),
         "evaluation_review_conflict", False),
        ("evaluation.redress_filed", _("Redress requests filed (managers)"),
         "evaluation_redress_filed", False),
    ):
        register_kind(key=key, label=label, template=template, essential=essential)
