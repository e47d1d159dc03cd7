"""The exports of a call's evaluation pages: the evaluator pool with the invitations and the
declarations, the assignments with their deadline, the redress requests with the days to answer;
for the call's managers only; linked from their pages; query counts at one and many rows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from euroclusters.models import Membership
from evaluation.models import Assignment, CallEvaluator, RedressRequest
from tests.evaluation.factories import (
    EvaluatorProfileFactory,
    closed_call,
    eligible_application,
    submitted_review,
)
from tests.factories import MembershipFactory, UserFactory
from tests.reporting.test_exports import csv_rows, url, xlsx_rows

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
INVITED = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # 10:00 in Brussels
ANSWERED = datetime.datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # 15:30
SIGNED = datetime.datetime(2026, 3, 2, 14, 45, tzinfo=UTC)  # 15:45
DECLARED = datetime.datetime(2026, 3, 4, 8, 0, tzinfo=UTC)  # 09:00
SUBMITTED = datetime.datetime(2026, 3, 9, 16, 0, tzinfo=UTC)  # 17:00
DEADLINE = datetime.datetime(2026, 3, 20, 22, 59, 59, tzinfo=UTC)  # 23:59 in Brussels


@pytest.fixture
def call():
    return closed_call(reference="EVAL-1", evaluation_deadline=DEADLINE, redress_days=10)


@pytest.fixture
def manager(call):
    return MembershipFactory(eurocluster=call.eurocluster, user__full_name="Marie Manager").user


def pool_entry(call, manager, *, name, email, status=CallEvaluator.Status.ACCEPTED,
               profile=True, **kwargs) -> CallEvaluator:
    user = UserFactory(full_name=name, email=email, mfa=True)  # an expert has her second factor
    if profile:
        EvaluatorProfileFactory(user=user, organisation="Analytical Engines Ltd", country="DE")
    entry = CallEvaluator.objects.create(call=call, user=user, status=status, invited_by=manager,
                                         **kwargs)
    CallEvaluator.objects.filter(pk=entry.pk).update(invited_at=INVITED)
    return entry


@pytest.fixture
def pool(call, manager):
    """Ada accepted, signed, rapporteur, with a submitted review and an active assignment; Bob
    invited only, with a removed assignment (which the assignment page does not show)."""
    ada = pool_entry(call, manager, name="Ada Lovelace", email="ada@example.org",
                     responded_at=ANSWERED, declaration_accepted_at=SIGNED, is_rapporteur=True)
    bob = pool_entry(call, manager, name="Bob Builder", email="bob@example.org",
                     status=CallEvaluator.Status.INVITED, profile=False)
    first = eligible_application(call, acronym="FIRST")
    second = eligible_application(call, acronym="=SECOND")
    done = Assignment.objects.create(application=first, evaluator=ada, declared_at=DECLARED,
                                     status=Assignment.Status.ACTIVE,
                                     source=Assignment.Source.MANUAL)
    review = submitted_review(done, [4, 4, 4])
    type(review).objects.filter(pk=review.pk).update(submitted_at=SUBMITTED)
    Assignment.objects.create(application=second, evaluator=ada, declared_at=DECLARED,
                              status=Assignment.Status.ACTIVE)
    Assignment.objects.create(application=first, evaluator=bob, status=Assignment.Status.REMOVED)
    return ada, bob, first, second


# --- the pool -----------------------------------------------------------------------------------


def test_the_pool_export_has_each_invitation_and_its_declarations(client, call, manager, pool):
    client.force_login(manager)
    response = client.get(url("evaluators", call=call.pk))
    assert response["Content-Disposition"] == 'attachment; filename="EVAL-1-evaluators.csv"'
    assert csv_rows(response) == [
        ["Call", "Evaluator", "E-mail", "Organisation", "Country", "Invitation",
         "Invited at (Brussels)", "Answered at (Brussels)", "Call's declaration signed",
         "Declaration signed at (Brussels)", "Conflict-of-interest declarations",
         "Proposals assigned", "Rapporteur"],
        ["EVAL-1", "Ada Lovelace", "ada@example.org", "Analytical Engines Ltd", "DE", "Accepted",
         "2026-03-01 10:00", "2026-03-02 15:30", "yes", "2026-03-02 15:45", "2", "2", "yes"],
        ["EVAL-1", "Bob Builder", "bob@example.org", "", "", "Invited", "2026-03-01 10:00", "",
         "no", "", "0", "0", "no"],
    ]
    invited = csv_rows(client.get(url("evaluators", call=call.pk, status="invited")))
    assert [row[1] for row in invited[1:]] == ["Bob Builder"]
    assert client.get(url("evaluators", call=call.pk, status="asleep")).status_code == 400


def test_the_assignments_export_as_the_assignment_page_with_the_deadline(client, call, manager,
                                                                         pool):
    _ada, _bob, first, second = pool
    client.force_login(manager)
    rows = csv_rows(client.get(url("assignments", call=call.pk)))
    assert rows == [
        ["Reference", "Acronym", "Enterprise", "Evaluator", "Status", "Assigned by",
         "Declared at (Brussels)", "Due (Brussels)", "Review submitted at (Brussels)"],
        [f"EVAL-1-{first.pk:06d}", "FIRST", first.organisation.legal_name, "Ada Lovelace",
         "Review submitted", "Added by a manager", "2026-03-04 09:00", "2026-03-20 23:59",
         "2026-03-09 17:00"],
        [f"EVAL-1-{second.pk:06d}", "'=SECOND", second.organisation.legal_name, "Ada Lovelace",
         "No conflict declared", "Assignment run", "2026-03-04 09:00", "2026-03-20 23:59", ""],
    ]
    removed = csv_rows(client.get(url("assignments", call=call.pk, status="removed")))
    assert [(r[3], r[4]) for r in removed[1:]] == [("Bob Builder", "Removed")]
    header, row, _second = xlsx_rows(client.get(url("assignments", "xlsx", call=call.pk)))
    assert row[7] == datetime.datetime(2026, 3, 20, 23, 59, 59)


# --- redress ------------------------------------------------------------------------------------


def redress(application, *, filed_at, **kwargs) -> RedressRequest:
    request = RedressRequest.objects.create(application=application,
                                            filed_by=application.created_by,
                                            reasons="The scores overlook our pilot.", **kwargs)
    RedressRequest.objects.filter(pk=request.pk).update(filed_at=filed_at)
    request.refresh_from_db()
    return request


@pytest.fixture
def requests(call, manager):
    decided = eligible_application(call, acronym="DONE", status=Application.Status.REJECTED)
    redress(decided, filed_at=datetime.datetime(2026, 2, 1, 9, 0, tzinfo=UTC),
            status=RedressRequest.Status.DISMISSED, answer="The scores stand.",
            decided_by=manager, decided_at=datetime.datetime(2026, 2, 5, 15, 0, tzinfo=UTC))
    waiting = eligible_application(call, acronym="OPEN", status=Application.Status.REJECTED)
    redress(waiting, filed_at=timezone.now() - datetime.timedelta(days=3))
    return decided, waiting


def test_the_redress_export_has_the_decision_and_the_days_to_answer(client, call, manager,
                                                                    requests):
    decided, waiting = requests
    client.force_login(manager)
    rows = csv_rows(client.get(url("redress", call=call.pk)))
    assert rows[0] == ["Reference", "Acronym", "Enterprise", "Filed at (Brussels)", "Status",
                       "Decision", "Decided by", "Decided at (Brussels)", "Days left to answer",
                       "Answered in (days)"]
    assert rows[1] == [f"EVAL-1-{decided.pk:06d}", "DONE", decided.organisation.legal_name,
                       "2026-02-01 10:00", "Dismissed", "The scores stand.", "Marie Manager",
                       "2026-02-05 16:00", "", "4"]
    # Filed three days ago, with a window of ten: seven days left, as the dashboard counts.
    assert rows[2][1] == "OPEN" and rows[2][4:] == ["Filed", "", "", "", "7", ""]
    only_open = csv_rows(client.get(url("redress", call=call.pk, status="filed")))
    assert [row[1] for row in only_open[1:]] == ["OPEN"]


# --- scoping and roles --------------------------------------------------------------------------


def test_another_euroclusters_call_is_404_and_its_rows_never_appear(client, call, manager, pool,
                                                                    requests):
    other = closed_call(reference="OTHER-1")
    theirs = pool_entry(other, MembershipFactory(eurocluster=other.eurocluster).user,
                        name="Their Expert", email="theirs@example.org")
    Assignment.objects.create(application=eligible_application(other), evaluator=theirs)
    redress(eligible_application(other, status=Application.Status.REJECTED),
            filed_at=timezone.now())
    client.force_login(manager)
    for name in ("evaluators", "assignments", "redress"):
        assert client.get(url(name, call=other.pk)).status_code == 404
        assert client.get(url(name)).status_code == 404  # a call's export needs its call
        text = "\n".join(",".join(row) for row in csv_rows(client.get(url(name, call=call.pk))))
        assert "OTHER-1" not in text and "Their Expert" not in text


@pytest.mark.parametrize("role", [Membership.Role.FINANCE, Membership.Role.OBSERVER])
def test_finance_officers_and_observers_are_refused(client, call, pool, role):
    client.force_login(MembershipFactory(eurocluster=call.eurocluster, role=role).user)
    for name in ("evaluators", "assignments", "redress"):
        assert client.get(url(name, call=call.pk)).status_code == 403


def test_applicants_and_evaluators_are_refused(client, call, pool, requests):
    ada, _bob, first, _second = pool
    for user in (first.created_by, ada.user):
        client.force_login(user)
        for name in ("evaluators", "assignments", "redress"):
            assert client.get(url(name, call=call.pk)).status_code == 403
            assert client.get(url(name, "xlsx", call=call.pk)).status_code == 403


def test_the_evaluation_pages_offer_their_exports(client, call, manager):
    client.force_login(manager)
    pages = {reverse("evaluation:manage_pool", args=[call.pk]): "evaluators",
             reverse("evaluation:manage_assignment", args=[call.pk]): "assignments",
             reverse("evaluation:manage_ranking", args=[call.pk]): "redress"}
    for page, name in pages.items():
        body = client.get(page).content.decode()
        link = reverse("reporting:export", kwargs={"name": name, "file_format": "xlsx"})
        assert f'data-export="{name}"' in body and f'href="{link}?call={call.pk}"' in body


# --- query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 8])
def test_the_evaluation_exports_queries_do_not_grow_with_rows(client, django_assert_num_queries,
                                                              call, manager, extra):
    for number in range(extra + 1):
        entry = pool_entry(call, manager, name=f"Expert {number}",
                           email=f"expert{number}@example.org", declaration_accepted_at=SIGNED,
                           profile=number % 2 == 0)
        application = eligible_application(call, acronym=f"P{number}")
        assignment = Assignment.objects.create(application=application, evaluator=entry,
                                               declared_at=DECLARED)
        if number % 2:
            submitted_review(assignment, [3, 3, 3])
        Application.objects.filter(pk=application.pk).update(status=Application.Status.REJECTED)
        redress(application, filed_at=timezone.now(),
                **({"status": RedressRequest.Status.DISMISSED, "decided_by": manager,
                    "decided_at": timezone.now()} if number % 2 else {}))
    client.force_login(manager)
    for name in ("evaluators", "redress"):
        # session, user with her memberships (euroclusters.backends), call, count, rows
        with django_assert_num_queries(5):
            assert len(csv_rows(client.get(url(name, call=call.pk)))) == extra + 2
    # Assignments of proposals in evaluation or past it: a rejected one still shows.
    with django_assert_num_queries(5):
        assert len(xlsx_rows(client.get(url("assignments", "xlsx", call=call.pk)))) == extra + 2
