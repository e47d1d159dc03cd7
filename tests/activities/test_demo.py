from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from activities.models import Activity, Participant
from activities.selectors import supported_organisations_count
from euroclusters.models import Eurocluster
from portal.models import AuditEntry

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo_activities", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Activity, Participant,
                                                                 AuditEntry)}


def test_the_demo_runs_twice_with_identical_counts():
    call_command("seed_demo", stdout=StringIO())
    first = seed()
    assert first.splitlines()[0] == ("Activities demo loaded: activity recorded ×7, "
                                     "participant added ×24")
    after_first = counts()
    assert (after_first["Activity"], after_first["Participant"]) == (7, 24)
    second = seed()
    assert second.splitlines()[0] == ("Nothing to change: the activities demo is already in "
                                      "place.")
    assert counts() == after_first
    by_acronym = {e.acronym: supported_organisations_count(eurocluster=e)
                  for e in Eurocluster.objects.all()}
    # Silicon Europe: five SMEs in the training, the two agreements among the same five.
    assert by_acronym == {"DREAM": 3, "Silicon Europe": 5, "RE-CENTRE": 6, "DESIRE": 2}
    mission = Activity.objects.get(title="Internationalisation mission to Mexico and Chile")
    assert sorted(mission.participants.values_list("name", flat=True)) == [
        "Casa Nogal Interiores S.L.", "Legno Vivo Arredamenti S.r.l.",
        "Mobili Friulani S.r.l.", "Mobiliario Levante Digital S.L.",
        "Rila Solar Systems EOOD"]
    assert mission.created_by.email == "manager.recentre@example.eu"


def test_without_seed_demo_it_says_what_to_run_first():
    with pytest.raises(CommandError) as refused:
        seed()
    assert str(refused.value) == ("manager.dream@example.eu does not manage DREAM: run "
                                  "manage.py seed_demo first.")


def test_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError) as refused:
        seed()
    assert str(refused.value) == (
        "Refusing to load the activities demo into a production portal. Use "
        "--allow-production for a throw-away demo instance.")
