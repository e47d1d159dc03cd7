"""What evaluation plugs into the registries of the apps below it, once, from
``AppConfig.ready()``: the evaluator's role (accounts.roles: menu and home after login) and the
applicant's next steps of the results (applications.next_actions), and the evaluators' personal
data (accounts.personal_data)."""

from accounts.mfa import register_mfa_requirement
from accounts.personal_data import Contributor, register_contributor
from accounts.roles import register_role
from applications.next_actions import register_next_actions
from evaluation import personal_data, reminders
from evaluation.next_actions import evaluation_actions
from evaluation.views.reviews import SESSION_FLAG


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
