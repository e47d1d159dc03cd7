"""The call page's reads (calls.selectors.call_for_page): what the ORM's prefetches gave, read with
SQL compiled once per process, and a query count that does not grow with the call's rows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import CallDocument, CallQuestion, OpenCall, TrancheStep
from calls.selectors import call_for_page
from tests.factories import (
    CriterionFactory,
    OpenCallFactory,
    RequiredDocumentFactory,
    UserFactory,
    VoucherTypeFactory,
)

pytestmark = pytest.mark.django_db


def _question(call, asker, text, *, published_days_ago=None):
    published = (None if published_days_ago is None
                 else timezone.now() - timedelta(days=published_days_ago))
    return CallQuestion.objects.create(
        call=call, asked_by=asker, text=f"private wording: {text}", public_question=text,
        public_answer=f"answer to {text}" if published else "", published_at=published)


def _furnished_call(**kwargs) -> OpenCall:
    call = OpenCallFactory(**kwargs)
    VoucherTypeFactory(call=call, name="Second", position=2)
    VoucherTypeFactory(call=call, name="First", position=1)
    CriterionFactory(call=call, name="Excellence")
    RequiredDocumentFactory(call=call, name="Signed declaration")
    CallDocument.objects.create(call=call, title="Guide for applicants")
    TrancheStep.objects.create(call=call, position=0, percentage=Decimal("100"),
                               event=TrancheStep.Event.AGREEMENT_COUNTERSIGNED)
    return call


def test_call_for_page_loads_what_the_page_shows_without_further_queries():
    call = _furnished_call()
    other = _furnished_call()  # another call's rows must not leak in
    asker = UserFactory()
    _question(call, asker, "older", published_days_ago=3)
    _question(call, asker, "newer", published_days_ago=1)
    _question(call, asker, "unpublished")
    _question(other, asker, "another call's", published_days_ago=1)

    page = call_for_page(call.slug)

    with CaptureQueriesContext(connection) as queries:
        assert page.pk == call.pk and page.eurocluster.pk == call.eurocluster_id
        assert [v.name for v in page.voucher_types.all()] == ["First", "Second"]
        assert [c.name for c in page.criteria.all()] == ["Excellence"]
        assert [d.name for d in page.required_documents.all()] == ["Signed declaration"]
        assert [d.title for d in page.documents.all()] == ["Guide for applicants"]
        assert [s.percentage for s in page.tranche_steps.all()] == [Decimal("100")]
        assert [q.public_question for q in page.questions_and_answers] == ["newer", "older"]
    assert len(queries) == 0


def test_call_for_page_reads_the_same_rows_as_the_orm():
    call = _furnished_call()
    page = call_for_page(call.slug)
    fresh = OpenCall.objects.get(pk=call.pk)
    assert ([row.pk for row in page.voucher_types.all()]
            == list(fresh.voucher_types.order_by("position", "pk").values_list("pk", flat=True)))
    for name in ("criteria", "required_documents", "documents", "tranche_steps"):
        assert ([row.pk for row in getattr(page, name).all()]
                == list(getattr(fresh, name).values_list("pk", flat=True))), name


def test_the_published_questions_never_carry_the_private_wording():
    call = OpenCallFactory()
    _question(call, UserFactory(), "Is VAT eligible?", published_days_ago=1)
    question, = call_for_page(call.slug).questions_and_answers
    with CaptureQueriesContext(connection) as queries:
        assert question.public_question == "Is VAT eligible?"
    assert len(queries) == 0
    # The private text is deferred: reading it costs a query of its own.
    with CaptureQueriesContext(connection) as queries:
        assert question.text.startswith("private wording")
    assert len(queries) == 1


def test_call_for_page_refuses_a_call_the_public_may_not_see():
    call = OpenCallFactory(status=OpenCall.Status.DRAFT)
    assert call_for_page(call.slug) is None
    assert call_for_page("no-such-call") is None


def test_call_page_query_count_does_not_grow_with_the_calls_rows(client):
    call = _furnished_call()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(call.get_absolute_url()).status_code == 200
        return len(queries)

    one = count()
    asker = UserFactory()
    for n in range(5):
        VoucherTypeFactory(call=call, name=f"Voucher {n}", position=10 + n)
        CriterionFactory(call=call, name=f"Criterion {n}")
        RequiredDocumentFactory(call=call, name=f"Document {n}")
        CallDocument.objects.create(call=call, title=f"Annex {n}")
        _question(call, asker, f"question {n}", published_days_ago=n + 1)
    assert count() == one
    page = client.get(call.get_absolute_url()).content.decode()
    assert "Voucher 4" in page and "Criterion 4" in page and "question 4" in page
