"""The named groups of application statuses that several modules share."""

from applications.models import Application

Status = Application.Status


def test_in_call_is_every_status_but_draft_and_withdrawn():
    assert set(Status) - set(Application.IN_CALL) == {Status.DRAFT, Status.WITHDRAWN}
    assert len(Application.IN_CALL) == len(set(Application.IN_CALL))


def test_funded_is_selected_and_after():
    assert Application.FUNDED == (Status.SELECTED, Status.CONTRACTED, Status.IN_PROGRESS,
                                  Status.COMPLETED)


# What the applicant's pages show, per status: (draft, withdrawn, results, funded, contracted,
# may withdraw). The templates ask these properties instead of spelling statuses.
PAGE_FLAGS = {
    Status.DRAFT: (True, False, False, False, False, True),
    Status.SUBMITTED: (False, False, False, False, False, True),
    Status.ELIGIBLE: (False, False, False, False, False, True),
    Status.INELIGIBLE: (False, False, False, False, False, True),
    Status.UNDER_EVALUATION: (False, False, False, False, False, True),
    Status.EVALUATED: (False, False, False, False, False, True),
    Status.SELECTED: (False, False, True, True, False, True),
    Status.RESERVE: (False, False, True, False, False, True),
    Status.REJECTED: (False, False, True, False, False, True),
    Status.CONTRACTED: (False, False, True, True, True, False),
    Status.IN_PROGRESS: (False, False, True, True, True, False),
    Status.COMPLETED: (False, False, True, True, True, False),
    Status.WITHDRAWN: (False, True, False, False, False, False),
}


def test_the_page_flags_of_every_status():
    assert set(PAGE_FLAGS) == set(Status)
    for status, flags in PAGE_FLAGS.items():
        application = Application(status=status)
        assert (application.is_draft, application.is_withdrawn, application.has_results,
                application.is_funded, application.is_contracted,
                application.can_be_withdrawn) == flags, status
