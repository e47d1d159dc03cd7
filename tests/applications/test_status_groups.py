"""The named groups of application statuses that several modules share."""

from applications.models import Application

Status = Application.Status


def test_in_call_is_every_status_but_draft_and_withdrawn():
    assert set(Status) - set(Application.IN_CALL) == {Status.DRAFT, Status.WITHDRAWN}
    assert len(Application.IN_CALL) == len(set(Application.IN_CALL))


def test_funded_is_selected_and_after():
    assert Application.FUNDED == (Status.SELECTED, Status.CONTRACTED, Status.IN_PROGRESS,
                                  Status.COMPLETED)
