"""Steps the demo seeders of the higher apps share (the evaluation and payments demos)."""

from typing import Any

from applications.eligibility_services import eligibility_check, eligibility_release
from applications.models import EligibilityResult
from applications.selectors import current_results
from calls.models import OpenCall


class DemoStepRefused(Exception):
    pass


def release_eligibility(*, call: OpenCall, by: Any) -> int:
    """Check the call's current versions still without a result and release the results, as
    the manager would; return how many were checked (0 once released). Raises DemoStepRefused
    naming the applications that wait for a manager's decision: a demo expects none."""
    if call.eligibility_released_at is not None:
        return 0
    pending = list(current_results(call).filter(checked_at__isnull=True))
    for result in pending:
        eligibility_check(version_id=result.version_id)
    waiting = [r.version.application.acronym for r in current_results(call)
               if r.outcome not in EligibilityResult.FINAL]
    if waiting:
        raise DemoStepRefused(f"{call.reference}: {', '.join(waiting)} still wait for a "
                              "manager's eligibility decision; the demo expects none.")
    eligibility_release(call=call, by=by)
    call.refresh_from_db()
    return len(pending)
