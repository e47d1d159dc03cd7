"""Bulk transitions (portal.transitions.transition_bulk and the services beside the single ones):
the same outcome as one by one, the same refusals, and a number of queries that does not grow
with the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from applications.transitions import application_transition, application_transition_bulk
from evaluation.models import Assignment
from evaluation.services.transitions import assignment_transition, assignment_transition_bulk
from portal.errors import InvalidTransition
from portal.models import AuditEntry
from tests.evaluation.factories import AssignmentFactory, closed_call, eligible_application
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

A = Application.Status
AUDITED = ("object_id", "action", "from_state", "to_state", "actor_id", "reason",
           "eurocluster_id", "data")


@pytest.fixture
def call(eurocluster_a):
    return closed_call(eurocluster=eurocluster_a)


def audit_lines(model, ids):
    rows = AuditEntry.objects.filter(content_type__model=model._meta.model_name,
                                     object_id__in=ids).order_by("object_id", "pk")
    return [tuple(getattr(row, name) for name in AUDITED) for row in rows]


def without_id(lines):
    return sorted(line[1:] for line in lines)


def test_bulk_moves_and_audits_exactly_as_one_by_one(call):
    by = UserFactory()
    single = [eligible_application(call) for _ in range(3)]
    bulk = [eligible_application(call) for _ in range(3)]
    for application in single:
        application_transition(application=application, to=A.UNDER_EVALUATION, by=by,
                               reason="evaluators assigned")
    moved = application_transition_bulk(application_ids=[a.pk for a in bulk],
                                        to=A.UNDER_EVALUATION, by=by,
                                        reason="evaluators assigned")
    assert moved == sorted(a.pk for a in bulk)
    assert set(Application.objects.filter(call=call).values_list("status", flat=True)) == {
        A.UNDER_EVALUATION}
    single_lines = audit_lines(Application, [a.pk for a in single])
    bulk_lines = audit_lines(Application, [a.pk for a in bulk])
    # Exactly one line per application, and the same line as the single path writes.
    assert [line[0] for line in bulk_lines] == sorted(a.pk for a in bulk)
    assert without_id(bulk_lines) == without_id(single_lines)
    assert without_id(bulk_lines)[0] == ("transition", A.ELIGIBLE, A.UNDER_EVALUATION, by.pk,
                                         "evaluators assigned", call.eurocluster_id, {})


def test_bulk_writes_updated_at_and_extra_fields(call):
    application = eligible_application(call)
    before = application.updated_at
    application_transition_bulk(application_ids=[application.pk], to=A.WITHDRAWN, by=None,
                                extra={"title": "Renamed on the way"})
    application.refresh_from_db()
    assert (application.status, application.title) == (A.WITHDRAWN, "Renamed on the way")
    assert application.updated_at > before


def test_a_row_already_in_the_target_is_left_alone_like_a_repeat(call):
    by = UserFactory()
    done = eligible_application(call, status=A.UNDER_EVALUATION)
    waiting = eligible_application(call)
    moved = application_transition_bulk(application_ids=[done.pk, waiting.pk],
                                        to=A.UNDER_EVALUATION, by=by)
    assert moved == [waiting.pk]
    assert audit_lines(Application, [done.pk]) == []
    assert len(audit_lines(Application, [waiting.pk])) == 1
    again = application_transition_bulk(application_ids=[done.pk, waiting.pk],
                                        to=A.UNDER_EVALUATION, by=by)
    assert again == []
    assert len(audit_lines(Application, [done.pk, waiting.pk])) == 1


def test_one_row_that_cannot_move_refuses_the_whole_bulk_and_moves_none(call):
    fine = [eligible_application(call) for _ in range(2)]
    stuck = eligible_application(call, status=A.COMPLETED)
    ids = [a.pk for a in [*fine, stuck]]
    with pytest.raises(InvalidTransition) as refused:
        application_transition_bulk(application_ids=ids, to=A.UNDER_EVALUATION, by=None)
    assert refused.value.message == (f"{stuck}: This cannot go from “Completed” to "
                                     f"“Under evaluation”.")
    assert sorted(Application.objects.filter(pk__in=ids).values_list("status", flat=True)) == [
        A.COMPLETED, A.ELIGIBLE, A.ELIGIBLE]
    assert audit_lines(Application, ids) == []


def test_the_single_path_refuses_with_the_same_words_without_the_name(call):
    stuck = eligible_application(call, status=A.COMPLETED)
    with pytest.raises(InvalidTransition) as refused:
        application_transition(application=stuck, to=A.UNDER_EVALUATION, by=None)
    assert refused.value.message == "This cannot go from “Completed” to “Under evaluation”."


def test_an_unknown_id_is_refused(call):
    application = eligible_application(call)
    with pytest.raises(Application.DoesNotExist):
        application_transition_bulk(application_ids=[application.pk, 10**9],
                                    to=A.UNDER_EVALUATION, by=None)
    application.refresh_from_db()
    assert application.status == A.ELIGIBLE


def test_no_rows_make_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert application_transition_bulk(application_ids=[], to=A.ELIGIBLE, by=None) == []
    assert len(queries) == 0


def _bulk_queries(call, count: int) -> int:
    ids = [eligible_application(call).pk for _ in range(count)]
    with CaptureQueriesContext(connection) as queries:
        moved = application_transition_bulk(application_ids=ids, to=A.UNDER_EVALUATION,
                                            by=UserFactory())
    assert len(moved) == count
    assert len(audit_lines(Application, ids)) == count
    return len(queries)


def test_bulk_queries_do_not_grow_with_the_number_of_applications(call):
    # The same whether 2 or 25 applications move (the content type is cached after the first).
    _bulk_queries(call, 1)
    assert _bulk_queries(call, 2) == _bulk_queries(call, 25)


def test_assignment_bulk_matches_the_single_path(call):
    by = UserFactory()
    single = AssignmentFactory(application=eligible_application(call))
    bulk = [AssignmentFactory(application=eligible_application(call)) for _ in range(2)]
    assignment_transition(assignment=single, to=Assignment.Status.REMOVED, by=by,
                          reason="moved by an assignment run")
    moved = assignment_transition_bulk(assignment_ids=[a.pk for a in bulk],
                                       to=Assignment.Status.REMOVED, by=by,
                                       reason="moved by an assignment run")
    assert moved == sorted(a.pk for a in bulk)
    assert set(Assignment.objects.values_list("status", flat=True)) == {
        Assignment.Status.REMOVED}
    bulk_lines = audit_lines(Assignment, [a.pk for a in bulk])
    assert len(bulk_lines) == 2
    assert without_id(bulk_lines) == 2 * without_id(audit_lines(Assignment, [single.pk]))
    with pytest.raises(InvalidTransition):  # removed -> submitted is not in the table
        assignment_transition_bulk(assignment_ids=[a.pk for a in bulk],
                                   to=Assignment.Status.SUBMITTED, by=by)
