import pytest

from applications.models import Application, Declaration
from applications.services import application_submit
from tests.factories import complete_application


@pytest.mark.django_db
def test_submit_freezes_a_version_and_a_pending_eligibility_result(
    mailoutbox, django_capture_on_commit_callbacks
):
    application = complete_application()
    with django_capture_on_commit_callbacks(execute=True):
        version = application_submit(application=application, by=application.created_by,
                                     declarations=Declaration.values)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert version.number == 1
    assert len(version.sha256) == 64
    assert version.eligibility.outcome == "pending"
    assert [m.to for m in mailoutbox] == [[application.created_by.email]]
