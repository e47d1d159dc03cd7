"""Reads whose SQL is compiled once per connection and language (portal.prepared)."""

import pytest
from django.db import connection, transaction
from django.db.models import Prefetch
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from applications.models import Application, BudgetLine
from calls.models import OpenCall
from portal.prepared import PreparedRead
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
    assert len(built) == 1
    with translation.override("fr"):
        assert read.first(**ids).pk == application.pk
        assert read.first(**ids).pk == application.pk
    assert len(built) == 2
    # Built with placeholders no row has, never with a caller's ids.
    assert all(value < 0 for pair in built for value in pair)


def test_a_translated_field_is_filtered_in_the_active_language():
    call = ApplicationFactory().call
    OpenCall.objects.filter(pk=call.pk).update(title_en="Vouchers", title_fr="Chèques")
    read = PreparedRead(lambda pk: OpenCall.objects.filter(pk=pk, title="Chèques"), "pk")
    with translation.override("en"):
        assert read.first(pk=call.pk) is None
    with translation.override("fr"):
        assert read.first(pk=call.pk).pk == call.pk


def test_the_queryset_s_prefetches_run_for_each_read():
    application = ApplicationFactory()
    BudgetLineFactory(application=application, position=0)
    read = PreparedRead(lambda pk: Application.objects.filter(pk=pk).prefetch_related(
        Prefetch("budget_lines", queryset=BudgetLine.objects.order_by("position"))), "pk")
    assert len(read.first(pk=application.pk).budget_lines.all()) == 1
    BudgetLineFactory(application=application, position=1)
    with CaptureQueriesContext(connection) as queries:
        lines = list(read.first(pk=application.pk).budget_lines.all())
    assert len(lines) == 2
    assert len(queries) == 2  # the row, its prefetched lines


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_runs_only_inside_a_transaction():
    application = ApplicationFactory()
    read = PreparedRead(lambda pk: Application.objects.select_for_update().filter(pk=pk), "pk")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert read.first(pk=application.pk).pk == application.pk
    if not connection.features.has_select_for_update:
        return  # SQLite: no locks to take, and Django runs such a read anywhere
    assert "FOR UPDATE" in queries[-1]["sql"]
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
])
def test_a_builder_that_does_not_use_each_id_exactly_once_is_refused(build):
    with pytest.raises(ValueError, match="appears"):
        PreparedRead(build, "pk").fetch(pk=1)
