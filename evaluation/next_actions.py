"""The applicant's next steps that the evaluation owns (applications.next_actions): read the
evaluation summary once results are published, and request a redress while the window is open.
Two queries for any number of applications."""

from collections.abc import Sequence

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from applications.next_actions import NextAction
from evaluation.models import Ranking, RedressRequest
from evaluation.selectors.results import CONTESTABLE, redress_deadline

EVALUATED = (Application.Status.SELECTED, Application.Status.RESERVE, Application.Status.REJECTED)


def evaluation_actions(applications: Sequence[Application]) -> dict[int, NextAction]:
    now = timezone.now()
    evaluated = [a for a in applications if a.status in EVALUATED]
    # An ineligible application's window opens with the released eligibility results.
    ineligible = [a for a in applications if a.status == Application.Status.INELIGIBLE
                  and a.call.eligibility_released_at is not None]
    if not evaluated and not ineligible:
        return {}
    published = ({r.call_id: r for r in Ranking.objects.filter(
        call_id__in={a.call_id for a in evaluated}, status=Ranking.Status.PUBLISHED)}
        if evaluated else {})
    redressed = set(RedressRequest.objects.filter(
        application_id__in=[a.pk for a in evaluated + ineligible])
        .values_list("application_id", flat=True))
    actions: dict[int, NextAction] = {}
    for application in evaluated:
        ranking = published.get(application.call_id)
        if ranking is None:
            continue
        esr_url = reverse("evaluation:esr", kwargs={"pk": application.pk})
        deadline = (redress_deadline(application, ranking)
                    if application.status in CONTESTABLE and application.pk not in redressed
                    else None)
        if deadline is not None and now <= deadline:
            actions[application.pk] = NextAction(
                label=_("Read the results"), url=esr_url, deadline=deadline,
                deadline_label=_("Redress possible until"), urgency=40)
        else:
            actions[application.pk] = NextAction(label=_("Read the evaluation summary"),
                                                 url=esr_url, urgency=80)
    for application in ineligible:
        if application.pk in redressed:
            continue
        deadline = redress_deadline(application)
        if deadline is not None and now <= deadline:
            actions[application.pk] = NextAction(
                label=_("Request a redress"),
                url=reverse("evaluation:redress_file", kwargs={"pk": application.pk}),
                deadline=deadline, deadline_label=_("Redress possible until"), urgency=40)
    return actions
