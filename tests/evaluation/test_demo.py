from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import User
from applications import demo_data
from applications.models import Application, ClarificationAttachment, ClarificationRequest
from calls.models import OpenCall
from evaluation import demo
from evaluation.models import (
    Assignment,
    AssignmentRun,
    CallEvaluator,
    Consensus,
    EvaluatorProfile,
    Review,
    Score,
)
from evaluation.selectors.reviews import consensus_blockers, disagreements
from evaluation.services.reviews import consensus_save
from portal.models import AuditEntry
from tests.logins import log_in

COUNTED = (User, Application, CallEvaluator, EvaluatorProfile, AssignmentRun, Assignment, Review,
           Score, Consensus, AuditEntry, ClarificationRequest, ClarificationAttachment)


def seed_evaluation() -> str:
    out = StringIO()
    call_command("seed_demo_evaluation", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=StringIO())
    return seed_evaluation()


@pytest.fixture
def call(seeded):
    return OpenCall.objects.get(reference=demo.CALL)


def statuses(queryset) -> dict[str, int]:
    return dict(Counter(queryset.values_list("status", flat=True)))


def test_first_run_takes_every_step_through_the_services(seeded):
    # In tests the eligibility checks queued by seed_demo never run (no commit): the command
    # runs them itself, as a worker would.
    assert seeded.splitlines()[0] == (
        "Evaluation demo loaded: eligibility checked ×7, eligibility released ×1, invited ×5, "
        "invitation accepted ×4, profile saved ×5, call declaration accepted ×3, "
        "assignment run ×1, no conflict declared ×8, review submitted ×5, review drafted ×1, "
        "clarification asked ×2, clarification answered ×1, clarification shared ×1")
    actions = Counter(AuditEntry.objects.values_list("action", flat=True))
    assert actions["invite"] == 5
    assert actions["evaluation_declaration_accepted"] == 3
    assert actions["conflict_of_interest_declared"] == 8
    assert actions["review_submitted"] == 5
    assert actions["assignment_run.start"] == 1


def test_second_run_changes_nothing(seeded):
    first = counts()
    reviews = list(Review.objects.values_list("pk", "updated_at", "status").order_by("pk"))
    profiles = list(EvaluatorProfile.objects.values_list("pk", "updated_at").order_by("pk"))
    calls = list(OpenCall.objects.values_list("pk", "updated_at", "status").order_by("pk"))

    output = seed_evaluation()

    assert output.splitlines()[0] == "Nothing to change: the evaluation demo is already in place."
    assert counts() == first
    assert list(Review.objects.values_list("pk", "updated_at", "status").order_by("pk")) == reviews
    assert list(EvaluatorProfile.objects.values_list("pk", "updated_at")
                .order_by("pk")) == profiles
    assert list(OpenCall.objects.values_list("pk", "updated_at", "status")
                .order_by("pk")) == calls


def test_seed_demo_again_leaves_the_evaluation_alone(seeded):
    first = counts()

    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert "Nothing to change: the demo data is already in place." in out.getvalue()
    assert counts() == first
    assert OpenCall.objects.get(reference=demo.CALL).status == OpenCall.Status.EVALUATION


def test_the_call_is_in_evaluation_with_every_stage(call):
    assert call.status == OpenCall.Status.EVALUATION
    assert call.eligibility_released_at is not None
    assert statuses(call.applications.all()) == {"under_evaluation": 6, "ineligible": 1}
    assert call.applications.get(status="ineligible").acronym == "PACKBOT"
    run = AssignmentRun.objects.get(call=call)
    assert (run.status, run.result["pairs"], run.result["min_load"],
            run.result["max_load"]) == ("done", 12, 3, 3)
    assert statuses(Assignment.objects.filter(evaluator__call=call)) == {
        "assigned": 4, "active": 3, "submitted": 5}
    assert statuses(Review.objects.all()) == {"submitted": 5, "draft": 1}
    pool = {e.user.email: (e.status, e.declaration_accepted_at is not None)
            for e in CallEvaluator.objects.filter(call=call).select_related("user")}
    assert pool == {
        "expert.kowalska@example.eu": ("accepted", True),
        "expert.lindqvist@example.eu": ("accepted", True),
        "expert.moreau@example.eu": ("accepted", True),
        "expert.santos@example.eu": ("accepted", False),
        "expert.novak@example.eu": ("invited", False),
    }
    # No expert is assigned a proposal from their own country (the call says so).
    for assignment in Assignment.objects.select_related("evaluator__user__evaluator_profile",
                                                        "application__organisation"):
        assert (assignment.evaluator.user.evaluator_profile.country
                != assignment.application.organisation.country)


def test_kowalska_has_one_review_submitted_one_draft_and_one_to_declare(call):
    mine = Assignment.objects.filter(evaluator__user__email="expert.kowalska@example.eu")
    assert dict(mine.values_list("application__acronym", "status")) == {
        "ROBOSAND": "submitted", "WAFERSCAN": "active", "PRINTSPARE": "assigned"}
    assert mine.get(application__acronym="WAFERSCAN").review.status == "draft"
    assert not Review.objects.filter(assignment__in=mine.filter(status="assigned")).exists()
    profile = EvaluatorProfile.objects.get(user__email="expert.kowalska@example.eu")
    assert (profile.country.code, profile.expertise) == (
        "PL", ["Robotics", "Machine vision", "Artificial intelligence"])


def test_one_proposal_is_flagged_and_two_are_ready_for_consensus(call, seeded):
    robosand = Application.objects.get(acronym="ROBOSAND")
    flags = disagreements(robosand)
    assert [(d.criterion.name, d.lowest, d.highest) for d in flags] == [
        ("Impact", Decimal("1.5"), Decimal("4.0"))]
    sintertwin = Application.objects.get(acronym="SINTERTWIN")
    assert disagreements(sintertwin) == []
    ready = [a.acronym for a in call.applications.order_by("acronym") if a.status ==
             "under_evaluation" and not consensus_blockers(a)]
    assert ready == ["ROBOSAND", "SINTERTWIN"]

    manager = User.objects.get(email=demo.MANAGER)
    assert manager.has_perm("evaluation.record_consensus", robosand)
    criteria = {c.name: c.pk for c in call.criteria.all()}
    comment = "Agreed after discussing the evaluators' comments in the consensus meeting."
    consensus = consensus_save(application=robosand, by=manager, finalise=True, data={
        "scores": {criteria[name]: {"score": score, "comment": comment}
                   for name, score in (("Excellence", Decimal("4")), ("Impact", Decimal("3")),
                                       ("Implementation", Decimal("4")))},
        "overall_comment": "Recommended for funding."})
    assert (consensus.status, consensus.total) == ("final", Decimal("11.00"))
    robosand.refresh_from_db()
    assert robosand.status == Application.Status.EVALUATED


def test_evaluators_and_the_manager_log_in_and_see_their_pages(call, client):
    for email, _name in demo_data.EVALUATORS:
        assert User.objects.get(email=email).check_password(demo_data.DEMO_PASSWORD), email

    response = log_in(client, "expert.kowalska@example.eu", demo_data.DEMO_PASSWORD)
    assert response.status_code == 302
    queue = client.get(reverse("evaluation:queue"))
    assert queue.status_code == 200
    for acronym in ("ROBOSAND", "WAFERSCAN", "PRINTSPARE"):
        assert acronym in queue.content.decode()
    undeclared = Assignment.objects.get(evaluator__user__email="expert.kowalska@example.eu",
                                        status="assigned")
    response = client.get(reverse("evaluation:review", args=[undeclared.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:conflict", args=[undeclared.pk])

    client.logout()
    log_in(client, "expert.santos@example.eu", demo_data.DEMO_PASSWORD)
    assignment = Assignment.objects.filter(evaluator__user__email="expert.santos@example.eu")[0]
    response = client.get(reverse("evaluation:review", args=[assignment.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:call_declaration", args=[call.pk])
    assert client.get(response["Location"]).status_code == 200

    client.logout()
    log_in(client, demo.MANAGER, demo_data.DEMO_PASSWORD)
    for name in ("manage_pool", "manage_assignment", "manage_reviews"):
        assert client.get(reverse(f"evaluation:{name}", args=[call.pk])).status_code == 200, name
    robosand = Application.objects.get(acronym="ROBOSAND")
    assert client.get(reverse("evaluation:consensus", args=[robosand.pk])).status_code == 200


def test_refused_without_seed_demo(db):
    with pytest.raises(CommandError, match="run manage.py seed_demo first"):
        seed_evaluation()


def test_refused_in_production_without_the_flag(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        seed_evaluation()


def test_the_tables_name_what_seed_demo_makes():
    accounts = dict(demo_data.EVALUATORS)
    assert set(demo.EVALUATORS) == set(accounts)
    acronyms = {spec["fields"]["acronym"] for spec in demo_data.APPLICATIONS
                if spec["call"] == demo.CALL}
    criteria = {name for name, _description in demo_data.CRITERIA}
    call = next(spec for spec in demo_data.CALLS if spec["reference"] == demo.CALL)
    for spec in demo.EVALUATORS.values():
        assert set(spec["profile"]["expertise"]) <= set(call["taxonomy"])
    for item in demo.WORK:
        assert item["evaluator"] in accounts
        assert item["acronym"] in acronyms
        assert set(item.get("scores", {})) <= criteria
    assert demo.MANAGER in {email for email, *_rest in demo_data.STAFF}


def test_the_demo_has_a_clarification_thread_shared_with_the_evaluators(call, client):
    answered = ClarificationRequest.objects.get(application__acronym="SPINDLEWATCH")
    waiting = ClarificationRequest.objects.get(application__acronym="PRINTSPARE")
    assert (answered.status, answered.shared_with_evaluators, answered.criterion.name) == (
        "answered", True, "Implementation")
    assert answered.answer.startswith("The pilot runs on our DMG Mori DMU 65")
    assert [f.original_name for f in answered.attachments.all()] == ["pilot-plan.pdf"]
    assert (waiting.status, waiting.shared_with_evaluators) == ("open", False)
    # The answer sits beside the version the question was about, which is as it was submitted.
    assert answered.version.sha256 == AuditEntry.objects.get(
        action="submitted", object_id=answered.application_id).data["sha256"]
    # Lindqvist, assigned to SPINDLEWATCH, reads the thread on the review page.
    assignment = Assignment.objects.get(application=answered.application,
                                        evaluator__user__email=demo.LINDQVIST)
    log_in(client, demo.LINDQVIST, demo_data.DEMO_PASSWORD)
    page = client.get(reverse("evaluation:review", args=[assignment.pk])).content.decode()
    assert "Which one, and how many hours of operating data" in page
    assert "pilot-plan.pdf" in page
