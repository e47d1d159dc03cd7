"""Questions about a call (issue 12, part 3): asked privately while the call takes questions,
answered and published anonymised by the managers of the call's Eurocluster."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from calls.follow_services import call_follow
from calls.models import CallQuestion, OpenCall
from calls.question_services import (
    asker_identities,
    question_answer,
    question_ask,
    question_publish,
    redact,
)
from euroclusters.models import Membership
from portal.audit import audit_trail
from portal.errors import DomainError
from portal.models import Notification
from tests.factories import (
    MembershipFactory,
    OpenCallFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ASKED = ("Hello, I am Jane Doe from Acme Robotics GmbH (jane.doe@acme.example). Can a "
         "consortium of two SMEs from the same country apply?")


@pytest.fixture
def call(eurocluster_a):
    return OpenCallFactory(eurocluster=eurocluster_a, slug="robots",
                           closes_at=timezone.now() + timedelta(days=20))


@pytest.fixture
def asker():
    user = UserFactory(full_name="Jane Doe", email="jane.doe@acme.example")
    OrganisationFactory(user=user, legal_name="Acme Robotics GmbH")
    return user


@pytest.fixture
def question(call, asker):
    return question_ask(call=call, text=ASKED, by=asker)


def kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk")
                .values_list("kind", flat=True))


# --- when questions are taken --------------------------------------------------------------------

def test_a_question_at_the_very_second_questions_close_is_taken(call, asker):
    close = call.closes_at - timedelta(days=3)
    assert call.questions_close_at == close
    question = question_ask(call=call, text="Is VAT eligible?", by=asker, now=close)
    assert (question.asked_at, question.text) == (close, "Is VAT eligible?")


def test_a_question_one_second_after_questions_close_is_refused(call, asker):
    close = call.closes_at - timedelta(days=3)
    with pytest.raises(DomainError, match="takes no more questions: they closed 3 days before"):
        question_ask(call=call, text="Is VAT eligible?", by=asker,
                     now=close + timedelta(seconds=1))
    assert CallQuestion.objects.count() == 0


def test_the_days_before_the_deadline_are_the_calls_own(eurocluster_a, asker):
    call = OpenCallFactory(eurocluster=eurocluster_a, questions_close_days=0)
    question_ask(call=call, text="Still time?", by=asker, now=call.closes_at)
    with pytest.raises(DomainError):
        question_ask(call=call, text="Now?", by=asker,
                     now=call.closes_at + timedelta(seconds=1))


@pytest.mark.parametrize("status", [OpenCall.Status.DRAFT, OpenCall.Status.CLOSED,
                                    OpenCall.Status.EVALUATION])
def test_a_call_that_is_not_open_takes_no_question(eurocluster_a, asker, status):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=status)
    with pytest.raises(DomainError):
        question_ask(call=call, text="Hello?", by=asker)


def test_a_forthcoming_call_takes_no_question(eurocluster_a, asker):
    call = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.PUBLISHED,
                           opens_at=timezone.now() + timedelta(days=2))
    with pytest.raises(DomainError):
        question_ask(call=call, text="Hello?", by=asker)


def test_an_empty_question_is_refused(call, asker):
    with pytest.raises(DomainError, match="Write your question"):
        question_ask(call=call, text="   ", by=asker)


# --- asking through the call page --------------------------------------------------------------

def test_a_signed_in_sme_asks_on_the_call_page_and_the_calls_managers_are_told(
        client, call, asker, manager_a, eurocluster_b, django_capture_on_commit_callbacks):
    other_manager = MembershipFactory(eurocluster=eurocluster_b).user
    client.force_login(asker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("calls:question_ask", args=[call.slug]),
                               {"text": "Is VAT eligible?"})
    assert response.status_code == 302
    question = CallQuestion.objects.get()
    assert (question.call, question.asked_by, question.text) == (call, asker, "Is VAT eligible?")
    assert kinds_for(manager_a.user) == ["calls.question_asked"]
    assert kinds_for(other_manager) == []
    assert [m.to for m in mail.outbox] == [[manager_a.user.email]]
    assert reverse("calls:manage_question", args=[question.pk]) in mail.outbox[0].body
    # The asker sees her own question, privately, on the call page.
    page = client.get(call.get_absolute_url()).content.decode()
    assert "Is VAT eligible?" in page and 'id="my-questions"' in page
    assert [e.action for e in audit_trail(question).order_by("pk")] == ["calls.question_asked"]


def test_the_call_page_refuses_a_question_after_questions_closed(client, eurocluster_a, asker):
    call = OpenCallFactory(eurocluster=eurocluster_a,
                           closes_at=timezone.now() + timedelta(days=2))
    client.force_login(asker)
    page = client.get(call.get_absolute_url()).content.decode()
    assert 'id="ask-question"' not in page
    assert "Questions about this call closed on" in page
    response = client.post(reverse("calls:question_ask", args=[call.slug]), {"text": "Late?"})
    assert response.status_code == 400
    assert "takes no more questions" in response.content.decode()
    assert CallQuestion.objects.count() == 0


@pytest.mark.usefixtures("time_stands_still")
def test_asking_is_rate_limited_per_person(client, call, asker, manager_a, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "questions": "2/h"}
    client.force_login(asker)
    url = reverse("calls:question_ask", args=[call.slug])
    assert [client.post(url, {"text": f"Question {n}?"}).status_code for n in range(2)] == [302] * 2
    response = client.post(url, {"text": "A third one?"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts in a short time" in response.content.decode()
    assert CallQuestion.objects.count() == 2
    assert kinds_for(manager_a.user) == ["calls.question_asked"] * 2
    # Somebody else is counted apart.
    client.force_login(UserFactory())
    assert client.post(url, {"text": "Mine?"}).status_code == 302


def test_an_anonymous_visitor_cannot_ask(client, call):
    response = client.post(reverse("calls:question_ask", args=[call.slug]), {"text": "Hi?"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert CallQuestion.objects.count() == 0
    assert "Log in to ask a question" in client.get(call.get_absolute_url()).content.decode()


# --- answer and publication --------------------------------------------------------------------

def test_the_private_answer_tells_the_asker_and_is_audited(question, asker, manager_a):
    question_answer(question=question, answer="Yes, two SMEs may apply together.",
                    by=manager_a.user)
    question.refresh_from_db()
    assert (question.answer, question.answered_by) == ("Yes, two SMEs may apply together.",
                                                       manager_a.user)
    assert question.published_at is None
    assert kinds_for(asker) == ["calls.question_answered"]
    assert [(e.action, e.actor) for e in audit_trail(question).order_by("pk")] == [
        ("calls.question_asked", asker), ("calls.question_answered", manager_a.user)]


def test_the_publication_form_starts_from_a_version_without_the_askers_identity(
        client, question, manager_a):
    client.force_login(manager_a.user)
    response = client.get(reverse("calls:manage_question", args=[question.pk]))
    assert response.status_code == 200
    initial = response.context["publish_form"].initial["public_question"]
    assert initial == ("Hello, I am […] from […] ([…]). Can a consortium of two SMEs from the "
                       "same country apply?")


def test_identities_cover_the_name_its_parts_the_address_and_the_enterprise(asker):
    assert asker_identities(asker) == ["jane.doe@acme.example", "Acme Robotics GmbH",
                                       "Jane Doe", "jane.doe", "Jane", "Doe"]
    assert redact("ACME ROBOTICS GMBH and jane DOE; Doering", asker_identities(asker)) == (
        "[…] and […]; Doering")


@pytest.mark.parametrize("public_question, public_answer", [
    ("Can Jane apply?", "Yes."),
    ("Can a consortium apply?", "Yes, Acme Robotics GmbH may."),
    ("Write to jane.doe@acme.example?", "Yes."),
])
def test_a_publication_that_names_the_asker_is_refused(question, manager_a, public_question,
                                                       public_answer):
    with pytest.raises(DomainError, match="must not name the person who asked"):
        question_publish(question=question, public_question=public_question,
                         public_answer=public_answer, by=manager_a.user)
    question.refresh_from_db()
    assert question.published_at is None


def test_published_qa_is_anonymised_on_the_call_page_with_its_date(
        client, question, asker, manager_a, django_capture_on_commit_callbacks):
    client.force_login(manager_a.user)
    page = client.get(reverse("calls:manage_question", args=[question.pk]))
    form = page.context["publish_form"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("calls:manage_question_publish", args=[question.pk]), {
            "public_question": form.initial["public_question"].replace("Hello, I am […] from "
                                                                       "[…] ([…]). ", ""),
            "public_answer": "Yes: the call allows consortia of SMEs from one country."})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.public_question == ("Can a consortium of two SMEs from the same country "
                                        "apply?")
    assert question.published_by == manager_a.user
    # The published answer is the answer when none was given privately.
    assert question.answer == "Yes: the call allows consortia of SMEs from one country."
    for viewer in (None, UserFactory()):
        client.logout()
        if viewer:
            client.force_login(viewer)
        page = client.get(question.call.get_absolute_url())
        text = page.content.decode()
        assert "Can a consortium of two SMEs from the same country apply?" in text
        assert "Published on" in text
        for identity in ("Jane", "Doe", "Acme", "jane.doe@acme.example"):
            assert identity not in text, identity
            assert identity not in question.public_question + question.public_answer
    assert [e.action for e in audit_trail(question).order_by("pk")] == [
        "calls.question_asked", "calls.question_published"]


def test_publication_tells_the_asker_and_the_followers_once(
        question, asker, manager_a, django_capture_on_commit_callbacks):
    follower, other = UserFactory(), UserFactory()
    call_follow(call=question.call, user=follower)
    call_follow(call=question.call, user=asker)  # the asker follows too: told once
    with django_capture_on_commit_callbacks(execute=True):
        question_publish(question=question, public_question="Can two SMEs apply?",
                         public_answer="Yes.", by=manager_a.user)
    assert kinds_for(asker) == ["calls.qa_published"]
    assert kinds_for(follower) == ["calls.qa_published"]
    assert kinds_for(other) == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted([asker.email, follower.email])
    follower_mail = next(m for m in mail.outbox if m.to == [follower.email])
    assert "Can two SMEs apply?" in follower_mail.body
    assert "Jane" not in follower_mail.body
    # Correcting the published text tells nobody again.
    question_publish(question=question, public_question="May two SMEs apply together?",
                     public_answer="Yes.", by=manager_a.user)
    assert Notification.objects.filter(kind="calls.qa_published").count() == 2
    assert audit_trail(question).order_by("pk").last().action == "calls.question_republished"


def test_the_manager_answers_on_the_question_page(client, question, asker, manager_a):
    client.force_login(manager_a.user)
    response = client.post(reverse("calls:manage_question", args=[question.pk]),
                           {"answer": "Yes."})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer == "Yes."
    assert kinds_for(asker) == ["calls.question_answered"]


# --- who may see and do what ---------------------------------------------------------------------

@pytest.fixture
def people(eurocluster_a, eurocluster_b, asker):
    """Everyone who must be refused the manager's pages of a question in Eurocluster A."""
    evaluator = UserFactory()
    observer = MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.OBSERVER).user
    return {
        "sme": asker,
        "manager_b": MembershipFactory(eurocluster=eurocluster_b).user,
        "evaluator": evaluator,
        "observer_a": observer,
    }


@pytest.mark.parametrize("who", ["anonymous", "sme", "manager_b", "evaluator", "observer_a"])
def test_other_roles_are_refused_the_managers_question_pages(client, question, people, who):
    if who != "anonymous":
        client.force_login(people[who])
    pages = [
        ("get", reverse("calls:manage_questions", args=[question.call_id]), {}),
        ("get", reverse("calls:manage_question", args=[question.pk]), {}),
        ("post", reverse("calls:manage_question", args=[question.pk]), {"answer": "Hacked"}),
        ("post", reverse("calls:manage_question_publish", args=[question.pk]),
         {"public_question": "Q?", "public_answer": "Hacked"}),
    ]
    for method, url, data in pages:
        response = getattr(client, method)(url, data)
        if who == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code in (403, 404), (url, response.status_code)
    question.refresh_from_db()
    assert (question.answer, question.published_at) == ("", None)


def test_the_asker_alone_sees_her_private_question_on_the_call_page(client, question):
    client.force_login(UserFactory())
    assert "Can a consortium" not in client.get(question.call.get_absolute_url()).content.decode()


# --- query counts --------------------------------------------------------------------------------

def _questions(call, n, published):
    for index in range(n):
        asker = UserFactory()
        question = question_ask(call=call, text=f"Question {index}?", by=asker)
        if published:
            CallQuestion.objects.filter(pk=question.pk).update(
                public_question=f"Public {index}?", public_answer="Yes.",
                published_at=timezone.now(), answer="Yes.", answered_at=timezone.now())


# The manager's list: the session; its user with her memberships (the permission and the menu's
# roles) and the bell's unread count (euroclusters.backends); the call with its Eurocluster; the
# questions with their askers.
MANAGER_LIST_QUERIES = 4


@pytest.mark.parametrize("n", [1, 12])
def test_the_managers_question_list_costs_the_same_at_1_and_many(
        client, call, manager_a, django_assert_num_queries, n):
    _questions(call, n, published=n > 1)
    client.force_login(manager_a.user)
    with django_assert_num_queries(MANAGER_LIST_QUERIES):
        response = client.get(reverse("calls:manage_questions", args=[call.pk]))
    assert response.status_code == 200
    assert len(response.context["questions"]) == n


# The public call page: the call with its Eurocluster, its voucher types, criteria, documents,
# required documents and tranche steps, then the published questions and answers.
PUBLIC_CALL_QUERIES = 7


@pytest.mark.parametrize("n", [1, 12])
def test_the_public_call_page_lists_its_qa_in_fixed_queries(
        client, call, django_assert_num_queries, n):
    _questions(call, n, published=True)
    with django_assert_num_queries(PUBLIC_CALL_QUERIES):
        response = client.get(call.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["questions_and_answers"]) == n
    assert response.content.decode().count('class="qa ') == n
