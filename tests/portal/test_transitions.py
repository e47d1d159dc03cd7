"""The one transition mechanism and the transition tables it checks."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from applications.transitions import application_transition
from calls.models import OpenCall
from portal.audit import audit_trail
from portal.errors import InvalidTransition
from portal.prepared import readable
from portal.transitions import transition
from tests.factories import ApplicationFactory, OpenCallFactory, UserFactory

A = Application.Status
C = OpenCall.Status


# --- the tables ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Application, OpenCall])
def test_every_status_has_a_row_in_the_transition_table(model):
    assert set(model.TRANSITIONS) == set(model.Status.values)


@pytest.mark.parametrize("model", [Application, OpenCall])
def test_every_transition_leads_to_a_known_status(model):
    targets = set().union(*model.TRANSITIONS.values())
    assert targets <= set(model.Status.values)


@pytest.mark.parametrize("model", [Application, OpenCall])
def test_no_status_lists_itself_as_a_transition(model):
    # A repeat is a no-op in the mechanism; the table never needs a self-loop.
    assert [s for s, targets in model.TRANSITIONS.items() if s in targets] == []


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (A.DRAFT, A.SUBMITTED),
        (A.SUBMITTED, A.ELIGIBLE),
        (A.SUBMITTED, A.INELIGIBLE),
        (A.ELIGIBLE, A.UNDER_EVALUATION),
        (A.UNDER_EVALUATION, A.EVALUATED),
        (A.EVALUATED, A.SELECTED),
        (A.EVALUATED, A.RESERVE),
        (A.EVALUATED, A.REJECTED),
        (A.RESERVE, A.SELECTED),
        (A.SELECTED, A.CONTRACTED),
        (A.CONTRACTED, A.IN_PROGRESS),
        (A.IN_PROGRESS, A.COMPLETED),
        # Redress sends a refusal back for re-examination.
        (A.INELIGIBLE, A.ELIGIBLE),
        (A.REJECTED, A.UNDER_EVALUATION),
    ],
)
def test_application_lifecycle_step_is_allowed(source, target):
    assert target in Application.TRANSITIONS[source]


BEFORE_CONTRACT = [A.DRAFT, A.SUBMITTED, A.ELIGIBLE, A.INELIGIBLE, A.UNDER_EVALUATION,
                   A.EVALUATED, A.SELECTED, A.RESERVE, A.REJECTED]


@pytest.mark.parametrize("status", list(A))
def test_withdrawal_is_possible_exactly_before_contracting(status):
    assert (A.WITHDRAWN in Application.TRANSITIONS[status]) is (status in BEFORE_CONTRACT)


@pytest.mark.parametrize("status", [A.COMPLETED, A.WITHDRAWN])
def test_final_application_states_lead_nowhere(status):
    assert Application.TRANSITIONS[status] == set()


@pytest.mark.parametrize(
    ("source", "target"),
    [(C.DRAFT, C.PUBLISHED), (C.PUBLISHED, C.OPEN), (C.OPEN, C.CLOSED), (C.CLOSED, C.EVALUATION),
     (C.EVALUATION, C.RESULTS), (C.RESULTS, C.COMPLETED)],
)
def test_call_lifecycle_step_is_allowed(source, target):
    assert target in OpenCall.TRANSITIONS[source]


@pytest.mark.parametrize(
    ("source", "target"),
    [(C.DRAFT, C.OPEN), (C.OPEN, C.PUBLISHED), (C.CLOSED, C.OPEN), (C.COMPLETED, C.DRAFT)],
)
def test_call_cannot_skip_or_go_back(source, target):
    assert target not in OpenCall.TRANSITIONS[source]


# --- the mechanism ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_transition_saves_the_state_and_writes_one_audit_line():
    application = ApplicationFactory()
    by = UserFactory()
    updated, changed = transition(model=Application, pk=application.pk, to=A.WITHDRAWN,
                                  table=Application.TRANSITIONS, by=by, reason="changed plans")
    assert changed is True
    assert updated.status == A.WITHDRAWN
    application.refresh_from_db()
    assert application.status == A.WITHDRAWN
    assert [(e.action, e.from_state, e.to_state, e.reason, e.actor) for e in
            audit_trail(application)] == [("transition", "draft", "withdrawn", "changed plans", by)]


@pytest.mark.django_db
def test_repeating_a_transition_is_a_no_op_without_a_second_audit_line():
    application = ApplicationFactory()
    kwargs = {"model": Application, "pk": application.pk, "to": A.WITHDRAWN,
              "table": Application.TRANSITIONS, "by": None}
    transition(**kwargs)
    updated_at = Application.objects.get(pk=application.pk).updated_at
    again, changed = transition(**kwargs)
    assert changed is False
    assert again.status == A.WITHDRAWN
    assert again.updated_at == updated_at
    assert audit_trail(application).count() == 1


@pytest.mark.django_db
def test_a_transition_missing_from_the_table_is_refused_and_changes_nothing():
    call = OpenCallFactory(status=C.DRAFT)
    with pytest.raises(InvalidTransition) as refused:
        transition(model=OpenCall, pk=call.pk, to=C.OPEN, table=OpenCall.TRANSITIONS, by=None)
    assert refused.value.message == "This cannot go from “Draft” to “Open”."
    call.refresh_from_db()
    assert call.status == C.DRAFT
    assert audit_trail(call).count() == 0


@pytest.mark.django_db
def test_a_transition_to_an_unknown_state_is_refused():
    application = ApplicationFactory()
    with pytest.raises(InvalidTransition) as refused:
        transition(model=Application, pk=application.pk, to="paid",
                   table=Application.TRANSITIONS, by=None)
    assert refused.value.message == "This cannot go from “Draft” to “paid”."


@pytest.mark.django_db
def test_transition_writes_the_extra_fields_and_bumps_updated_at():
    application = ApplicationFactory()
    before = Application.objects.get(pk=application.pk).updated_at
    moment = before + timedelta(hours=1)
    updated, _changed = transition(model=Application, pk=application.pk, to=A.SUBMITTED,
                                   table=Application.TRANSITIONS, by=None,
                                   extra={"submitted_at": moment})
    stored = Application.objects.get(pk=application.pk)
    assert (stored.status, stored.submitted_at) == (A.SUBMITTED, moment)
    assert stored.updated_at > before
    assert updated.submitted_at == moment


@pytest.mark.django_db
@pytest.mark.parametrize("by", [None, AnonymousUser()])
def test_a_transition_by_the_system_is_audited_without_an_actor(by):
    call = OpenCallFactory(status=C.PUBLISHED)
    transition(model=OpenCall, pk=call.pk, to=C.OPEN, table=OpenCall.TRANSITIONS, by=by,
               reason="opening date")
    entry = audit_trail(call).get()
    assert (entry.actor, entry.from_state, entry.to_state, entry.reason) == (
        None, "published", "open", "opening date")


# --- the audit line's Eurocluster, from the caller's loaded call -----------------------------


def _transition_queries(application: Application) -> list[str]:
    ContentType.objects.get_for_model(Application)  # cached for the process: not counted
    with CaptureQueriesContext(connection) as queries:
        application_transition(application=application, to=A.WITHDRAWN, by=None,
                               savepoint=False)
    return [readable(query["sql"]) for query in queries]


@pytest.mark.django_db
def test_an_application_with_its_call_loaded_is_audited_without_reading_the_call_again():
    # The eligibility check moves an application it loaded with its call: the row the transition
    # locks has no call, and the audit line's Eurocluster came from a second read of the wide row.
    application = Application.objects.select_related("call").get(pk=ApplicationFactory().pk)
    queries = _transition_queries(application)
    assert len(queries) == 3, queries  # the locked row, its update, the audit line
    assert not any("calls_opencall" in sql for sql in queries)
    [line] = audit_trail(application)
    assert line.eurocluster_id == application.call.eurocluster_id


@pytest.mark.django_db
def test_an_application_without_its_call_has_the_audit_line_read_its_eurocluster():
    created = ApplicationFactory()
    queries = _transition_queries(Application.objects.get(pk=created.pk))
    assert len(queries) == 4, queries
    assert any("calls_opencall" in sql for sql in queries)
    [line] = audit_trail(created)
    assert line.eurocluster_id == created.call.eurocluster_id
