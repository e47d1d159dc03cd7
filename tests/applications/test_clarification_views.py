"""The pages of clarification requests: the manager asks, shares, closes; the applicant answers
with a PDF; the thread on the application page, the manager's eligibility page and (when shared)
the evaluator's review page; the files only for those who may read the thread; query counts."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.clarifications import clarification_answer, clarification_ask
from applications.models import Application, ClarificationAttachment, ClarificationRequest
from euroclusters.models import Membership
from evaluation.models import Assignment
from tests.applications.clarification_helpers import pdf, submitted
from tests.evaluation.factories import AssignmentFactory, CallEvaluatorFactory
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

QUESTION = "Please send the 2025 balance sheet: the turnover looks high."
ANSWER = "Our 2025 turnover is EUR 1.5 M; the accounts are attached."


@pytest.fixture
def case(manager_a):
    return submitted(manager_a.eurocluster)


def ask(case, manager, *, answered=False, shared=False, question=QUESTION):
    request = clarification_ask(application=case.application, by=manager, question=question,
                                criterion=case.criterion)
    if answered:
        clarification_answer(request=request, by=case.applicant, text=ANSWER,
                             files=[pdf("accounts 2025.pdf")])
    if shared:
        ClarificationRequest.objects.filter(pk=request.pk).update(shared_with_evaluators=True)
    request.refresh_from_db()
    return request


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def eligibility_url(case) -> str:
    return reverse("applications:manage_eligibility_result", args=[case.version.eligibility.pk])


def file_url(case, attachment) -> str:
    return reverse("applications:clarification_file", args=[case.application.pk, attachment.pk])


def evaluator_of(case, **kwargs) -> Assignment:
    """An evaluator assigned to the application, past both declarations."""
    Application.objects.filter(pk=case.application.pk).update(
        status=Application.Status.UNDER_EVALUATION)
    fields = {"status": Assignment.Status.ACTIVE, "declared_at": timezone.now(), **kwargs}
    return AssignmentFactory(application=case.application,
                             evaluator=CallEvaluatorFactory(call=case.call), **fields)


def texts(response, selector_class: str) -> list[str]:
    """The text of the elements with ``class="<selector_class> ..."`` (tags removed)."""
    html = response.content.decode()
    found = re.findall(rf'<div class="{selector_class}[^"]*">(.*?)</div>', html, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", f).split()) for f in found]


# --- the manager asks --------------------------------------------------------------------------


def test_the_ask_page_proposes_five_working_days_and_the_calls_rules_and_criteria(
        case, manager_client):
    response = manager_client.get(reverse("applications:manage_clarification_ask",
                                          args=[case.application.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    today = timezone.localdate()
    expected = today
    for _ in range(5):
        expected += timedelta(days=1)
        while expected.weekday() >= 5:
            expected += timedelta(days=1)
    assert form.initial["due_on"] == expected
    groups = dict(form.fields["concerns"].choices[1:])
    assert [label for _value, label in groups["Evaluation criteria"]] == ["Impact"]
    assert ("rule:sme", "SME status (Recommendation 2003/361/EC)") in groups["Eligibility rules"]


def test_the_manager_asks_and_lands_on_the_thread(case, manager_client, manager_a):
    due = timezone.localdate() + timedelta(days=9)
    response = manager_client.post(
        reverse("applications:manage_clarification_ask", args=[case.application.pk]),
        {"question": QUESTION, "concerns": f"criterion:{case.criterion.pk}",
         "due_on": due.isoformat(), "share": "on"})
    request = ClarificationRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{eligibility_url(case)}#clarification-{request.pk}"
    assert (request.question, request.criterion, request.asked_by,
            request.shared_with_evaluators) == (QUESTION, case.criterion, manager_a.user, True)
    assert timezone.localtime(request.due_at).date() == due
    page = manager_client.get(eligibility_url(case))
    assert texts(page, "question") == [f"Question: {QUESTION}"]
    assert "Shared with the evaluators" in page.content.decode()


def test_an_empty_question_is_refused_with_the_form(case, manager_client):
    response = manager_client.post(
        reverse("applications:manage_clarification_ask", args=[case.application.pk]),
        {"question": "", "due_on": date.today().isoformat()})
    assert response.status_code == 400
    assert response.context["form"].errors["question"] == ["This field is required."]
    assert ClarificationRequest.objects.count() == 0


@pytest.mark.parametrize("who", ["owner", "other_sme", "manager_b", "finance", "evaluator"])
def test_nobody_but_the_eurocluster_managers_asks(case, who, eurocluster_b):
    people = {
        "owner": lambda: case.applicant,
        "other_sme": lambda: OrganisationFactory().user,
        "manager_b": lambda: MembershipFactory(eurocluster=eurocluster_b).user,
        "finance": lambda: MembershipFactory(eurocluster=case.call.eurocluster,
                                             role=Membership.Role.FINANCE).user,
        "evaluator": lambda: evaluator_of(case).evaluator.user,
    }
    client = client_of(people[who]())
    url = reverse("applications:manage_clarification_ask", args=[case.application.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"question": QUESTION,
                             "due_on": date.today().isoformat()}).status_code == 404
    assert ClarificationRequest.objects.count() == 0


def test_an_anonymous_visitor_is_sent_to_log_in(case, client, manager_a):
    request = ask(case, manager_a.user, answered=True)
    attachment = ClarificationAttachment.objects.get()
    for url in (reverse("applications:manage_clarification_ask", args=[case.application.pk]),
                reverse("applications:clarification_answer",
                        args=[case.application.pk, request.pk]),
                file_url(case, attachment)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- share and close ---------------------------------------------------------------------------


def test_the_manager_shares_hides_and_closes(case, manager_client, manager_a):
    request = ask(case, manager_a.user, answered=True)
    share = reverse("applications:manage_clarification_share", args=[request.pk])
    back = f"{eligibility_url(case)}#clarification-{request.pk}"
    assert manager_client.post(share, {"shared": "1"})["Location"] == back
    request.refresh_from_db()
    assert request.shared_with_evaluators is True
    manager_client.post(share, {"shared": "0"})
    request.refresh_from_db()
    assert request.shared_with_evaluators is False
    close = reverse("applications:manage_clarification_close", args=[request.pk])
    assert manager_client.post(close)["Location"] == back
    request.refresh_from_db()
    assert request.status == ClarificationRequest.Status.CLOSED


@pytest.mark.parametrize("who", ["owner", "manager_b"])
def test_share_and_close_are_refused_to_others(case, manager_a, eurocluster_b, who):
    request = ask(case, manager_a.user)
    person = case.applicant if who == "owner" else MembershipFactory(
        eurocluster=eurocluster_b).user
    client = client_of(person)
    for name in ("applications:manage_clarification_share",
                 "applications:manage_clarification_close"):
        assert client.post(reverse(name, args=[request.pk]), {"shared": "1"}).status_code == 404
    request.refresh_from_db()
    assert (request.status, request.shared_with_evaluators) == (
        ClarificationRequest.Status.OPEN, False)


# --- the applicant answers ---------------------------------------------------------------------


def test_the_applicant_sees_the_question_and_answers_with_a_pdf(case, manager_a):
    request = ask(case, manager_a.user)
    client = client_of(case.applicant)
    detail = client.get(reverse("applications:detail", args=[case.application.pk]))
    assert texts(detail, "question") == [f"Question: {QUESTION}"]
    answer_url = reverse("applications:clarification_answer",
                         args=[case.application.pk, request.pk])
    assert f'href="{answer_url}"' in detail.content.decode()
    assert client.get(answer_url).status_code == 200
    response = client.post(answer_url, {"text": ANSWER,
                                        "files": [pdf("accounts.pdf"), pdf("notes.pdf")]})
    assert response.status_code == 302
    assert response["Location"] == (f"/applications/{case.application.pk}/"
                                    f"#clarification-{request.pk}")
    request.refresh_from_db()
    assert (request.status, request.answer) == (ClarificationRequest.Status.ANSWERED, ANSWER)
    assert list(request.attachments.values_list("original_name", flat=True)) == [
        "accounts.pdf", "notes.pdf"]
    detail = client.get(reverse("applications:detail", args=[case.application.pk]))
    assert f'href="{answer_url}"' not in detail.content.decode()
    assert ANSWER in detail.content.decode()


def test_an_answer_after_the_due_moment_is_refused_on_the_page(case, manager_a, monkeypatch):
    request = ask(case, manager_a.user)
    client = client_of(case.applicant)
    late = request.due_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: late)
    url = reverse("applications:clarification_answer", args=[case.application.pk, request.pk])
    page = client.get(url)
    assert "The due date has passed" in page.content.decode()
    assert 'id="answer-form"' not in page.content.decode()
    response = client.post(url, {"text": ANSWER})
    assert response.status_code == 409
    assert response.context["form"].non_field_errors()[0].startswith("The answer was due by")
    request.refresh_from_db()
    assert request.status == ClarificationRequest.Status.OPEN


@pytest.mark.parametrize("who", ["other_sme", "manager", "superuser"])
def test_nobody_but_the_applicant_answers_on_the_page(case, manager_a, who):
    request = ask(case, manager_a.user)
    person = {"other_sme": lambda: OrganisationFactory().user,
              "manager": lambda: manager_a.user,
              "superuser": lambda: UserFactory(is_staff=True, is_superuser=True)}[who]()
    url = reverse("applications:clarification_answer", args=[case.application.pk, request.pk])
    response = client_of(person).post(url, {"text": ANSWER})
    # Another SME does not learn the application exists; a manager may see it, not answer.
    assert response.status_code == (404 if who == "other_sme" else 403)
    request.refresh_from_db()
    assert request.status == ClarificationRequest.Status.OPEN


# --- the files ---------------------------------------------------------------------------------


def test_the_files_are_served_to_the_applicant_and_the_eurocluster_managers(case, manager_a):
    ask(case, manager_a.user, answered=True)
    attachment = ClarificationAttachment.objects.get()
    superuser = UserFactory(is_staff=True, is_superuser=True)
    for person in (case.applicant, manager_a.user, superuser):
        response = client_of(person).get(file_url(case, attachment))
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="accounts_2025.pdf"'


@pytest.mark.parametrize("who", ["other_sme", "manager_b", "finance", "assigned_evaluator",
                                 "unassigned_evaluator"])
def test_the_files_are_refused_to_every_other_role(case, manager_a, eurocluster_b, who):
    ask(case, manager_a.user, answered=True, shared=True)
    attachment = ClarificationAttachment.objects.get()
    people = {
        "other_sme": lambda: OrganisationFactory().user,
        "manager_b": lambda: MembershipFactory(eurocluster=eurocluster_b).user,
        "finance": lambda: MembershipFactory(eurocluster=case.call.eurocluster,
                                             role=Membership.Role.FINANCE).user,
        # Evaluators read shared files through their assignment, never through this address.
        "assigned_evaluator": lambda: evaluator_of(case).evaluator.user,
        "unassigned_evaluator": lambda: CallEvaluatorFactory(call=case.call).user,
    }
    assert client_of(people[who]()).get(file_url(case, attachment)).status_code == 404


# --- the evaluators ----------------------------------------------------------------------------


def review_url(assignment) -> str:
    return reverse("evaluation:review", args=[assignment.pk])


def evaluator_file_url(assignment, attachment) -> str:
    return reverse("evaluation:review_clarification_file", args=[assignment.pk, attachment.pk])


def test_the_evaluator_sees_the_thread_only_when_shared(case, manager_a):
    request = ask(case, manager_a.user, answered=True)
    assignment = evaluator_of(case)
    attachment = ClarificationAttachment.objects.get()
    client = client_of(assignment.evaluator.user)

    hidden = client.get(review_url(assignment))
    assert hidden.status_code == 200
    assert 'id="clarifications"' not in hidden.content.decode()
    assert QUESTION not in hidden.content.decode()
    assert client.get(evaluator_file_url(assignment, attachment)).status_code == 404

    ClarificationRequest.objects.filter(pk=request.pk).update(shared_with_evaluators=True)
    shown = client.get(review_url(assignment))
    html = shown.content.decode()
    assert texts(shown, "question") == [f"Question: {QUESTION}"]
    assert ANSWER in html
    assert f'href="{evaluator_file_url(assignment, attachment)}"' in html
    assert "Share with the evaluators" not in html  # the manager's buttons are hers
    download = client.get(evaluator_file_url(assignment, attachment))
    assert download.status_code == 200


def test_only_shared_questions_show_to_the_evaluator(case, manager_a):
    ask(case, manager_a.user, answered=True, shared=True, question="Shared question?")
    ask(case, manager_a.user, question="Private question?")
    assignment = evaluator_of(case)
    page = client_of(assignment.evaluator.user).get(review_url(assignment))
    assert texts(page, "question") == ["Question: Shared question?"]


def test_an_evaluator_before_declaring_or_unassigned_gets_no_file(case, manager_a):
    ask(case, manager_a.user, answered=True, shared=True)
    attachment = ClarificationAttachment.objects.get()
    undeclared = evaluator_of(case, status=Assignment.Status.ASSIGNED, declared_at=None)
    assert client_of(undeclared.evaluator.user).get(
        evaluator_file_url(undeclared, attachment)).status_code == 403
    other = CallEvaluatorFactory(call=case.call).user
    assert client_of(other).get(evaluator_file_url(undeclared, attachment)).status_code == 404


# --- the manager's list flags what is overdue --------------------------------------------------


def test_the_call_eligibility_list_flags_overdue_and_awaited_questions(case, manager_client,
                                                                       manager_a, monkeypatch):
    request = ask(case, manager_a.user)
    url = reverse("applications:manage_call_eligibility", args=[case.call.pk])
    html = manager_client.get(url).content.decode()
    assert "1 clarification awaited" in html
    assert 'id="overdue-clarifications"' not in html
    late = request.due_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: late)
    html = manager_client.get(url).content.decode()
    assert "1 clarification overdue" in html
    assert "1 clarification request is past its due date without an answer." in html
    page = manager_client.get(eligibility_url(case)).content.decode()
    assert "Overdue" in page and "No answer was given by the due date." in page


# --- query counts ------------------------------------------------------------------------------


def thread_of(case, manager, n: int) -> None:
    for index in range(n):
        ask(case, manager, answered=True, shared=True, question=f"Question {index}?")


# Each page costs what it cost before the thread plus two queries, whatever the number of
# questions: the questions (with who asked and answered, the criterion and the version), then
# their files.
@pytest.mark.parametrize("n", [1, 6])
def test_the_application_page_query_count_is_fixed(case, manager_a, django_assert_num_queries,
                                                   n):
    thread_of(case, manager_a.user, n)
    client = client_of(case.applicant)
    with django_assert_num_queries(APPLICATION_PAGE_QUERIES):
        response = client.get(reverse("applications:detail", args=[case.application.pk]))
    assert len(response.context["clarifications"]) == n


@pytest.mark.parametrize("n", [1, 6])
def test_the_eligibility_page_query_count_is_fixed(case, manager_a, django_assert_num_queries,
                                                   n):
    thread_of(case, manager_a.user, n)
    client = client_of(manager_a.user)
    with django_assert_num_queries(ELIGIBILITY_PAGE_QUERIES):
        response = client.get(eligibility_url(case))
    assert len(response.context["clarifications"]) == n


@pytest.mark.parametrize("n", [1, 6])
def test_the_review_page_query_count_is_fixed(case, manager_a, django_assert_num_queries, n):
    thread_of(case, manager_a.user, n)
    assignment = evaluator_of(case)
    client = client_of(assignment.evaluator.user)
    with django_assert_num_queries(REVIEW_PAGE_QUERIES):
        response = client.get(review_url(assignment))
    assert len(response.context["clarifications"]) == n


# Session; its user with her memberships and the bell's unread count (euroclusters.backends); the
# application with its call and the call's Eurocluster, once; the page's relations (budget,
# members, voucher types, documents, attachments, versions); the thread (2).
APPLICATION_PAGE_QUERIES = 11
# Session; its user with her memberships and the bell's unread count (euroclusters.backends); the
# result with its version and application; whether a newer version exists; the thread (2).
ELIGIBILITY_PAGE_QUERIES = 6
# The review page's seven, and the shared thread (2).
REVIEW_PAGE_QUERIES = 9
