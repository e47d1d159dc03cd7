"""Questions about a call: a signed-in person asks privately while the call takes questions, the
managers of the call's Eurocluster answer and may publish an anonymised version, listed on the
call page and sent to the asker and to everyone who follows the call.

"Anonymised" is checked, not hoped for: the published question and answer may not contain the
asker's name, e-mail address or enterprise names (``asker_identities``). calls sits below
applications, which owns the enterprise, so the enterprise names come from sources the higher
apps register (``register_identity_source``).
"""

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.follow_services import followers_notify
from calls.models import CallQuestion, OpenCall
from euroclusters.models import Membership
from portal.audit import audit_record
from portal.errors import DomainError
from portal.notifications import notify, notify_each

QUESTION_MAX_CHARS = 4000
REDACTED = "[…]"
# Shorter strings (initials, "AB") would match inside ordinary words.
MIN_IDENTITY_CHARS = 3

_IDENTITY_SOURCES: list[Callable[[Any], Iterable[str]]] = []


def register_identity_source(source: Callable[[Any], Iterable[str]]) -> None:
    """A higher app adds the names it holds about a person (applications: the enterprise)."""
    if source not in _IDENTITY_SOURCES:
        _IDENTITY_SOURCES.append(source)


def asker_identities(user: Any) -> list[str]:
    """What names the asker: full name and its parts, e-mail address and its local part, and
    every registered source's names (enterprise names); longest first."""
    if user is None:
        return []
    names = {user.email, user.email.split("@")[0]}
    if user.full_name:
        names.add(user.full_name)
        names.update(user.full_name.split())
    for source in _IDENTITY_SOURCES:
        names.update(source(user))
    return sorted({n.strip() for n in names if n and len(n.strip()) >= MIN_IDENTITY_CHARS},
                  key=lambda n: (-len(n), n))


def _pattern(identity: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(identity)}(?!\w)", re.IGNORECASE)


def identities_in(text: str, identities: Iterable[str]) -> list[str]:
    return [i for i in identities if _pattern(i).search(text)]


def redact(text: str, identities: Iterable[str]) -> str:
    """``text`` with every identity replaced by "[…]": the start of the published version."""
    for identity in identities:
        text = _pattern(identity).sub(REDACTED, text)
    return text


def _managers(call: OpenCall):
    return [m.user for m in Membership.objects.filter(
        eurocluster_id=call.eurocluster_id, role=Membership.Role.MANAGER,
        user__is_active=True).select_related("user")]


@transaction.atomic
def question_ask(*, call: OpenCall, text: str, by: Any, now=None) -> CallQuestion:
    """Record ``by``'s question about ``call`` and tell the call's managers (after commit).

    Raises DomainError when the call no longer takes questions (its deadline minus
    ``questions_close_days``, that very second included) or the text is empty or too long.
    """
    now = now or timezone.now()
    call = OpenCall.objects.get(pk=call.pk)  # its status and dates as they are now
    if not call.accepts_questions(now):
        raise DomainError(_("This call takes no more questions: they closed %(days)d days "
                            "before its deadline.") % {"days": call.questions_close_days})
    text = text.strip()
    if not text:
        raise DomainError(_("Write your question."))
    if len(text) > QUESTION_MAX_CHARS:
        raise DomainError(_("A question has at most %(n)d characters.")
                          % {"n": QUESTION_MAX_CHARS})
    question = CallQuestion.objects.create(call=call, asked_by=by, text=text, asked_at=now)
    audit_record(subject=question, action="calls.question_asked", actor=by,
                 data={"call": call.pk})
    link = reverse("calls:manage_question", kwargs={"pk": question.pk})
    notify_each(recipients=_managers(call), kind="calls.question_asked", link=link,
                context={"call": call, "question": question})
    return question


@transaction.atomic
def question_answer(*, question: CallQuestion, answer: str, by: Any) -> CallQuestion:
    """Answer the question privately: the asker is told (after commit). A new answer replaces
    the earlier one and is told again. Raises DomainError on an empty answer."""
    question = CallQuestion.objects.select_for_update().select_related("call").get(
        pk=question.pk)
    answer = answer.strip()
    if not answer:
        raise DomainError(_("Write the answer."))
    first = not question.answer
    question.answer, question.answered_at, question.answered_by = answer, timezone.now(), by
    question.save(update_fields=["answer", "answered_at", "answered_by"])
    audit_record(subject=question, action="calls.question_answered", actor=by,
                 data={"first": first})
    if question.asked_by_id:
        notify(recipient=question.asked_by, kind="calls.question_answered",
               link=question.call.get_absolute_url(),
               context={"call": question.call, "question": question})
    return question


@transaction.atomic
def question_publish(*, question: CallQuestion, public_question: str, public_answer: str,
                     by: Any) -> CallQuestion:
    """Publish the anonymised question and answer in the call's "Questions and answers".

    The first publication tells the asker and every follower of the call (once each, after
    commit); publishing again corrects the text and tells nobody. A question not yet answered
    privately takes the published answer as its answer. Raises DomainError when a text is
    empty or names the asker (name, e-mail address, enterprise).
    """
    # of=self: PostgreSQL locks no row of the outer join to a (nullable) asker.
    question = (CallQuestion.objects.select_for_update(of=("self",))
                .select_related("call", "asked_by").get(pk=question.pk))
    public_question, public_answer = public_question.strip(), public_answer.strip()
    if not public_question or not public_answer:
        raise DomainError(_("Write the question and the answer to publish."))
    named = identities_in(f"{public_question}\n{public_answer}",
                          asker_identities(question.asked_by))
    if named:
        raise DomainError(_("The published text must not name the person who asked: remove "
                            "%(names)s.") % {"names": ", ".join(f"“{n}”" for n in named)})
    now, first = timezone.now(), question.published_at is None
    question.public_question, question.public_answer = public_question, public_answer
    fields = ["public_question", "public_answer"]
    if not question.answer:
        question.answer, question.answered_at, question.answered_by = public_answer, now, by
        fields += ["answer", "answered_at", "answered_by"]
    if first:
        question.published_at, question.published_by = now, by
        fields += ["published_at", "published_by"]
    question.save(update_fields=fields)
    audit_record(subject=question, action="calls.question_published" if first
                 else "calls.question_republished", actor=by)
    if first:
        call = question.call
        link = call.get_absolute_url() + "#questions"
        context = {"call": call, "question": question}
        told = set()
        if question.asked_by_id and question.asked_by.is_active:
            notify(recipient=question.asked_by, kind="calls.qa_published", link=link,
                   context={**context, "asker": True})
            told.add(question.asked_by_id)
        followers_notify(call=call, kind="calls.qa_published", link=link, context=context,
                         exclude=told)
    return question
