"""What calls plugs into the registries of the portal, once, from ``AppConfig.ready()``: its
notification kinds (portal.notifications) and the personal data it holds
(accounts.personal_data)."""

from django.utils.translation import gettext_lazy as _

from accounts.personal_data import Contributor, register_contributor
from calls import personal_data
from portal.notifications import register_kind


def register() -> None:
    register_kind(key="calls.question_asked", label=_("A question about a call you manage"),
                  template="calls_question_asked")
    register_kind(key="calls.question_answered", label=_("The answer to your question"),
                  template="calls_question_answered")
    register_kind(key="calls.qa_published", label=_("A question and answer published on a call"),
                  template="calls_qa_published")
    register_kind(key="calls.deadline_changed", label=_("A call's deadline moved"),
                  template="calls_deadline_changed", essential=True)
    register_kind(key="calls.document_added", label=_("A new document on a call you follow"),
                  template="calls_document_added")
    register_contributor(Contributor(
        name="calls", layer=3, export=personal_data.export, holds=personal_data.holds,
        erase=personal_data.erase, purge=personal_data.purge))
