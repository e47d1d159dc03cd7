"""``make demo`` has published questions and answers and a call-alert subscriber."""

from io import StringIO

import pytest
from django.core.management import call_command

from calls.models import CallAlertSubscription, CallQuestion

pytestmark = pytest.mark.django_db


def test_the_demo_has_published_qa_and_a_subscriber_and_a_second_run_adds_none(client):
    call_command("seed_demo", stdout=StringIO())
    published = CallQuestion.objects.filter(published_at__isnull=False).select_related("call")
    assert sorted(q.public_question[:30] for q in published) == [
        "Can an applicant count the sal", "Must the technology provider b"]
    assert CallQuestion.objects.filter(answer="").count() == 1
    page = client.get(published[0].call.get_absolute_url()).content.decode()
    assert "Questions and answers" in page and page.count('class="qa ') == 2
    assert "Brabant Vision" not in page and "Peetermans" not in page
    subscriber = CallAlertSubscription.objects.get()
    assert (subscriber.email, subscriber.objectives,
            [e.acronym for e in subscriber.euroclusters.all()]) == (
        "alerts.subscriber@example.eu", ["green_digital"], ["DREAM"])
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert CallQuestion.objects.count() == 3
    assert "Nothing to change" in out.getvalue()
