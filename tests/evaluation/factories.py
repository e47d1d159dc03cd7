"""Factories of the evaluation app, on top of tests/factories.py."""

from decimal import Decimal

import factory
from django.utils import timezone

from applications.models import Application
from calls.models import OpenCall
from evaluation.models import (
    Assignment,
    CallEvaluator,
    Consensus,
    ConsensusScore,
    EvaluatorProfile,
    Review,
    Score,
)
from tests.factories import (
    CriterionFactory,
    OpenCallFactory,
    UserFactory,
    complete_application,
)


class EvaluatorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluatorProfile

    # An expert reads unpublished proposals: she has a second factor, as the portal requires.
    user = factory.SubFactory(UserFactory, mfa=True)
    expertise = factory.LazyFunction(lambda: ["Robotics"])
    country = "DE"
    organisation = factory.Sequence(lambda n: f"Independent Expert Office {n}")
    organisation_number = ""
    languages = factory.LazyFunction(lambda: ["en"])


class CallEvaluatorFactory(factory.django.DjangoModelFactory):
    """An accepted evaluator of a call who signed the call's declaration (override to change)."""

    class Meta:
        model = CallEvaluator

    call = factory.SubFactory(OpenCallFactory)
    user = factory.LazyAttribute(lambda o: EvaluatorProfileFactory().user)
    status = CallEvaluator.Status.ACCEPTED
    responded_at = factory.LazyFunction(timezone.now)
    declaration_accepted_at = factory.LazyFunction(timezone.now)


def closed_call(**kwargs) -> OpenCall:
    """A call past its deadline, in evaluation, with the three default criteria (0-5, weight 1,
    threshold 3)."""
    now = timezone.now()
    defaults = {"status": OpenCall.Status.EVALUATION, "opens_at": now - timezone.timedelta(days=40),
                "closes_at": now - timezone.timedelta(days=5)}
    call = OpenCallFactory(**{**defaults, **kwargs})
    for position, name in enumerate(["Excellence", "Impact", "Implementation"]):
        CriterionFactory(call=call, name=name, position=position)
    return call


def eligible_application(call: OpenCall, **kwargs) -> Application:
    """A complete application of ``call``, already in the given status (eligible by default)."""
    status = kwargs.pop("status", Application.Status.ELIGIBLE)
    application = complete_application(call=call, **kwargs)
    Application.objects.filter(pk=application.pk).update(status=status,
                                                         submitted_at=timezone.now())
    application.refresh_from_db()
    return application


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    application = factory.LazyAttribute(lambda o: eligible_application(closed_call()))
    evaluator = factory.LazyAttribute(lambda o: CallEvaluatorFactory(call=o.application.call))
    status = Assignment.Status.ACTIVE


COMMENT = "A clear and well argued point about this criterion."


def submitted_review(assignment: Assignment, scores: list[Decimal | str | int],
                     comment: str = COMMENT) -> Review:
    """A submitted review with ``scores`` in the order of the call's criteria."""
    review = Review.objects.create(assignment=assignment, status=Review.Status.SUBMITTED,
                                   overall_comment="Solid proposal overall.",
                                   submitted_at=timezone.now())
    criteria = list(assignment.application.call.criteria.order_by("position", "pk"))
    total = Decimal("0")
    for criterion, value in zip(criteria, scores, strict=True):
        Score.objects.create(review=review, criterion=criterion, score=Decimal(str(value)),
                             comment=comment)
        total += criterion.weight * Decimal(str(value))
    review.total = total
    review.save(update_fields=["total"])
    Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.SUBMITTED)
    return review


def final_consensus(application: Application, scores: list[Decimal | str | int]) -> Consensus:
    """A final consensus with ``scores`` in the order of the call's criteria; the application
    moves to ``evaluated``."""
    consensus = Consensus.objects.create(application=application, status=Consensus.Status.FINAL,
                                         overall_comment="The panel agreed.",
                                         recorded_at=timezone.now())
    criteria = list(application.call.criteria.order_by("position", "pk"))
    total = Decimal("0")
    for criterion, value in zip(criteria, scores, strict=True):
        ConsensusScore.objects.create(consensus=consensus, criterion=criterion,
                                      score=Decimal(str(value)),
                                      comment="The panel's view on this criterion.")
        total += criterion.weight * Decimal(str(value))
    consensus.total = total
    consensus.save(update_fields=["total"])
    Application.objects.filter(pk=application.pk).update(status=Application.Status.EVALUATED)
    return consensus
