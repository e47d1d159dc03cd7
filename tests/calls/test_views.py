from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import CallDocument, OpenCall
from tests.factories import (
    MINIMAL_PDF,
    CriterionFactory,
    OpenCallFactory,
    VoucherTypeFactory,
)

pytestmark = pytest.mark.django_db


def test_home_lists_open_and_forthcoming_calls_but_not_drafts(client):
    open_call = OpenCallFactory(title="Open one")
    forthcoming = OpenCallFactory(title="Coming one", status=OpenCall.Status.PUBLISHED,
                                  opens_at=timezone.now() + timedelta(days=3),
                                  closes_at=timezone.now() + timedelta(days=30))
    OpenCallFactory(title="Secret draft", status=OpenCall.Status.DRAFT)
    response = client.get(reverse("calls:home"))
    assert response.status_code == 200
    assert [c.pk for c in response.context["open_calls"]] == [open_call.pk]
    assert [c.pk for c in response.context["forthcoming_calls"]] == [forthcoming.pk]
    assert b"Secret draft" not in response.content


def test_call_page_shows_vouchers_criteria_deadline_in_brussels_time(client):
    call = OpenCallFactory(closes_at=timezone.now().replace(year=2030, month=1, day=15, hour=16,
                                                            minute=0, second=0, microsecond=0))
    VoucherTypeFactory(call=call, name="Green voucher", min_amount=3600, max_amount=3600)
    CriterionFactory(call=call, name="Excellence")
    response = client.get(call.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Green voucher" in html and "3,600" in html
    assert "Excellence" in html
    # 16:00 UTC in January is 17:00 in Brussels.
    assert "15 January 2030, 17:00" in html
    assert "Brussels time" in html


def test_draft_call_page_is_not_found(client):
    call = OpenCallFactory(status=OpenCall.Status.DRAFT)
    assert client.get(call.get_absolute_url()).status_code == 404


def test_call_document_is_downloadable_by_anyone_but_not_for_draft_calls(client):
    call = OpenCallFactory()
    document = CallDocument(call=call, title="Guide for applicants")
    document.file.save("guide.pdf", SimpleUploadedFile("guide.pdf", MINIMAL_PDF), save=True)
    url = reverse("calls:document", kwargs={"slug": call.slug, "pk": document.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    OpenCall.objects.filter(pk=call.pk).update(status=OpenCall.Status.DRAFT)
    assert client.get(url).status_code == 404


def _count_home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("calls:home")).status_code == 200
    return len(queries)


def test_home_query_count_does_not_grow_with_calls(client):
    VoucherTypeFactory(call=OpenCallFactory())
    one = _count_home_queries(client)
    for _ in range(15):
        call = OpenCallFactory()
        VoucherTypeFactory(call=call)
        VoucherTypeFactory(call=call, name="Second voucher")
    assert _count_home_queries(client) == one
