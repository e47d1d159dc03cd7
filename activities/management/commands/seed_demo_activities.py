"""``manage.py seed_demo_activities``: the support activities of ``activities.demo``.

Runs after ``seed_demo`` (which makes the Euroclusters, their managers and the demo enterprises).
Each activity is known by its Eurocluster and title: recorded through ``activity_create`` when
missing (a business agreement with its parties), by the Eurocluster's manager; each participant
is added through ``participant_add`` when missing. A second run changes nothing (and says so);
what the demo's visitors changed since (a title edited, a participant removed) is left as it is,
apart from a demo participant removed, which comes back.
"""

from collections import Counter

from django.core.management.base import CommandError
from django.urls import reverse

from activities import demo
from activities.models import Activity
from activities.selectors import supported_organisations_count
from activities.services import NewParticipant, activity_create, participant_add
from applications import demo_data
from applications.identifiers import identity_key
from applications.models import Organisation
from euroclusters.models import Eurocluster, Membership
from portal.demo import SITE, DemoCommand, seed_quietly
from portal.errors import DomainError

FIELDS = ("kind", "title", "starts_on", "ends_on", "place", "online", "objective", "notes")


class ActivitiesSeeder:
    def __init__(self) -> None:
        self.done: Counter[str] = Counter()
        self.euroclusters = {e.acronym: e for e in Eurocluster.objects.all()}
        self.managers = {}
        for email, _name, acronym, role in demo_data.STAFF:
            if role != Membership.Role.MANAGER:
                continue
            membership = (Membership.objects.select_related("user")
                          .filter(user__email=email, eurocluster__acronym=acronym).first())
            if membership is None:
                raise CommandError(f"{email} does not manage {acronym}: run manage.py seed_demo "
                                   "first.")
            self.managers[acronym] = membership.user
        self.organisations = {o.user.email: o for o in
                              Organisation.objects.select_related("user")
                              .filter(user__email__in=[s["email"] for s in demo_data.SMES])}

    def party(self, entry) -> Organisation | NewParticipant:
        if isinstance(entry, tuple):
            name, country, number = entry
            return NewParticipant(name=name, country=country, registration_number=number)
        organisation = self.organisations.get(entry)
        if organisation is None:
            raise CommandError(f"The enterprise of {entry} does not exist: run manage.py "
                               "seed_demo first.")
        return organisation

    @staticmethod
    def key(party: Organisation | NewParticipant) -> str:
        if isinstance(party, Organisation):
            return identity_key(party.registration_number, party.country.code)
        return identity_key(party.registration_number, party.country)

    def run(self) -> None:
        for spec in demo.ACTIVITIES:
            eurocluster = self.euroclusters.get(spec["eurocluster"])
            if eurocluster is None:
                raise CommandError(f"The Eurocluster {spec['eurocluster']} does not exist: run "
                                   "manage.py seed_demo first.")
            manager = self.managers[spec["eurocluster"]]
            parties = [self.party(entry) for entry in spec["participants"]]
            activity = Activity.objects.filter(eurocluster=eurocluster,
                                               title=spec["title"]).first()
            try:
                if activity is None:
                    agreement = spec["kind"] == Activity.Kind.BUSINESS_AGREEMENT
                    activity = activity_create(
                        eurocluster=eurocluster, by=manager,
                        data={name: spec[name] for name in FIELDS},
                        parties=parties if agreement else [])
                    self.done["activity recorded"] += 1
                    if agreement:
                        self.done["participant added"] += len(parties)
                taken = set(activity.participants.values_list("identity_key", flat=True))
                for party in parties:
                    if self.key(party) not in taken:
                        participant_add(activity=activity, by=manager, party=party)
                        self.done["participant added"] += 1
            except DomainError as error:
                raise CommandError(f"{spec['title']}: refused: {error}") from error


class Command(DemoCommand):
    help = ("Record the demo's support activities (training sessions, missions, B2B meetings, "
            "consultancy, business agreements) with their participants. Run after seed_demo; "
            "safe to run again: it changes nothing the second time.")

    refused_what = "the activities demo"

    def seed(self) -> None:
        seeder = ActivitiesSeeder()
        seed_quietly(seeder.run)
        if seeder.done:
            self.stdout.write(self.style.SUCCESS(
                "Activities demo loaded: " + ", ".join(
                    f"{step} ×{count}" for step, count in seeder.done.items())))
        else:
            self.stdout.write(self.style.SUCCESS(
                "Nothing to change: the activities demo is already in place."))
        self.report()

    def report(self) -> None:
        self.stdout.write("")
        activities = (Activity.objects.select_related("eurocluster")
                      .filter(title__in=[spec["title"] for spec in demo.ACTIVITIES])
                      .order_by("eurocluster__acronym", "starts_on", "pk"))
        self.table(("Eurocluster", "Date", "Type", "Activity", "Participants"), [
            (a.eurocluster.acronym, a.starts_on.isoformat(), a.get_kind_display(), a.title,
             str(a.participants.count())) for a in activities])
        self.stdout.write("")
        self.table(("Eurocluster", "Organisations supported by activities (each once)"), [
            (e.acronym, str(supported_organisations_count(eurocluster=e)))
            for e in Eurocluster.objects.order_by("acronym")])
        self.stdout.write("")
        self.stdout.write(f"Managers (e.g. manager.recentre@example.eu): "
                          f"{SITE}{reverse('activities:list')}    "
                          f"Password for every account: {demo_data.DEMO_PASSWORD}")
