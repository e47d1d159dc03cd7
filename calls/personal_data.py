"""What calls holds about a person (accounts.personal_data): the questions they asked about
calls, the calls they follow, and a call-alert subscription under their e-mail address. No legal
retention: erasure deletes the follows and the subscription, deletes the questions never
published and keeps the published ones without the asker (their published text names nobody)."""

from accounts.personal_data import Hold, Section
from calls.models import CallAlertSubscription, CallFollower, CallQuestion


def export(user) -> Section:
    questions = CallQuestion.objects.filter(asked_by=user).select_related("call").order_by("pk")
    return Section(data={
        "questions": [{"call": q.call.reference, "asked_at": q.asked_at.isoformat(),
                       "question": q.text, "answer": q.answer,
                       "published": q.published_at.isoformat() if q.published_at else None}
                      for q in questions],
        "followed_calls": list(CallFollower.objects.filter(user=user).order_by("pk")
                               .values_list("call__reference", flat=True)),
        "call_alerts": [{"euroclusters": sorted(s.euroclusters.values_list("acronym", flat=True)),
                         "objectives": s.objectives}
                        for s in CallAlertSubscription.objects.filter(email=user.email)],
    })


def holds(user) -> list[Hold]:
    return []


def erase(user) -> None:
    CallFollower.objects.filter(user=user).delete()
    CallAlertSubscription.objects.filter(email=user.email).delete()
    CallQuestion.objects.filter(asked_by=user, published_at__isnull=True).delete()
    # The private wording may name the person; the published version is what stays.
    CallQuestion.objects.filter(asked_by=user).update(asked_by=None, text="", answer="")


def purge(user) -> None:
    """Nothing held."""
