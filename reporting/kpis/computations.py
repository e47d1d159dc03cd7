"""The computed KPIs: each a function over a Eurocluster and an optional day (the value at the
end of that day, Brussels time; None: everything so far).

Every computation reads its dated *events* in one or two queries (an agreement countersigned, a
participant in an activity, a payment settled...) and folds them: either the number of distinct
keys (one SME counts once, by the identity key of ``applications.identifiers``: the key of its
``payments.ThirdParty`` when funded, of its ``activities.Participant`` row when it took part in an
activity) or the sum of amounts. The trend of a KPI folds the same events at each month end, so
the page reads each computation's events once, whatever the number of points.

Funded means a grant agreement countersigned (or since closed), dated by the countersignature.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Participant
from euroclusters.models import Eurocluster, KpiTarget, Objective
from payments.models import GrantAgreement, Payment, ProgressReport, Signature

Measure = KpiTarget.Measure
FUNDED = (GrantAgreement.Status.COUNTERSIGNED, GrantAgreement.Status.CLOSED)


@dataclass(frozen=True)
class Event:
    day: date
    key: str
    amount: Decimal = Decimal(1)


def _day(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date()
    return moment


def fold(events: Iterable[Event], on: date | None = None, *, distinct: bool) -> Decimal:
    """The value of ``events`` up to ``on`` (all when None): distinct keys, or the sum."""
    events = [e for e in events if on is None or e.day <= on]
    if distinct:
        return Decimal(len({e.key for e in events}))
    return sum((e.amount for e in events), Decimal(0))


def fold_series(events: Iterable[Event], days: list[date], *, distinct: bool) -> list[Decimal]:
    """The value of ``events`` at each of ``days`` (ascending), in one pass over the events."""
    if distinct:
        first: dict[str, date] = {}
        for event in events:
            if event.key not in first or event.day < first[event.key]:
                first[event.key] = event.day
        points = sorted(first.values())
        amounts = [(day, Decimal(1)) for day in points]
    else:
        amounts = sorted((e.day, e.amount) for e in events)
    values, total, index = [], Decimal(0), 0
    for day in days:
        while index < len(amounts) and amounts[index][0] <= day:
            total += amounts[index][1]
            index += 1
        values.append(total)
    return values


# --- events -----------------------------------------------------------------------------------


def _funded(eurocluster: Eurocluster, *fields: str, **filters) -> list[tuple]:
    """(day countersigned, *fields) of the Eurocluster's funded agreements, in one query."""
    rows = (GrantAgreement.objects
            .filter(application__call__eurocluster=eurocluster, status__in=FUNDED, **filters)
            .annotate(countersigned_at=Max(
                "signatures__signed_at",
                filter=Q(signatures__role=Signature.Role.COUNTERSIGNATORY)))
            .order_by().values_list("countersigned_at", "updated_at", *fields))
    return [(_day(row[0] or row[1]), *row[2:]) for row in rows]


def _participants(eurocluster: Eurocluster, field: str = "identity_key",
                  condition: Q | None = None) -> list[Event]:
    """One event per participant of the Eurocluster's activities (matching ``condition``), on
    the activity's first day: the same rows as ``activities.selectors.supported_identity_keys``
    counts, with their day."""
    rows = Participant.objects.filter(activity__eurocluster=eurocluster)
    if condition is not None:
        rows = rows.filter(condition)
    return [Event(day=day, key=str(key))
            for day, key in rows.order_by().values_list("activity__starts_on", field)]


def projects_funded_events(eurocluster: Eurocluster) -> list[Event]:
    return [Event(day=day, key=str(pk)) for day, pk in _funded(eurocluster, "pk")]


def smes_supported_events(eurocluster: Eurocluster) -> list[Event]:
    funded = [Event(day=day, key=key)
              for day, key in _funded(eurocluster, "third_party__identity_key")]
    return funded + _participants(eurocluster)


# Activities that internationalise: the missions abroad, and any activity whose objective is
# "Go international" (internationalisation consultancy, for one).
INTERNATIONAL_ACTIVITIES = (Q(activity__kind=Activity.Kind.MISSION)
                            | Q(activity__objective=Objective.INTERNATIONAL))


def smes_internationalised_events(eurocluster: Eurocluster) -> list[Event]:
    funded = [Event(day=day, key=key) for day, key in _funded(
        eurocluster, "third_party__identity_key",
        application__voucher_type__internationalisation=True)]
    return funded + _participants(eurocluster, condition=INTERNATIONAL_ACTIVITIES)


def amount_contracted_events(eurocluster: Eurocluster) -> list[Event]:
    return [Event(day=day, key=str(pk), amount=amount)
            for day, pk, amount in _funded(eurocluster, "pk", "amount")]


def amount_paid_events(eurocluster: Eurocluster) -> list[Event]:
    # The payments the ledger counts as paid (payments.selectors.finance.call_ledgers).
    rows = (Payment.objects
            .filter(status=Payment.Status.PAID,
                    tranche__agreement__application__call__eurocluster=eurocluster)
            .order_by().values_list("settled_at", "created_at", "pk", "amount"))
    return [Event(day=_day(settled or created), key=str(pk), amount=amount)
            for settled, created, pk, amount in rows]


def countries_reached_events(eurocluster: Eurocluster) -> list[Event]:
    funded = [Event(day=day, key=str(country))
              for day, country in _funded(eurocluster, "application__organisation__country")]
    return funded + _participants(eurocluster, field="country")


def new_products_events(eurocluster: Eurocluster) -> list[Event]:
    rows = (ProgressReport.objects
            .filter(agreement__application__call__eurocluster=eurocluster,
                    kind=ProgressReport.Kind.FINAL, status=ProgressReport.Status.APPROVED)
            .order_by().values_list("reviewed_at", "updated_at", "pk", "new_products"))
    return [Event(day=_day(reviewed or updated), key=str(pk), amount=Decimal(count))
            for reviewed, updated, pk, count in rows]


def business_agreements_events(eurocluster: Eurocluster) -> list[Event]:
    rows = (Activity.objects
            .filter(eurocluster=eurocluster, kind=Activity.Kind.BUSINESS_AGREEMENT)
            .order_by().values_list("starts_on", "pk"))
    return [Event(day=day, key=str(pk)) for day, pk in rows]


# --- the catalogue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Computation:
    measure: str
    events: Callable[[Eurocluster], list[Event]]
    distinct: bool
    explanation: Promise
    money: bool = False

    @property
    def label(self) -> str:
        return Measure(self.measure).label

    def value(self, eurocluster: Eurocluster, on: date | None = None) -> Decimal:
        return fold(self.events(eurocluster), on, distinct=self.distinct)


COMPUTATIONS: dict[str, Computation] = {c.measure: c for c in [
    Computation(Measure.PROJECTS_FUNDED, projects_funded_events, distinct=True, explanation=_(
        "The grant agreements countersigned by the Eurocluster (active or closed), counted on "
        "the day of the countersignature.")),
    Computation(Measure.SMES_SUPPORTED, smes_supported_events, distinct=True, explanation=_(
        "The distinct enterprises funded (a countersigned agreement, in any call) or taking "
        "part in a support activity, each counted once by its VAT or registration number.")),
    Computation(Measure.SMES_INTERNATIONALISED, smes_internationalised_events, distinct=True,
                explanation=_(
        "The distinct enterprises contracted under an internationalisation voucher, or taking "
        "part in an internationalisation mission or an activity to go international, each "
        "counted once.")),
    Computation(Measure.AMOUNT_CONTRACTED, amount_contracted_events, distinct=False, money=True,
                explanation=_(
        "The sum of the grants of the countersigned agreements (active or closed), in euros.")),
    Computation(Measure.AMOUNT_PAID, amount_paid_events, distinct=False, money=True,
                explanation=_(
        "The sum of the payments to beneficiaries marked paid, as in the ledger, in euros.")),
    Computation(Measure.COUNTRIES_REACHED, countries_reached_events, distinct=True,
                explanation=_(
        "The distinct countries of the enterprises funded or taking part in a support "
        "activity.")),
    Computation(Measure.NEW_PRODUCTS, new_products_events, distinct=False, explanation=_(
        "The new products or services the beneficiaries declared in their approved final "
        "reports, added up.")),
    Computation(Measure.BUSINESS_AGREEMENTS, business_agreements_events, distinct=True,
                explanation=_(
        "The business agreements between enterprises recorded as support activities, on the "
        "day they were signed.")),
]}


def computation(measure: str) -> Computation | None:
    """The computation of ``measure``; None for a reported KPI."""
    return COMPUTATIONS.get(measure)


# One function per computation, as the KPI catalogue names them.


def projects_funded(eurocluster: Eurocluster, on: date | None = None) -> Decimal:
    return COMPUTATIONS[Measure.PROJECTS_FUNDED].value(eurocluster, on)


def smes_supported(eurocluster: Eurocluster, on: date | None = None) -> Decimal:
    return COMPUTATIONS[Measure.SMES_SUPPORTED].value(eurocluster, on)


def smes_internationalised(eurocluster: Eurocluster, on: date | None = None) -> Decimal:
    return COMPUTATIONS[Measure.SMES_INTERNATIONALISED].value(eurocluster, on)


def amount_contracted(eurocluster: Eurocluster, on: date | None = None) -> Decimal:
    return COMPUTATIONS[Measure.AMOUNT_CONTRACTED].value(eurocluster, on)


def amount_paid(eurocluster: Eurocluster, on: date | None = None) -> Decimal:
    return COMPUTATIONS[Measure.AMOUNT_PAID].value(eurocluster, on)


def countries_reached(eurocluster: Eurocluster, on: date | None = None) -> Decimal:
    return COMPUTATIONS[Measure.COUNTRIES_REACHED].value(eurocluster, on)


def new_products(eurocluster: Eurocluster, on: date | None = None) -> Decimal:
    return COMPUTATIONS[Measure.NEW_PRODUCTS].value(eurocluster, on)


def business_agreements(eurocluster: Eurocluster, on: date | None = None) -> Decimal:
    return COMPUTATIONS[Measure.BUSINESS_AGREEMENTS].value(eurocluster, on)
