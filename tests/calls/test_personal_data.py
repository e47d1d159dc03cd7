"""What calls holds about a person, in the export and at erasure (accounts.personal_data)."""

import pytest
from django.utils import timezone

from calls import personal_data
from calls.follow_services import call_follow
from calls.models import CallAlertSubscription, CallFollower, CallQuestion
from calls.question_services import question_ask
from tests.factories import OpenCallFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_export_and_erasure_of_questions_follows_and_alerts():
    user, other = UserFactory(email="sme@example.eu"), UserFactory()
    call = OpenCallFactory(reference="OC-Q")
    private = question_ask(call=call, text="Private wording, Jane here", by=user)
    published = question_ask(call=call, text="Jane asks: VAT?", by=user)
    CallQuestion.objects.filter(pk=published.pk).update(
        public_question="VAT?", public_answer="No.", answer="No, Jane.",
        published_at=timezone.now())
    theirs = question_ask(call=call, text="Theirs", by=other)
    call_follow(call=call, user=user)
    call_follow(call=call, user=other)
    CallAlertSubscription.objects.create(email="sme@example.eu", objectives=["train"])

    data = personal_data.export(user).data
    assert [q["question"] for q in data["questions"]] == ["Private wording, Jane here",
                                                          "Jane asks: VAT?"]
    assert data["followed_calls"] == ["OC-Q"]
    assert data["call_alerts"] == [{"euroclusters": [], "objectives": ["train"]}]

    personal_data.erase(user)
    assert not CallQuestion.objects.filter(pk=private.pk).exists()
    published.refresh_from_db()
    assert (published.asked_by, published.text, published.answer, published.public_question) == (
        None, "", "", "VAT?")
    assert list(CallFollower.objects.values_list("user", flat=True)) == [other.pk]
    assert not CallAlertSubscription.objects.exists()
    assert CallQuestion.objects.filter(pk=theirs.pk, asked_by=other).exists()
