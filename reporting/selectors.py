"""Reads of the reporting app: the public list of beneficiaries and the open data about calls.

The public rows are dictionaries of public fields only (``PUBLIC_FIELDS``), built by one
``values()`` query: nothing personal (contact names, e-mails, addresses, bank details) is ever
loaded, so no template or export can show it by mistake.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, FilteredRelation, Q, QuerySet
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone
from django.utils.text import Truncator
from django_countries import countries as countries_list

from calls.models import OpenCall, VoucherType
from calls.selectors import calls_public
from euroclusters.models import Eurocluster
from euroclusters.rules import managed_eurocluster_ids
from payments.models import GrantAgreement, Signature

# Published once the Eurocluster has countersigned, and still after the agreement is closed.
PUBLISHED_STATUSES = (GrantAgreement.Status.COUNTERSIGNED, GrantAgreement.Status.CLOSED)
SUMMARY_CHARS = 300

# The public fields of a beneficiary row, by the key under which they are read.
PUBLIC_FIELDS = {
    "enterprise": "application__organisation__legal_name",
    "country": "application__organisation__country",
    "eurocluster": "application__call__eurocluster__acronym",
    "eurocluster_name": "application__call__eurocluster__name",
    "call_reference": "application__call__reference",
    "call_title": "application__call__title",
    "voucher_type": "application__voucher_type__name",
    "project_acronym": "application__acronym",
    "project_title": "application__title",
    "summary": "application__summary",
    "amount": "amount",
}


@dataclass(frozen=True)
class BeneficiaryFilters:
    """The public filters; ``None`` is "any"."""

    eurocluster: Eurocluster | None = None
    call: OpenCall | None = None
    country: str | None = None
    year: int | None = None


def _with_countersignature(agreements: QuerySet[GrantAgreement]) -> QuerySet[GrantAgreement]:
    # One LEFT JOIN on the countersignature (one per agreement, a unique constraint); an
    # agreement countersigned without one (loaded from elsewhere) dates from its last change.
    return agreements.annotate(
        countersignature=FilteredRelation(
            "signatures", condition=Q(signatures__role=Signature.Role.COUNTERSIGNATORY)),
        countersigned_at=Coalesce(F("countersignature__signed_at"), F("updated_at")),
    )


def _published_agreements(filters: BeneficiaryFilters | None = None) -> QuerySet[GrantAgreement]:
    """Agreements countersigned or closed, neither a natural person's nor withheld."""
    filters = filters or BeneficiaryFilters()
    agreements = _with_countersignature(GrantAgreement.objects.filter(
        status__in=PUBLISHED_STATUSES,
        application__organisation__is_natural_person=False,
        publication_withholding__isnull=True,
    ))
    if filters.eurocluster is not None:
        agreements = agreements.filter(application__call__eurocluster=filters.eurocluster)
    if filters.call is not None:
        agreements = agreements.filter(application__call=filters.call)
    if filters.country:
        agreements = agreements.filter(application__organisation__country=filters.country)
    if filters.year is not None:
        agreements = agreements.filter(countersigned_at__year=filters.year)
    return agreements


def beneficiaries_published(filters: BeneficiaryFilters | None = None) -> QuerySet:
    """The published beneficiaries as dictionaries of public fields (``PUBLIC_FIELDS`` and
    ``countersigned_at``), newest countersignature first: agreements countersigned or closed,
    neither a natural person's nor withheld by a manager."""
    agreements = _published_agreements(filters)
    own = [key for key, path in PUBLIC_FIELDS.items() if key == path]  # the agreement's fields
    related = {key: F(path) for key, path in PUBLIC_FIELDS.items() if key != path}
    return (agreements.values("pk", "countersigned_at", *own, **related)
            .order_by("-countersigned_at", "enterprise", "pk"))


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    """One beneficiary as the page, the CSV and the JSON show it: a short summary, the year and
    day of the countersignature in Brussels time."""
    countersigned = timezone.localtime(row["countersigned_at"])
    return {
        **{key: row[key] for key in PUBLIC_FIELDS},
        "country_name": countries_list.name(row["country"]),
        "summary": Truncator(row["summary"] or "").chars(SUMMARY_CHARS),
        "year": countersigned.year,
        "countersigned_on": countersigned.date(),
    }


def beneficiary_filter_options() -> dict[str, Any]:
    """What the filter form offers: Euroclusters and calls (public ones), and the countries and
    years that the published list holds. Four queries, whatever the size of the list."""
    published = _published_agreements().order_by()
    codes = published.values_list("application__organisation__country", flat=True).distinct()
    countries = sorted(((code, countries_list.name(code)) for code in codes),
                       key=lambda pair: pair[1])
    # The year in Brussels time (the current time zone), as the year filter reads it.
    years = sorted(published.annotate(year=ExtractYear("countersigned_at"))
                   .values_list("year", flat=True).distinct(), reverse=True)
    return {
        "euroclusters": Eurocluster.objects.order_by("acronym"),
        "calls": OpenCall.objects.filter(status__in=OpenCall.VISIBLE)
                 .select_related("eurocluster").order_by("eurocluster__acronym", "reference"),
        "countries": countries,
        "years": years,
    }


# --- calls, for the feeds ----------------------------------------------------------------------

def calls_feed() -> QuerySet[OpenCall]:
    """Open and forthcoming calls (published, deadline not passed), the soonest deadline first,
    with their Eurocluster and voucher types loaded. Drafts never."""
    return (calls_public()
            .filter(status__in=(OpenCall.Status.PUBLISHED, OpenCall.Status.OPEN),
                    closes_at__gt=timezone.now())
            .order_by("closes_at", "pk"))


def calls_open_data(*, eurocluster: Eurocluster | None = None,
                    phase: str | None = None) -> list[OpenCall]:
    """Every public call (drafts never), by deadline, optionally of one Eurocluster and in one
    phase (forthcoming, open, closed as a visitor sees it)."""
    calls = calls_public().order_by("closes_at", "pk")
    if eurocluster is not None:
        calls = calls.filter(eurocluster=eurocluster)
    now = timezone.now()
    upcoming = Q(status__in=(OpenCall.Status.PUBLISHED, OpenCall.Status.OPEN))
    if phase == OpenCall.Phase.FORTHCOMING:
        calls = calls.filter(upcoming, opens_at__gt=now)
    elif phase == OpenCall.Phase.OPEN:
        calls = calls.filter(upcoming, opens_at__lte=now, closes_at__gt=now)
    elif phase == OpenCall.Phase.CLOSED:
        calls = calls.exclude(upcoming & Q(closes_at__gt=now))
    return list(calls)


def money(amount: Decimal | None) -> str | None:
    """An amount as open data writes it: a string with two decimals, no grouping."""
    return None if amount is None else f"{amount:.2f}"


def iso(moment: datetime.datetime | datetime.date | None) -> str | None:
    """ISO 8601: a moment in UTC with its offset, a day as YYYY-MM-DD."""
    if moment is None:
        return None
    if isinstance(moment, datetime.datetime):
        return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    return moment.isoformat()


def call_public_data(call: OpenCall, *, url: str) -> dict[str, Any]:
    """The public fields of a call, as ``/api/calls.json`` writes them."""
    voucher_types: list[VoucherType] = list(call.voucher_types.all())
    return {
        "reference": call.reference,
        "title": call.title,
        "url": url,
        "eurocluster": call.eurocluster.acronym,
        "eurocluster_name": call.eurocluster.name,
        "summary": call.summary,
        "phase": str(call.phase),
        "opens_at": iso(call.opens_at),
        "closes_at": iso(call.closes_at),
        "budget": money(call.budget),
        "currency": "EUR",
        "voucher_types": [{"name": v.name, "min_amount": money(v.min_amount),
                           "max_amount": money(v.max_amount),
                           "number_of_vouchers": v.number_of_vouchers}
                          for v in voucher_types],
    }


# --- the manager's page ------------------------------------------------------------------------

def managed_agreements(user) -> QuerySet[GrantAgreement]:
    """Agreements of the Euroclusters ``user`` manages (every one for a superuser)."""
    agreements = GrantAgreement.objects.all()
    ids = managed_eurocluster_ids(user)
    if ids is not None:
        agreements = agreements.filter(application__call__eurocluster_id__in=ids)
    return agreements


def managed_beneficiaries(user) -> QuerySet[GrantAgreement]:
    """The countersigned or closed agreements of the Euroclusters ``user`` manages, with what the
    manager's page shows loaded: published, withheld (with the reason) or a natural person."""
    return beneficiaries_of(managed_eurocluster_ids(user))


def beneficiaries_of(eurocluster_ids: frozenset[int] | None) -> QuerySet[GrantAgreement]:
    """``managed_beneficiaries`` of the Euroclusters ``eurocluster_ids`` (None: all), the rows of
    the manager's page and of its export."""
    agreements = GrantAgreement.objects.filter(status__in=PUBLISHED_STATUSES)
    if eurocluster_ids is not None:
        agreements = agreements.filter(application__call__eurocluster_id__in=eurocluster_ids)
    return (_with_countersignature(agreements)
            .select_related("application__organisation", "application__call__eurocluster",
                            "application__voucher_type", "publication_withholding__withheld_by")
            .order_by("application__call__eurocluster__acronym", "-countersigned_at",
                      "application__organisation__legal_name", "pk"))
