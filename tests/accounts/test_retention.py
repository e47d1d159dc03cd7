"""Retention of personal data: drafts never submitted go PORTAL_RETENTION_DRAFT_MONTHS_AFTER_CLOSE
months after their call closed, unconfirmed sign-ups after PORTAL_RETENTION_UNCONFIRMED_SIGNUP_DAYS
days; each beat task is run twice (the second run changes nothing) at the edges (a day before and
a day after)."""

from datetime import UTC, datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import User
from accounts.personal_data import add_months
from applications.models import Application, Attachment, Declaration
from applications.services import application_submit
from evaluation.services.pool import evaluator_invite
from portal.models import AuditEntry
from tests.factories import (
    MINIMAL_PDF,
    ApplicationFactory,
    OpenCallFactory,
    UserFactory,
    complete_application,
)
from tests.portal.test_beat_tasks import run

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.mark.parametrize(("moment", "months", "expected"), [
    (datetime(2026, 1, 31, 12, tzinfo=UTC), 1, datetime(2026, 2, 28, 12,
                                                                    tzinfo=UTC)),
    (datetime(2026, 12, 5, tzinfo=UTC), -12, datetime(2025, 12, 5,
                                                                  tzinfo=UTC)),
    (datetime(2024, 2, 29, tzinfo=UTC), 60, datetime(2029, 2, 28,
                                                                 tzinfo=UTC)),
    (datetime(2026, 3, 15, tzinfo=UTC), -3, datetime(2025, 12, 15,
                                                                 tzinfo=UTC)),
])
def test_add_months_keeps_the_day_or_takes_the_months_last(moment, months, expected):
    assert add_months(moment, months) == expected


def _closed_call(closed_at):
    return OpenCallFactory(opens_at=closed_at - 30 * DAY, closes_at=closed_at)


def test_drafts_go_twelve_months_after_their_call_closed_and_the_task_runs_twice(
        _private_files):
    now = timezone.now()
    expired_call = _closed_call(add_months(now, -12) - DAY)  # a day past the twelve months
    kept_call = _closed_call(add_months(now, -12) + DAY)  # a day short of them
    draft = ApplicationFactory(call=expired_call, title="Old draft")
    attachment = Attachment(application=draft, original_name="plan.pdf", size=len(MINIMAL_PDF),
                            sha256="x", uploaded_by=draft.created_by)
    attachment.file.save("plan.pdf", ContentFile(MINIMAL_PDF), save=False)
    attachment.save()
    stored = _private_files / attachment.file.name
    assert stored.exists()
    withdrawn_draft = ApplicationFactory(call=expired_call, status=Application.Status.WITHDRAWN)
    recent_draft = ApplicationFactory(call=kept_call)
    submitted = complete_application(call=OpenCallFactory())
    application_submit(application=submitted, by=submitted.created_by,
                       declarations=Declaration.values)
    Application.objects.filter(pk=submitted.pk).update(call=expired_call)

    assert run("applications.remove_expired_drafts") == 2
    assert sorted(Application.objects.values_list("pk", flat=True)) == sorted(
        [recent_draft.pk, submitted.pk])
    assert not stored.exists()
    assert Attachment.objects.count() == 0
    assert sorted(AuditEntry.objects.filter(action="draft_deleted").values_list(
        "object_id", "from_state", "reason", "actor")) == sorted([
            (draft.pk, "draft", "retention", None),
            (withdrawn_draft.pk, "withdrawn", "retention", None)])

    assert run("applications.remove_expired_drafts") == 0
    assert Application.objects.count() == 2
    assert AuditEntry.objects.filter(action="draft_deleted").count() == 2


def test_the_draft_period_is_a_setting(settings):
    settings.PORTAL_RETENTION_DRAFT_MONTHS_AFTER_CLOSE = 3
    now = timezone.now()
    gone = ApplicationFactory(call=_closed_call(add_months(now, -3) - DAY))
    kept = ApplicationFactory(call=_closed_call(add_months(now, -3) + DAY))
    assert run("applications.remove_expired_drafts") == 1
    assert list(Application.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not Application.objects.filter(pk=gone.pk).exists()


def _signed_up(days_ago: int, **kwargs) -> User:
    user = UserFactory(verified=False, **kwargs)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days_ago))
    return user


def test_unconfirmed_signups_go_after_thirty_days_and_the_task_runs_twice(manager_a):
    expired = _signed_up(31)
    EmailAddress.objects.create(user=expired, email=expired.email, verified=False, primary=True)
    recent = _signed_up(29)
    confirmed = _signed_up(60)
    EmailAddress.objects.create(user=confirmed, email=confirmed.email, verified=True,
                                primary=True)
    logged_in = _signed_up(60)
    User.objects.filter(pk=logged_in.pk).update(last_login=timezone.now() - 50 * DAY)
    staff = _signed_up(60, is_staff=True)
    # An evaluator invited by a manager has an account without a password until they set one.
    call = OpenCallFactory(eurocluster=manager_a.eurocluster)
    invited = evaluator_invite(call=call, email="expert@example.org", by=manager_a.user).user
    User.objects.filter(pk=invited.pk).update(date_joined=timezone.now() - 60 * DAY)

    assert run("accounts.remove_unconfirmed_signups") == 1
    assert not User.objects.filter(pk=expired.pk).exists()
    assert not EmailAddress.objects.filter(email=expired.email).exists()
    assert set(User.objects.filter(pk__in=[recent.pk, confirmed.pk, logged_in.pk, staff.pk,
                                           invited.pk]).values_list("pk", flat=True)) == {
        recent.pk, confirmed.pk, logged_in.pk, staff.pk, invited.pk}
    assert list(AuditEntry.objects.filter(action="signup_expired").values_list(
        "object_id", "to_state", "actor", "data")) == [(expired.pk, "deleted", None,
                                                        {"until": ""})]

    assert run("accounts.remove_unconfirmed_signups") == 0
    assert AuditEntry.objects.filter(action="signup_expired").count() == 1
