"""Redress: filing within the window, the manager's decision and what it changes."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from applications.eligibility_services import eligibility_check
from applications.models import Application, Declaration
from applications.services import application_submit
from calls.models import OpenCall
from evaluation.models import Consensus, Ranking, RankingEntry, RedressRequest
from evaluation.services.ranking import ranking_approve, ranking_compute, ranking_publish
from evaluation.services.redress import redress_decide, redress_file
from portal.audit import audit_trail
from portal.errors import DomainError
from tests.evaluation.factories import closed_call
from tests.evaluation.test_results_services import evaluated
from tests.factories import (
    OpenCallFactory,
    OrganisationFactory,
    UserFactory,
    complete_application,
)

pytestmark = pytest.mark.django_db
BRUSSELS = ZoneInfo("Europe/Brussels")
PUBLISHED_AT = datetime(2026, 3, 1, 14, 0, tzinfo=BRUSSELS)
REASONS = "The evaluators ignored the pilot plant described in section 2 of the proposal."
ANSWER = "The panel re-read section 2 and agrees it was overlooked."


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def results(eurocluster_a, manager_a, committed):
    """A published call with a selected, a reserve and a rejected application, published on
    1 March 2026 at 14:00 Brussels time (window of 10 days: to 11 March, 23:59:59)."""
    call = closed_call(eurocluster=eurocluster_a, budget=Decimal("30000"))
    selected = evaluated(call, [5, 5, 5], "30000")
    reserve = evaluated(call, [4, 4, 4], "30000")
    rejected = evaluated(call, [5, 2.5, 5], "10000")
    ranking_compute(call=call, by=manager_a.user)
    ranking_approve(call=call, by=manager_a.user)
    with committed():
        ranking_publish(call=call, by=manager_a.user)
    Ranking.objects.filter(call=call).update(published_at=PUBLISHED_AT)
    mail.outbox.clear()
    return {"call": call, "selected": selected, "reserve": reserve, "rejected": rejected}


def file(application, when=PUBLISHED_AT + timedelta(days=1), reasons=REASONS, by=None):
    return redress_file(application=application, by=by or application.organisation.user,
                        reasons=reasons, now=when)


def test_the_last_second_of_the_last_day_counts(results):
    last = datetime(2026, 3, 11, 23, 59, 59, tzinfo=BRUSSELS)
    redress = file(results["rejected"], when=last)
    assert redress.status == RedressRequest.Status.FILED


def test_one_second_after_the_window_is_refused(results):
    with pytest.raises(DomainError) as refused:
        file(results["rejected"], when=datetime(2026, 3, 12, 0, 0, 0, tzinfo=BRUSSELS))
    assert refused.value.message == ("The redress window closed on 11 March 2026, 23:59:59 "
                                     "(Brussels time).")


def test_a_reserve_may_file_too_and_the_managers_are_told(results, manager_a, committed):
    with committed():
        redress = file(results["reserve"])
    assert [m.to for m in mail.outbox] == [[manager_a.user.email]]
    assert f"/manage/redress/{redress.pk}/" in mail.outbox[0].body
    assert [a.action for a in audit_trail(results["reserve"])][0] == "redress_filed"


def test_reasons_shorter_than_50_characters_are_refused(results):
    with pytest.raises(DomainError, match=r"at least 50 characters \(you wrote 49\)"):
        file(results["rejected"], reasons="x" * 49)


def test_a_second_open_request_is_refused(results):
    file(results["rejected"])
    with pytest.raises(DomainError, match="still open"):
        file(results["rejected"])
    assert RedressRequest.objects.count() == 1


def test_only_the_applicant_may_file(results):
    with pytest.raises(DomainError, match="Only the applicant"):
        file(results["rejected"], by=UserFactory())


def test_a_selected_application_cannot_file(results):
    with pytest.raises(DomainError, match="rejected, reserve-list or ineligible"):
        file(results["selected"])


def test_before_the_results_nothing_can_be_contested(eurocluster_a):
    call = closed_call(eurocluster=eurocluster_a)
    application = evaluated(call, [2, 2, 2])
    Application.objects.filter(pk=application.pk).update(status=Application.Status.REJECTED)
    with pytest.raises(DomainError, match="not published yet"):
        redress_file(application=application, by=application.organisation.user,
                     reasons=REASONS)


def test_upholding_sends_a_rejected_application_back_to_evaluation(results, manager_a,
                                                                   committed):
    redress = file(results["rejected"])
    with committed():
        decided = redress_decide(redress=redress, by=manager_a.user, uphold=True, answer=ANSWER)
    assert (decided.status, decided.answer, decided.decided_by) == (
        RedressRequest.Status.UPHELD, ANSWER, manager_a.user)
    application = Application.objects.get(pk=results["rejected"].pk)
    assert application.status == Application.Status.UNDER_EVALUATION
    assert Consensus.objects.get(application=application).status == Consensus.Status.DRAFT
    assert [a.action for a in audit_trail(application)][0] == "redress_upheld"
    assert [m.to for m in mail.outbox] == [[application.organisation.user.email]]
    assert ANSWER in mail.outbox[0].body
    assert "examined again" in mail.outbox[0].body


def test_upholding_a_reserve_takes_it_off_the_reserve_list_for_re_examination(
        eurocluster_a, manager_a, committed):
    call = closed_call(eurocluster=eurocluster_a, budget=Decimal("30000"))
    evaluated(call, [5, 5, 5], "30000")
    contested = evaluated(call, [4, 4, 4], "30000")
    behind = evaluated(call, [3.5, 3.5, 3.5], "30000")
    ranking_compute(call=call, by=manager_a.user)
    ranking_approve(call=call, by=manager_a.user)
    ranking_publish(call=call, by=manager_a.user)
    assert RankingEntry.objects.get(application=behind).reserve_position == 2
    redress = file(contested, when=timezone.now())
    with committed():
        redress_decide(redress=redress, by=manager_a.user, uphold=True, answer=ANSWER)
    application = Application.objects.get(pk=contested.pk)
    assert application.status == Application.Status.UNDER_EVALUATION
    assert Consensus.objects.get(application=application).status == Consensus.Status.DRAFT
    entry = RankingEntry.objects.get(application=contested)
    assert (entry.outcome, entry.reserve_position) == ("reserve", None)
    assert "under re-examination" in entry.note
    # The one behind closes up.
    assert RankingEntry.objects.get(application=behind).reserve_position == 1
    assert [a.action for a in audit_trail(application)][:2] == ["redress_upheld", "transition"]
    assert "examined again" in mail.outbox[-1].body


def test_dismissing_changes_nothing_but_answers(results, manager_a, committed):
    redress = file(results["rejected"])
    with committed():
        redress_decide(redress=redress, by=manager_a.user, uphold=False, answer=ANSWER)
    application = Application.objects.get(pk=results["rejected"].pk)
    assert application.status == Application.Status.REJECTED
    assert Consensus.objects.get(application=application).status == Consensus.Status.FINAL
    assert [a.action for a in audit_trail(application)][0] == "redress_dismissed"
    assert mail.outbox[0].subject == (f"{application.receipt_prefix}: your redress request is "
                                      "dismissed")


def test_a_short_answer_and_a_second_decision_are_refused(results, manager_a):
    redress = file(results["rejected"])
    with pytest.raises(DomainError, match="at least 20 characters"):
        redress_decide(redress=redress, by=manager_a.user, uphold=False, answer="No.")
    redress_decide(redress=redress, by=manager_a.user, uphold=False, answer=ANSWER)
    with pytest.raises(DomainError, match="already decided"):
        redress_decide(redress=redress, by=manager_a.user, uphold=True, answer=ANSWER)


def test_upholding_an_ineligibility_makes_the_application_eligible(eurocluster_a, manager_a):
    call = OpenCallFactory(eurocluster=eurocluster_a)
    application = complete_application(
        call=call, organisation=OrganisationFactory(country="CH",
                                                    registration_number="CHE-116.281.710"))
    version = application_submit(application=application, by=application.created_by,
                                 declarations=Declaration.values)
    eligibility_check(version_id=version.pk)
    released = timezone.now() - timedelta(days=1)
    OpenCall.objects.filter(pk=call.pk).update(
        closes_at=timezone.now() - timedelta(days=2), status=OpenCall.Status.EVALUATION,
        eligibility_released_at=released)
    application.refresh_from_db()
    assert application.status == Application.Status.INELIGIBLE
    redress = redress_file(application=application, by=application.organisation.user,
                           reasons=REASONS)
    redress_decide(redress=redress, by=manager_a.user, uphold=True, answer=ANSWER)
    assert Application.objects.get(pk=application.pk).status == Application.Status.ELIGIBLE
    assert [a.action for a in audit_trail(application)][:3] == [
        "redress_upheld", "transition", "eligibility_overridden"]
