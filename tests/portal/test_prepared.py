"""Reads whose SQL is compiled once per connection and language (portal.prepared)."""

import dataclasses
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, connections, transaction
from django.db.models import Prefetch, Q
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from applications.models import Application, Attachment, BudgetLine, Organisation
from calls.models import OpenCall
from portal.prepared import PreparedRead, PreparedRelated, readable
from tests.factories import ApplicationFactory, BudgetLineFactory

pytestmark = pytest.mark.django_db

RELATED = ("call", "call__eurocluster", "voucher_type", "organisation")


def own_application_read(built: list | None = None) -> PreparedRead:
    def build(user_id, pk):
        if built is not None:
            built.append((user_id, pk))
        return (Application.objects.select_related(*RELATED)
                .filter(organisation__user_id=user_id, pk=pk))
    return PreparedRead(build, "user_id", "pk")


def columns(row) -> list:
    return [getattr(row, field.attname) for field in type(row)._meta.concrete_fields]


def test_a_prepared_read_gives_the_rows_and_related_rows_the_orm_gives():
    application = ApplicationFactory()
    ApplicationFactory()  # another applicant's
    read = own_application_read()
    got = read.first(user_id=application.organisation.user_id, pk=application.pk)
    expected = Application.objects.select_related(*RELATED).get(pk=application.pk)
    assert columns(got) == columns(expected)
    with CaptureQueriesContext(connection) as queries:
        related = (got.call, got.call.eurocluster, got.voucher_type, got.organisation)
    assert len(queries) == 0  # loaded with the row, as select_related does
    assert [columns(row) for row in related] == [
        columns(row) for row in (expected.call, expected.call.eurocluster,
                                 expected.voucher_type, expected.organisation)]


def test_each_call_runs_with_its_own_ids_never_an_earlier_call_s():
    first, second = ApplicationFactory(), ApplicationFactory()
    read = own_application_read()
    owner = {app.pk: app.organisation.user_id for app in (first, second)}
    assert read.first(user_id=owner[first.pk], pk=first.pk).pk == first.pk
    assert read.first(user_id=owner[second.pk], pk=second.pk).pk == second.pk
    # Another person's application is not hers: nothing, not the row.
    assert read.first(user_id=owner[first.pk], pk=second.pk) is None
    assert read.first(user_id=owner[second.pk], pk=first.pk) is None
    assert read.fetch(user_id=owner[first.pk], pk=999_999) == []


def test_the_queryset_is_built_once_per_connection_and_language():
    application = ApplicationFactory()
    built = []
    read = own_application_read(built)
    ids = {"user_id": application.organisation.user_id, "pk": application.pk}
    for _ in range(3):
        assert read.first(**ids).pk == application.pk
    assert len(built) == 2  # compiled twice, with two sets of placeholders, when first used
    with translation.override("fr"):
        assert read.first(**ids).pk == application.pk
        assert read.first(**ids).pk == application.pk
    assert len(built) == 4
    # Built with placeholders, never with a caller's ids.
    assert (ids["user_id"], ids["pk"]) not in built


@pytest.mark.django_db(transaction=True)
def test_a_read_still_runs_after_its_connection_was_closed():
    application = ApplicationFactory()
    read = own_application_read()
    ids = {"user_id": application.organisation.user_id, "pk": application.pk}
    assert read.first(**ids).pk == application.pk
    connection.close()  # as CONN_MAX_AGE or a failed health check does between requests
    assert read.first(**ids).pk == application.pk


def test_a_translated_field_is_filtered_in_the_active_language():
    call = ApplicationFactory().call
    OpenCall.objects.filter(pk=call.pk).update(title_en="Vouchers", title_fr="Chèques")
    read = PreparedRead(lambda pk: OpenCall.objects.filter(pk=pk, title="Chèques"), "pk")
    with translation.override("en"):
        assert read.first(pk=call.pk) is None
    with translation.override("fr"):
        assert read.first(pk=call.pk).pk == call.pk


def test_prefetches_are_made_after_the_read_not_in_its_queryset():
    application = ApplicationFactory()
    BudgetLineFactory(application=application, position=0)
    read = PreparedRead(lambda pk: Application.objects.filter(pk=pk).prefetch_related(
        Prefetch("budget_lines", queryset=BudgetLine.objects.order_by("position"))), "pk")
    # A Prefetch in the kept queryset would be shared by every later read.
    with pytest.raises(ValueError, match="prefetch after the read"):
        read.first(pk=application.pk)


def test_an_id_beyond_any_column_finds_nothing_without_a_query():
    read = PreparedRead(lambda pk: Application.objects.filter(pk=pk), "pk")
    with CaptureQueriesContext(connection) as queries:
        assert read.fetch(pk=2**63) == []
        assert read.fetch(pk=-(2**63) - 1) == []
    assert len(queries) == 0


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_runs_only_inside_a_transaction():
    application = ApplicationFactory()
    read = PreparedRead(lambda pk: Application.objects.select_for_update().filter(pk=pk), "pk")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert read.first(pk=application.pk).pk == application.pk
    if not connection.features.has_select_for_update:
        return  # SQLite: no locks to take, and Django runs such a read anywhere
    assert "FOR UPDATE" in readable(queries[-1]["sql"])
    # Compiled already: the replayed SQL is refused outside a transaction all the same.
    with pytest.raises(TransactionManagementError):
        read.first(pk=application.pk)


def test_ids_must_be_the_read_s_integer_parameters():
    read = own_application_read()
    with pytest.raises(TypeError, match="int"):
        read.fetch(user_id="1", pk=1)
    with pytest.raises(TypeError, match="int"):
        read.fetch(user_id=True, pk=1)
    with pytest.raises(TypeError, match="takes"):
        read.fetch(pk=1)
    with pytest.raises(ValueError, match="at least one"):
        PreparedRead(lambda: Application.objects.all())


@pytest.mark.parametrize("build", [
    lambda pk: Application.objects.all(),  # the id is not used
    lambda pk: Application.objects.filter(pk=pk) | Application.objects.filter(call_id=pk),
    # A positive small column: a negative placeholder would have dropped this condition.
    lambda pk: Application.objects.filter(Q(pk=pk) | Q(versions__number=pk)),
])
def test_a_builder_that_does_not_use_each_id_exactly_once_is_refused(build):
    with pytest.raises(ValueError, match="appears"):
        PreparedRead(build, "pk").fetch(pk=1)


@pytest.mark.parametrize("build", [
    # A shape that depends on the id.
    lambda pk: Application.objects.filter(pk=pk, **({"status": "draft"} if pk % 2 else {})),
    # A value made from the id, which the replay could not recompute.
    lambda pk: Application.objects.filter(pk=pk + 1),
])
def test_a_builder_whose_sql_is_not_the_ids_in_fixed_places_is_refused(build):
    with pytest.raises(ValueError, match="depends on the ids|none of them"):
        PreparedRead(build, "pk").fetch(pk=1)


# --- the rows of a reverse foreign key (PreparedRelated) ---------------------------------------


def attachment_of(application, **fields) -> Attachment:
    return Attachment.objects.create(
        application=application, file="applications/x.pdf", original_name="x.pdf", size=10,
        sha256="0" * 64, uploaded_by=application.organisation.user, **fields)


def test_related_rows_are_the_rows_prefetch_related_gives_and_answer_without_a_query():
    application = ApplicationFactory()
    lines = [BudgetLineFactory(application=application, amount=amount)
             for amount in (Decimal("300"), Decimal("100"), Decimal("200"))]
    BudgetLineFactory()  # another application's
    related = PreparedRelated(Application, "budget_lines")
    loaded = Application.objects.get(pk=application.pk)
    rows = related.load(loaded)
    expected = list(Application.objects.prefetch_related("budget_lines")
                    .get(pk=application.pk).budget_lines.all())
    assert [columns(row) for row in rows] == [columns(row) for row in expected]
    assert sorted(row.pk for row in rows) == sorted(line.pk for line in lines)
    with CaptureQueriesContext(connection) as queries:
        again = list(loaded.budget_lines.all())
        owners = {row.application for row in again}
    assert len(queries) == 0
    assert again == rows
    assert owners == {loaded}  # each row's foreign key is the instance itself


def test_a_filter_on_loaded_rows_still_queries_the_instance_s_rows_only():
    application, other = ApplicationFactory(), ApplicationFactory()
    kept = attachment_of(application)
    removed = attachment_of(application, removed_at=timezone.now())
    others = attachment_of(other)
    live = PreparedRelated(Application, "attachments",
                           lambda rows: rows.filter(removed_at__isnull=True))
    loaded = Application.objects.get(pk=application.pk)
    assert [row.pk for row in live.load(loaded)] == [kept.pk]
    # As after a Prefetch with that queryset: a new query keeps both the instance and the
    # narrowing.
    assert list(loaded.attachments.filter(pk__in=[kept.pk, removed.pk, others.pk])) == [kept]
    every = PreparedRelated(Application, "attachments")
    every.load(loaded)  # a second load replaces the rows kept before
    assert {row.pk for row in loaded.attachments.all()} == {kept.pk, removed.pk}
    assert list(loaded.attachments.filter(pk=others.pk)) == []


def test_related_rows_of_another_instance_are_its_own():
    first, second = ApplicationFactory(), ApplicationFactory()
    line = BudgetLineFactory(application=second)
    related = PreparedRelated(Application, "budget_lines")
    assert related.load(Application.objects.get(pk=first.pk)) == []
    assert [row.pk for row in related.load(Application.objects.get(pk=second.pk))] == [line.pk]


@pytest.mark.parametrize("model, name", [
    (Application, "call"),  # a foreign key, not its reverse side
    (Organisation, "user"),  # a one-to-one
    (Application, "organisation"),
])
def test_only_the_reverse_side_of_a_foreign_key_is_taken(model, name):
    with pytest.raises(ValueError, match="reverse side of a foreign key"):
        PreparedRelated(model, name)


def test_the_converters_of_a_read_are_worked_out_once_and_applied_every_time():
    first, second = ApplicationFactory(), BudgetLineFactory().application
    Application.objects.filter(pk__in=[first.pk, second.pk]).update(
        requested_amount=Decimal("12345.67"), planned_start=date(2027, 3, 1))
    read = own_application_read()
    owner = {app.pk: app.organisation.user_id for app in (first, second)}
    read.first(user_id=owner[first.pk], pk=first.pk)
    compiler_class = type(Application.objects.all().query.get_compiler(using="default"))
    with mock.patch.object(compiler_class, "get_converters",
                           side_effect=AssertionError("worked out again")):
        got = read.first(user_id=owner[second.pk], pk=second.pk)
    # Converted from the database's values as the ORM converts them, on the second read too.
    assert got.requested_amount == Decimal("12345.67")
    assert got.planned_start == date(2027, 3, 1)
    assert columns(got) == columns(Application.objects.select_related(*RELATED)
                                   .get(pk=second.pk))
    assert columns(got.call) == columns(OpenCall.objects.get(pk=got.call_id))


# --- server-side prepared statements (PostgreSQL) ----------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="run with DATABASE_URL pointing at PostgreSQL, as CI does")


def server_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_read_is_a_statement_prepared_once_per_connection():
    application = ApplicationFactory()
    owner = application.organisation.user_id
    read = own_application_read()
    with CaptureQueriesContext(connection) as queries:
        got = read.first(user_id=owner, pk=application.pk)
        again = read.first(user_id=owner, pk=application.pk)
    # The PREPARE itself is none of the request's queries; each read is one EXECUTE.
    assert len(queries) == 2
    assert all(query["sql"].startswith("EXECUTE portal_read_") for query in queries)
    assert '"applications_application"."id"' in readable(queries[0]["sql"])
    name = queries[0]["sql"].split("(")[0].removeprefix("EXECUTE ")
    assert name in server_statements()
    expected = Application.objects.select_related(*RELATED).get(pk=application.pk)
    assert columns(got) == columns(again) == columns(expected)
    assert columns(got.call) == columns(expected.call)
    # A new connection (CONN_MAX_AGE, an error, a restart) has no statements: prepared again.
    connection.close()
    assert read.first(user_id=owner, pk=application.pk).pk == application.pk
    assert name in server_statements()


@postgresql_only
def test_a_statement_the_server_refuses_runs_as_plain_sql_and_the_transaction_goes_on():
    application = ApplicationFactory()
    read = PreparedRead(lambda pk: Application.objects.filter(pk=pk), "pk")
    plan = read._plan_for()
    plans = connections["default"].__dict__["_portal_prepared_reads"]
    key = next(key for key, kept in plans.items() if kept is plan)
    plans[key] = dataclasses.replace(plan, prepare=f"PREPARE {plan.statement} AS SELEC 1")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert read.first(pk=application.pk).pk == application.pk
        assert Application.objects.filter(pk=application.pk).exists()  # not aborted
    assert queries[0]["sql"].startswith("SELECT")


@postgresql_only
def test_behind_a_transaction_pooler_reads_are_not_prepared(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    application = ApplicationFactory()
    read = PreparedRead(lambda pk: Application.objects.filter(pk=pk), "pk")
    with CaptureQueriesContext(connection) as queries:
        assert read.first(pk=application.pk).pk == application.pk
    assert queries[0]["sql"].startswith("SELECT")


def test_readable_gives_other_sql_unchanged():
    assert readable('SELECT 1 AS "a"') == 'SELECT 1 AS "a"'
    assert readable("EXECUTE portal_read_999999(1)") == "EXECUTE portal_read_999999(1)"
