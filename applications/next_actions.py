"""The next thing an applicant has to do on each application, for the dashboard.

applications may not import the apps above it (evaluation, payments), yet most next steps of a
funded SME live there (sign the agreement, give bank details, hand in a report, request a
redress). So the steps come from providers: applications registers its own (finish the draft)
and the higher apps register theirs from their ``AppConfig.ready()``. A provider takes the whole
list of rows and answers for all of them with a fixed number of queries (never one per row), so
the dashboard's query count does not grow with the number of applications. For each application
the most urgent step wins (lowest ``urgency``).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application


@dataclass(frozen=True)
class NextAction:
    label: str
    url: str
    deadline: datetime | None = None
    # What the deadline is, e.g. "Sign by" (shown before it).
    deadline_label: str = ""
    # Lower is more urgent: 10 a signature, 20 bank details, 30 a report, 40 a redress,
    # 50 a draft to finish, 80 reading results.
    urgency: int = 50


Provider = Callable[[Sequence[Application]], Mapping[int, NextAction]]
_PROVIDERS: dict[str, Provider] = {}


def register_next_actions(name: str, provider: Provider) -> None:
    """Add (or replace: a second ``ready()`` is harmless) the provider called ``name``."""
    _PROVIDERS[name] = provider


def next_actions(applications: Sequence[Application]) -> dict[int, NextAction]:
    """The most urgent next step of each application that has one, by application id.
    ``applications`` come with their call (and its Eurocluster)."""
    if not applications:
        return {}
    chosen: dict[int, NextAction] = {}
    for provider in _PROVIDERS.values():
        for application_id, action in provider(applications).items():
            current = chosen.get(application_id)
            if current is None or action.urgency < current.urgency:
                chosen[application_id] = action
    return chosen


def draft_actions(applications: Sequence[Application]) -> dict[int, NextAction]:
    """A draft of a call still open is to be finished and submitted before the deadline."""
    now = timezone.now()
    return {a.pk: NextAction(label=_("Finish and submit"),
                             url=reverse("applications:edit", kwargs={"pk": a.pk}),
                             deadline=a.call.closes_at, deadline_label=_("Submit by"),
                             urgency=50)
            for a in applications
            if a.status == Application.Status.DRAFT and a.call.accepts_submissions(now)}
