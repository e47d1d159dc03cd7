"""The evaluator's pages and the manager's overview of the reviews: allowed and refused."""

import hashlib
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationVersion, Attachment
from evaluation.models import Assignment, CallEvaluator, Review
from tests.evaluation.factories import (
    COMMENT,
    AssignmentFactory,
    CallEvaluatorFactory,
    closed_call,
    eligible_application,
    submitted_review,
)
from tests.factories import MINIMAL_PDF, MembershipFactory, UserFactory

D = Decimal


def _application(call=None, **kwargs):
    return eligible_application(call or closed_call(), status=Application.Status.UNDER_EVALUATION,
                                **kwargs)


def _assignment(status=Assignment.Status.ACTIVE, **kwargs):
    return AssignmentFactory(application=kwargs.pop("application", None) or _application(),
                             status=status, **kwargs)


def _attachment(application, name="Business plan.pdf"):
    return Attachment.objects.create(
        application=application, file=ContentFile(MINIMAL_PDF, name="plan.pdf"),
        original_name=name, size=len(MINIMAL_PDF),
        sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(), uploaded_by=application.created_by)


def _login(client, assignment):
    client.force_login(assignment.evaluator.user)
    return client


def _review_post(assignment, scores, action, comment=COMMENT):
    criteria = assignment.application.call.criteria.order_by("position", "pk")
    data = {"action": action, "overall_comment": "Solid overall."}
    for criterion, score in zip(criteria, scores, strict=True):
        data[f"score_{criterion.pk}"] = score
        data[f"comment_{criterion.pk}"] = comment
    return data


# --- the queue -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_shows_progress_and_the_declaration_still_owed(client):
    call = closed_call(title="Green vouchers")
    entry = CallEvaluatorFactory(call=call)
    done = AssignmentFactory(application=_application(call), evaluator=entry)
    submitted_review(done, [3, 3, 3])
    AssignmentFactory(application=_application(call), evaluator=entry)
    AssignmentFactory(application=_application(call), evaluator=entry,
                      status=Assignment.Status.ASSIGNED)
    other_call = closed_call(title="Blue vouchers")
    CallEvaluatorFactory(call=other_call, user=entry.user, declaration_accepted_at=None)
    AssignmentFactory(application=_application(other_call),
                      evaluator=CallEvaluator.objects.get(call=other_call, user=entry.user))
    client.force_login(entry.user)
    response = client.get(reverse("evaluation:queue"))
    assert response.status_code == 200
    queue = {q.call.title: q for q in response.context["queue"]}
    assert (queue["Green vouchers"].scored, queue["Green vouchers"].total) == (1, 3)
    # Nothing of a call is shown before its declaration.
    assert queue["Blue vouchers"].assignments == []
    content = response.content.decode()
    assert "1 of 3 scored" in content
    assert reverse("evaluation:call_declaration", args=[other_call.pk]) in content
    assert client.session["evaluation_pool"] is True


@pytest.mark.django_db
def test_queue_of_someone_outside_every_pool_is_empty(client):
    client.force_login(UserFactory())
    response = client.get(reverse("evaluation:queue"))
    assert (response.status_code, response.context["queue"]) == (200, [])


def test_queue_sends_a_visitor_to_the_login(client):
    response = client.get(reverse("evaluation:queue"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 6])
def test_queue_query_count_does_not_grow(client, rows, django_assert_num_queries):
    entry = CallEvaluatorFactory(call=closed_call())
    for n in range(rows):
        assignment = AssignmentFactory(application=_application(entry.call), evaluator=entry)
        if n % 2:
            submitted_review(assignment, [3, 3, 3])
    client.force_login(entry.user)
    # session; its user with her memberships (the menu) and the bell's unread count
    # (euroclusters.backends); pool entries, assignments (with reviews and consensus)
    with django_assert_num_queries(4):
        response = client.get(reverse("evaluation:queue"))
    assert len(response.context["queue"][0].assignments) == rows


# --- the call's declaration ----------------------------------------------------------------------


@pytest.mark.django_db
def test_evaluator_accepts_the_call_declaration(client):
    entry = CallEvaluatorFactory(call=closed_call(), declaration_accepted_at=None)
    client.force_login(entry.user)
    url = reverse("evaluation:call_declaration", args=[entry.call_id])
    page = client.get(url)
    assert page.status_code == 200
    assert "Confidentiality." in page.content.decode()
    assert client.post(url, {}).status_code == 400
    response = client.post(url, {"accept": "on"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.declaration_accepted_at is not None


@pytest.mark.django_db
def test_call_declaration_of_a_call_outside_the_users_pools_is_not_found(client):
    call = closed_call()
    client.force_login(UserFactory())
    assert client.get(reverse("evaluation:call_declaration", args=[call.pk])).status_code == 404


# --- the conflict-of-interest declaration --------------------------------------------------------


@pytest.mark.django_db
def test_conflict_page_shows_only_what_judges_a_conflict(client):
    assignment = _assignment(status=Assignment.Status.ASSIGNED)
    application = assignment.application
    response = _login(client, assignment).get(reverse("evaluation:conflict",
                                                      args=[assignment.pk]))
    assert response.status_code == 200
    assert response.context["facts"] == {
        "title": "Smart welding cell", "acronym": "SWELD",
        "applicant": application.organisation.legal_name, "members": []}
    content = response.content.decode()
    assert "A vision-guided welding cell." not in content  # the summary stays hidden
    assert "We integrate a camera." not in content


@pytest.mark.django_db
def test_declaring_no_conflict_opens_the_review(client):
    assignment = _assignment(status=Assignment.Status.ASSIGNED)
    response = _login(client, assignment).post(
        reverse("evaluation:conflict", args=[assignment.pk]), {"conflict": "no"})
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:review", args=[assignment.pk])
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ACTIVE


@pytest.mark.django_db
def test_a_conflict_without_a_statement_is_refused_by_the_page(client):
    assignment = _assignment(status=Assignment.Status.ASSIGNED)
    response = _login(client, assignment).post(
        reverse("evaluation:conflict", args=[assignment.pk]), {"conflict": "yes"})
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "statement": ["Say what the conflict of interest is."]}


@pytest.mark.django_db
def test_after_declaring_a_conflict_the_proposal_is_gone(client):
    assignment = _assignment(status=Assignment.Status.ASSIGNED)
    attachment = _attachment(assignment.application)
    _login(client, assignment)
    response = client.post(reverse("evaluation:conflict", args=[assignment.pk]),
                           {"conflict": "yes", "statement": "I advise the applicant."})
    assert response.status_code == 302
    assert client.get(reverse("evaluation:review", args=[assignment.pk])).status_code == 404
    assert client.get(reverse("evaluation:conflict", args=[assignment.pk])).status_code == 404
    assert client.get(reverse("evaluation:review_attachment",
                              args=[assignment.pk, attachment.pk])).status_code == 404


# --- the review page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_review_page_shows_the_proposal_and_the_form(client):
    assignment = _assignment()
    attachment = _attachment(assignment.application)
    response = _login(client, assignment).get(reverse("evaluation:review", args=[assignment.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "A vision-guided welding cell." in content
    assert "We integrate a camera." in content
    assert reverse("evaluation:review_attachment", args=[assignment.pk, attachment.pk]) in content
    assert response.context["others"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(("step", "labels"), [
    ("0.5", ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"]),
    ("1", ["0", "1", "2", "3", "4", "5"]),
])
def test_review_form_labels_scores_as_every_page_and_keeps_their_values(client, step, labels):
    assignment = _assignment(application=_application(closed_call(score_step=D(step))))
    response = _login(client, assignment).get(reverse("evaluation:review", args=[assignment.pk]))
    criterion = assignment.application.call.criteria.order_by("position", "pk").first()
    field = response.context["form"].fields[f"score_{criterion.pk}"]
    assert [label for _value, label in field.choices[1:]] == labels
    assert [value for value, _label in field.choices[1:]] == [
        format(D(label).normalize(), "f") for label in labels]  # "4", "3.5": what is posted


@pytest.mark.django_db
def test_review_page_shows_the_latest_submitted_version(client):
    assignment = _assignment()
    application = assignment.application
    listed = _attachment(application, name="Listed.pdf")
    unlisted = _attachment(application, name="Added later.pdf")
    ApplicationVersion.objects.create(
        application=application, number=1, submitted_at=timezone.now(),
        submitted_by=application.created_by, sha256="0" * 64, receipt_code="R-1",
        content={"title": "As submitted", "acronym": "SUBM", "summary": "Frozen summary.",
                 "sections": {"approach": "Frozen approach."}, "budget_lines": [],
                 "members": [], "attachments": [{"id": listed.pk, "name": "Listed.pdf"}]})
    _login(client, assignment)
    content = client.get(reverse("evaluation:review", args=[assignment.pk])).content.decode()
    assert "Frozen summary." in content and "Frozen approach." in content
    assert "A vision-guided welding cell." not in content
    ok = client.get(reverse("evaluation:review_attachment", args=[assignment.pk, listed.pk]))
    assert (ok.status_code, ok["Content-Type"]) == (200, "application/pdf")
    assert b"".join(ok.streaming_content) == MINIMAL_PDF
    assert client.get(reverse("evaluation:review_attachment",
                              args=[assignment.pk, unlisted.pk])).status_code == 404


@pytest.mark.django_db
def test_evaluator_saves_a_draft_then_submits(client):
    assignment = _assignment()
    url = reverse("evaluation:review", args=[assignment.pk])
    _login(client, assignment)
    response = client.post(url, _review_post(assignment, ["3.5", "", ""], "draft",
                                             comment="Brief."))
    assert response.status_code == 302
    review = Review.objects.get(assignment=assignment)
    assert review.status == Review.Status.DRAFT
    refused = client.post(url, _review_post(assignment, ["3.5", "4", "4"], "submit",
                                            comment="Brief."))
    assert refused.status_code == 400
    assert "Write at least 50 characters" in refused.content.decode()
    response = client.post(url, _review_post(assignment, ["3.5", "4", "4"], "submit"))
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.total) == (Review.Status.SUBMITTED, D("11.50"))


@pytest.mark.django_db
def test_a_score_off_the_select_is_refused(client):
    assignment = _assignment()
    response = _login(client, assignment).post(
        reverse("evaluation:review", args=[assignment.pk]),
        _review_post(assignment, ["3.25", "", ""], "draft"))
    assert response.status_code == 400
    assert not Review.objects.filter(assignment=assignment).exists()


@pytest.mark.django_db
def test_save_and_next_goes_to_the_next_proposal_to_score(client):
    call = closed_call()
    entry = CallEvaluatorFactory(call=call)
    first = AssignmentFactory(application=_application(call, ), evaluator=entry)
    Application.objects.filter(pk=first.application_id).update(acronym="AAA")
    second = AssignmentFactory(application=_application(call), evaluator=entry,
                               status=Assignment.Status.ASSIGNED)
    Application.objects.filter(pk=second.application_id).update(acronym="BBB")
    client.force_login(entry.user)
    response = client.post(reverse("evaluation:review", args=[first.pk]),
                           _review_post(first, ["3", "", ""], "next"))
    assert response["Location"] == reverse("evaluation:review", args=[second.pk])
    # The next one still needs its declaration: the review page sends the evaluator there.
    response = client.get(response["Location"])
    assert response["Location"] == reverse("evaluation:conflict", args=[second.pk])


@pytest.mark.django_db
def test_submit_after_the_evaluation_deadline_is_refused_by_the_page(client):
    call = closed_call(evaluation_deadline=timezone.now() - timezone.timedelta(minutes=1))
    assignment = _assignment(application=_application(call))
    response = _login(client, assignment).post(
        reverse("evaluation:review", args=[assignment.pk]),
        _review_post(assignment, ["3", "3", "3"], "submit"))
    assert response.status_code == 409
    assert "evaluation deadline has passed" in response.content.decode()
    assert not Review.objects.filter(assignment=assignment).exists()


@pytest.mark.django_db
def test_others_reviews_are_hidden_before_and_shown_without_names_after_submitting(client):
    application = _application()
    mine = _assignment(application=application)
    other = _assignment(application=application)
    other_user = other.evaluator.user
    submitted_review(other, [1, 2, 3], comment="The other evaluator's careful reasoning here.")
    url = reverse("evaluation:review", args=[mine.pk])
    _login(client, mine)
    before = client.get(url)
    assert before.context["others"] == []
    assert "careful reasoning" not in before.content.decode()
    client.post(url, _review_post(mine, ["4", "4", "4"], "submit"))
    after = client.get(url)
    assert [label for label, _review in after.context["others"]] == ["Evaluator 1"]
    content = after.content.decode()
    assert "careful reasoning" in content
    assert other_user.full_name not in content and other_user.email not in content


# --- refusals of the evaluator's pages -----------------------------------------------------------


@pytest.mark.django_db
def test_an_evaluator_cannot_open_a_proposal_assigned_to_someone_else(client):
    assignment = _assignment()
    attachment = _attachment(assignment.application)
    intruder = CallEvaluatorFactory(call=assignment.application.call)
    client.force_login(intruder.user)
    for name, args in [("review", [assignment.pk]), ("conflict", [assignment.pk]),
                       ("review_attachment", [assignment.pk, attachment.pk])]:
        assert client.get(reverse(f"evaluation:{name}", args=args)).status_code == 404, name
    response = client.post(reverse("evaluation:review", args=[assignment.pk]),
                           _review_post(assignment, ["3", "3", "3"], "submit"))
    assert response.status_code == 404


@pytest.mark.django_db
def test_before_the_call_declaration_the_evaluator_is_sent_to_it(client):
    assignment = _assignment(status=Assignment.Status.ASSIGNED)
    attachment = _attachment(assignment.application)
    CallEvaluator.objects.filter(pk=assignment.evaluator_id).update(declaration_accepted_at=None)
    _login(client, assignment)
    declaration = reverse("evaluation:call_declaration", args=[assignment.application.call_id])
    for name in ("review", "conflict"):
        response = client.get(reverse(f"evaluation:{name}", args=[assignment.pk]))
        assert (response.status_code, response["Location"]) == (302, declaration), name
    assert client.get(reverse("evaluation:review_attachment",
                              args=[assignment.pk, attachment.pk])).status_code == 403


@pytest.mark.django_db
def test_before_the_conflict_declaration_the_review_sends_to_it_and_documents_are_refused(
        client):
    assignment = _assignment(status=Assignment.Status.ASSIGNED)
    attachment = _attachment(assignment.application)
    _login(client, assignment)
    response = client.get(reverse("evaluation:review", args=[assignment.pk]))
    assert response["Location"] == reverse("evaluation:conflict", args=[assignment.pk])
    response = client.post(reverse("evaluation:review", args=[assignment.pk]),
                           _review_post(assignment, ["3", "3", "3"], "submit"))
    assert response["Location"] == reverse("evaluation:conflict", args=[assignment.pk])
    assert client.get(reverse("evaluation:review_attachment",
                              args=[assignment.pk, attachment.pk])).status_code == 403
    assert not Review.objects.filter(assignment=assignment).exists()


@pytest.mark.django_db
def test_a_removed_evaluator_loses_the_proposal(client):
    assignment = _assignment()
    CallEvaluator.objects.filter(pk=assignment.evaluator_id).update(
        status=CallEvaluator.Status.REMOVED)
    response = _login(client, assignment).get(reverse("evaluation:review", args=[assignment.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_applicant_cannot_open_the_evaluators_pages(client):
    assignment = _assignment()
    attachment = _attachment(assignment.application)
    client.force_login(assignment.application.organisation.user)
    for name, args in [("review", [assignment.pk]), ("conflict", [assignment.pk]),
                       ("review_attachment", [assignment.pk, attachment.pk]),
                       ("manage_reviews", [assignment.application.call_id])]:
        assert client.get(reverse(f"evaluation:{name}", args=args)).status_code == 404, name


# --- the manager's overview ----------------------------------------------------------------------


def _flagged_call():
    call = closed_call()
    calm = _application(call)
    submitted_review(_assignment(application=calm), [3, 3, 3])
    submitted_review(_assignment(application=calm), [5, 3, 3])   # exactly 2 apart
    flagged = _application(call)
    submitted_review(_assignment(application=flagged), [1, 3, 3])
    submitted_review(_assignment(application=flagged), ["3.5", 3, 3])
    return call, calm, flagged


@pytest.mark.django_db
def test_manager_sees_reviews_with_names_totals_and_flags(client):
    call, calm, flagged = _flagged_call()
    manager = MembershipFactory(eurocluster=call.eurocluster).user
    client.force_login(manager)
    response = client.get(reverse("evaluation:manage_reviews", args=[call.pk]))
    assert response.status_code == 200
    rows = {row["application"].pk: row for row in response.context["rows"]}
    assert [d.criterion.name for d in rows[flagged.pk]["disagreements"]] == ["Excellence"]
    assert rows[calm.pk]["disagreements"] == []
    assert (rows[calm.pk]["submitted"], rows[calm.pk]["live"]) == (2, 2)
    content = response.content.decode()
    for assignment in Assignment.objects.filter(application__call=call):
        assert assignment.evaluator.user.full_name in content
    assert reverse("evaluation:manage_application_assignments", args=[flagged.pk]) in content
    assert reverse("evaluation:consensus", args=[flagged.pk]) in content
    filtered = client.get(reverse("evaluation:manage_reviews", args=[call.pk]), {"flagged": "1"})
    assert [row["application"].pk for row in filtered.context["rows"]] == [flagged.pk]


@pytest.mark.django_db
def test_another_euroclusters_manager_cannot_see_the_reviews(client, eurocluster_b):
    call, _calm, _flagged = _flagged_call()
    client.force_login(MembershipFactory(eurocluster=eurocluster_b).user)
    assert client.get(reverse("evaluation:manage_reviews", args=[call.pk])).status_code == 404


@pytest.mark.django_db
def test_an_evaluator_of_the_call_cannot_see_the_overview(client):
    call, calm, _flagged = _flagged_call()
    client.force_login(calm.assignments.first().evaluator.user)
    assert client.get(reverse("evaluation:manage_reviews", args=[call.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 8])
def test_manage_reviews_query_count_does_not_grow(client, rows, django_assert_num_queries):
    call = closed_call()
    for n in range(rows):
        application = _application(call)
        submitted_review(_assignment(application=application), [3, 3, n % 6])
        _assignment(application=application)
    client.force_login(MembershipFactory(eurocluster=call.eurocluster).user)
    url = reverse("evaluation:manage_reviews", args=[call.pk])
    # session; its user with her roles (memberships) and the bell's unread count
    # (euroclusters.backends); call, applications, assignments, scores, criteria
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["rows"]) == rows


@pytest.mark.django_db
def test_manager_reopens_a_review(client):
    call, calm, _flagged = _flagged_call()
    review = Review.objects.filter(assignment__application=calm).first()
    client.force_login(MembershipFactory(eurocluster=call.eurocluster).user)
    response = client.post(reverse("evaluation:manage_review_reopen", args=[review.pk]),
                           {"reason": "Please argue the score on Excellence."})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == Review.Status.DRAFT


@pytest.mark.django_db
def test_another_euroclusters_manager_cannot_reopen_a_review(client, eurocluster_b):
    call, calm, _flagged = _flagged_call()
    review = Review.objects.filter(assignment__application=calm).first()
    client.force_login(MembershipFactory(eurocluster=eurocluster_b).user)
    response = client.post(reverse("evaluation:manage_review_reopen", args=[review.pk]),
                           {"reason": "No."})
    assert response.status_code == 404
    review.refresh_from_db()
    assert review.status == Review.Status.SUBMITTED


# --- the menu ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_menu_shows_evaluations_to_a_pool_member_only(client):
    entry = CallEvaluatorFactory(call=closed_call())
    link = f'href="{reverse("evaluation:queue")}"'
    client.force_login(entry.user)
    assert link in client.get(reverse("calls:home")).content.decode()
    client.logout()
    client.force_login(UserFactory())
    assert link not in client.get(reverse("calls:home")).content.decode()
