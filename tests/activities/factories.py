import random
from datetime import date

import factory

from activities.models import Activity, Participant
from applications.identifiers import example_vat_number, identity_key
from euroclusters.models import Objective
from tests.factories import EuroclusterFactory, UserFactory

_rng = random.Random(20261205)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    eurocluster = factory.SubFactory(EuroclusterFactory)
    kind = Activity.Kind.TRAINING
    title = factory.Sequence(lambda n: f"Training session {n}")
    starts_on = date(2026, 3, 10)
    place = "Brussels"
    objective = Objective.TRAIN
    created_by = factory.SubFactory(UserFactory)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    activity = factory.SubFactory(ActivityFactory)
    name = factory.Sequence(lambda n: f"Participant {n} SRL")
    country = "RO"
    registration_number = factory.LazyAttribute(lambda p: example_vat_number(p.country, _rng))
    identity_key = factory.LazyAttribute(lambda p: identity_key(p.registration_number,
                                                                p.country))
    added_by = factory.SelfAttribute("activity.created_by")
