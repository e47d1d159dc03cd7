"""Reads of support activities: the lists the manager area shows, the organisations a manager
may pick as participants, and the count of distinct organisations supported that the KPIs use.

Every list comes with its relations loaded, in a fixed number of queries whatever its length.
"""

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Q, QuerySet
from django_countries import countries

from activities.models import Activity, Participant, ParticipantImport
from applications.models import Organisation
from euroclusters.models import Eurocluster, Membership
from euroclusters.rules import eurocluster_ids_in_scope, managed_eurocluster_ids

# How many organisations the participant search shows: a manager narrows the words, not pages.
SEARCH_LIMIT = 20


# --- scope ------------------------------------------------------------------------------------


def readable_eurocluster_ids(user) -> frozenset[int] | None:
    """The Euroclusters whose activities ``user`` reads (manager or observer); None: all."""
    return eurocluster_ids_in_scope(user, Membership.Role.MANAGER, Membership.Role.OBSERVER)


def _scoped(queryset: QuerySet, path: str, ids: frozenset[int] | None) -> QuerySet:
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


def readable_euroclusters(user) -> QuerySet[Eurocluster]:
    return _scoped(Eurocluster.objects.all(), "pk", readable_eurocluster_ids(user))


def managed_euroclusters(user) -> QuerySet[Eurocluster]:
    return _scoped(Eurocluster.objects.all(), "pk", managed_eurocluster_ids(user))


# --- activities -------------------------------------------------------------------------------


def activities_readable_by(user) -> QuerySet[Activity]:
    """The activities of the Euroclusters ``user`` reads, with their Eurocluster and author."""
    return _scoped(Activity.objects.select_related("eurocluster", "created_by"), "eurocluster_id",
                   readable_eurocluster_ids(user))


def activity_list(user, *, eurocluster_id: int | None = None, kind: str = "",
                  year: int | None = None) -> QuerySet[Activity]:
    """The activities ``user`` reads, newest first, each with its number of participants,
    filtered by Eurocluster, type and year (of its first day)."""
    queryset = activities_readable_by(user).annotate(participant_count=Count("participants"))
    if eurocluster_id is not None:
        queryset = queryset.filter(eurocluster_id=eurocluster_id)
    if kind:
        queryset = queryset.filter(kind=kind)
    if year is not None:
        queryset = queryset.filter(starts_on__year=year)
    return queryset.order_by("-starts_on", "-pk")


def activity_years(user) -> list[int]:
    """The years in which the activities ``user`` reads began, latest first."""
    return [day.year for day in _scoped(Activity.objects.all(), "eurocluster_id",
                                        readable_eurocluster_ids(user))
            .dates("starts_on", "year", order="DESC")]


def participants_of(activity: Activity) -> QuerySet[Participant]:
    return activity.participants.select_related("organisation", "added_by").order_by("name",
                                                                                       "pk")


def taken_identities(activity: Activity) -> dict[str, str]:
    """identity key -> name of the activity's participants."""
    return dict(activity.participants.values_list("identity_key", "name"))


def staged_import(user, *, activity: Activity, pk: int) -> ParticipantImport | None:
    """The CSV file ``user`` uploaded for ``activity`` and has not confirmed yet."""
    return ParticipantImport.objects.filter(activity=activity, created_by=user, pk=pk).first()


# --- organisations a manager may pick ---------------------------------------------------------


def organisations_known_to(eurocluster: Eurocluster) -> QuerySet[Organisation]:
    """The enterprises a manager of ``eurocluster`` may pick: those that applied to one of its
    calls (a draft included) or already took part in one of its activities. Other Euroclusters'
    applicants stay out of sight; entered by number, they still count once."""
    return Organisation.objects.filter(
        Q(applications__call__eurocluster=eurocluster)
        | Q(activity_participations__activity__eurocluster=eurocluster)).distinct()


def organisation_search(eurocluster: Eurocluster, query: str) -> list[Organisation]:
    """Up to ``SEARCH_LIMIT`` known organisations whose name or number contains ``query``."""
    words = query.split()
    if not words:
        return []
    matches = Q()
    for word in words:
        matches &= Q(legal_name__icontains=word)
    compact = "".join(ch for ch in query.upper() if ch.isalnum())
    if len(compact) >= 3:
        # Numbers are stored compact ("BE0403170701"); people type them with dots and spaces.
        matches |= Q(registration_number__icontains=compact)
    return list(organisations_known_to(eurocluster).filter(matches)
                .order_by("legal_name", "pk")[:SEARCH_LIMIT])


def country_lookup() -> dict[str, str]:
    """Every accepted spelling of a country (lower case: ISO code, English name) -> ISO code."""
    lookup = {}
    for code, name in countries:
        lookup[code.lower()] = code
        lookup[str(name).lower()] = code
    # The Greek VAT prefix, as people write it in their sheets.
    lookup.setdefault("el", "GR")
    return lookup


# --- what the KPIs count ----------------------------------------------------------------------


def supported_identity_keys(*, eurocluster: Eurocluster, kinds: Iterable[str] | None = None,
                            date_from: date | None = None,
                            date_to: date | None = None) -> QuerySet:
    """The distinct identity keys of the organisations that took part in ``eurocluster``'s
    activities of ``kinds`` (all when None) whose first day falls in [date_from, date_to]
    (either end open when None). A flat values queryset: the KPIs join it with the keys of the
    enterprises funded through calls, so that one SME counts once."""
    participants = Participant.objects.filter(activity__eurocluster=eurocluster)
    if kinds is not None:
        participants = participants.filter(activity__kind__in=list(kinds))
    if date_from is not None:
        participants = participants.filter(activity__starts_on__gte=date_from)
    if date_to is not None:
        participants = participants.filter(activity__starts_on__lte=date_to)
    return participants.order_by().values_list("identity_key", flat=True).distinct()


def supported_organisations_count(*, eurocluster: Eurocluster,
                                  kinds: Iterable[str] | None = None,
                                  date_from: date | None = None,
                                  date_to: date | None = None) -> int:
    """How many distinct organisations ``eurocluster``'s activities supported (see
    :func:`supported_identity_keys`), in one query."""
    return supported_identity_keys(eurocluster=eurocluster, kinds=kinds, date_from=date_from,
                                   date_to=date_to).count()


def supported_organisations_by_kind(*, eurocluster: Eurocluster, date_from: date | None = None,
                                    date_to: date | None = None) -> dict[str, int]:
    """Distinct organisations supported per activity type (every type present, 0 when none), in
    one query. An SME in a training and a mission counts once in each."""
    participants = Participant.objects.filter(activity__eurocluster=eurocluster)
    if date_from is not None:
        participants = participants.filter(activity__starts_on__gte=date_from)
    if date_to is not None:
        participants = participants.filter(activity__starts_on__lte=date_to)
    counts = dict.fromkeys(Activity.Kind.values, 0)
    for kind, count in (participants.order_by().values_list("activity__kind")
                        .annotate(n=Count("identity_key", distinct=True))):
        counts[kind] = count
    return counts
