import pytest

from applications.models import Application, Declaration
from applications.services import application_submit
from tests.factories import complete_application


@pytest.mark.django_db
def test_submit_leaves_a_pending_result_until_the_queued_check_runs(
    mailoutbox, django_capture_on_commit_callbacks
):
    application = complete_application()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version = application_submit(application=application, by=application.created_by,
                                     declarations=Declaration.values)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert version.eligibility.outcome == "pending"
    assert version.eligibility.checked_at is None
    assert len(callbacks) == 2  # the receipt and the eligibility check, after commit
    assert mailoutbox == []
