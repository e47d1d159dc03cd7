"""The facts the eligibility rules look at, read from the database in a fixed number of queries.

The enterprise data come from the submitted version (what the applicant declared at submission),
the settings from the call as it stands, and the cross-call facts (earlier grants, other proposals,
the Eurocluster's partners) from the live records.
"""

from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django_countries import countries

from applications.eligibility import (
    CallSettings,
    Enterprise,
    Facts,
    Grant,
    OtherProposal,
    PartnerRecord,
    VoucherBounds,
    share_of,
)
from applications.identifiers import identity_key
from applications.models import Application, ApplicationVersion, ConsortiumMember, Declaration
from applications.sme import Figures, Holding
from calls.models import OpenCall, VoucherType
from euroclusters.models import Partner

S = Application.Status
# Support that counts against the cap per third party: selected or contracted, on any call.
FUNDED = (S.SELECTED, S.CONTRACTED, S.IN_PROGRESS, S.COMPLETED)
# Proposals that are in a call: submitted at least once and not withdrawn.
IN_CALL = tuple(status for status in S if status not in (S.DRAFT, S.WITHDRAWN))


def _figures(data: dict) -> Figures:
    return Figures(Decimal(data["staff_headcount"]), Decimal(data["annual_turnover"]),
                   Decimal(data["balance_sheet_total"]))


def _enterprise(data: dict, holdings: tuple[Holding, ...] = ()) -> Enterprise:
    return Enterprise(
        name=data["legal_name"], identifier=data["registration_number"],
        country=data["country"], country_name=str(countries.name(data["country"]) or
                                                  data["country"]),
        figures=_figures(data), holdings=holdings,
    )


def call_settings(call: OpenCall) -> CallSettings:
    return CallSettings(
        rules=frozenset(call.eligibility_rules),
        eligible_countries=frozenset(call.eligible_countries),
        de_minimis_ceiling=call.de_minimis_ceiling,
        third_party_cap=call.max_support_per_third_party,
        allow_partner_in_several_proposals=call.allow_partner_in_several_proposals,
    )


def _involving(identifiers: set[str]) -> QuerySet:
    """The ids of the applications that one of ``identifiers`` leads or takes part in.

    A UNION of two indexed look-ups: an OR across the join to the members cannot use the
    registration-number indexes, and made every check scan the applications.
    """
    led = (Application.objects.filter(organisation__registration_number__in=identifiers)
           .order_by().values("pk"))
    joined = (ConsortiumMember.objects.filter(registration_number__in=identifiers)
              .order_by().values("application_id"))
    return led.union(joined)


def _earlier_grants(application: Application,
                    identifiers: set[str]) -> dict[str, tuple[Grant, ...]]:
    """Each identifier's share of the support selected or contracted on any call of the portal."""
    funded = (
        Application.objects.filter(status__in=FUNDED, pk__in=_involving(identifiers))
        .exclude(pk=application.pk)
        .select_related("call", "organisation")
    )
    funded = list(funded)
    # Every member of those consortia, not only the matching ones: the share divides by the
    # whole consortium. (A Count annotated after the filter on ``members`` would count only the
    # members that matched the filter.)
    member_rows = ConsortiumMember.objects.filter(
        application__in=[a.pk for a in funded],
    ).values_list("application_id", "registration_number")
    members_of: dict[int, list[str]] = {}
    for application_id, number in member_rows:
        members_of.setdefault(application_id, []).append(number)
    grants: dict[str, list[Grant]] = {}
    for other in funded:
        members = members_of.get(other.pk, [])
        share = share_of(other.requested_amount or Decimal(0), 1 + len(members))
        holders = {number for number in members if number in identifiers}
        if other.organisation.registration_number in identifiers:
            holders.add(other.organisation.registration_number)
        for number in holders:
            grants.setdefault(number, []).append(
                Grant(reference=other.receipt_prefix, amount=share))
    return {number: tuple(found) for number, found in grants.items()}


def other_proposals(application: Application, identifiers: set[str]) -> tuple[OtherProposal, ...]:
    """Other proposals of the call in which one of ``identifiers`` leads or takes part."""
    latest = ApplicationVersion.objects.filter(application=OuterRef("pk")).order_by("-number")
    others = list(
        Application.objects.filter(call_id=application.call_id, status__in=IN_CALL,
                                   pk__in=_involving(identifiers))
        .exclude(pk=application.pk)
        .annotate(version_id=Subquery(latest.values("pk")[:1]),
                  version_at=Subquery(latest.values("submitted_at")[:1]))
        .select_related("call", "organisation")
    )
    members = ConsortiumMember.objects.filter(
        application__in=[other.pk for other in others]
    ).values_list("application_id", "registration_number")
    members_of: dict[int, set[str]] = {}
    for application_id, number in members:
        members_of.setdefault(application_id, set()).add(number)
    return tuple(
        OtherProposal(reference=other.receipt_prefix, version_id=other.version_id,
                      submitted_at=other.version_at,
                      lead_identifier=other.organisation.registration_number,
                      member_identifiers=frozenset(members_of.get(other.pk, ())))
        for other in others if other.version_id is not None
    )


def eligibility_facts(version: ApplicationVersion) -> Facts:
    """Everything the rules need about ``version`` (loaded with its application and call)."""
    application = version.application
    call = application.call
    content = version.content
    organisation = content["organisation"]
    holdings = tuple(
        Holding(Decimal(row["share_percent"]), _figures(row))
        for row in organisation.get("related_enterprises", ())
    )
    lead = _enterprise(organisation, holdings)
    members = tuple(_enterprise(row) for row in content.get("members", ()))
    identifiers = {enterprise.identifier for enterprise in (lead, *members)}

    voucher = None
    voucher_type = VoucherType.objects.filter(pk=content.get("voucher_type_id"),
                                              call_id=call.pk).first()
    if voucher_type is not None:
        voucher = VoucherBounds(
            name=voucher_type.name, min_amount=voucher_type.min_amount,
            max_amount=voucher_type.max_amount, min_size=voucher_type.min_consortium_size,
            max_size=voucher_type.max_consortium_size, min_countries=voucher_type.min_countries,
        )
    required = {document.pk: document.name
                for document in call.required_documents.filter(is_mandatory=True)}
    partners = tuple(
        PartnerRecord(name=partner.name,
                      identifier=identity_key(partner.registration_number, partner.country.code)
                      if partner.registration_number else "")
        for partner in Partner.objects.filter(eurocluster_id=call.eurocluster_id)
    )
    amount = content.get("requested_amount")
    submitted_on = timezone.localdate(version.submitted_at)
    return Facts(
        call=call_settings(call),
        lead=lead,
        members=members,
        submitted_at=version.submitted_at,
        submitted_on=submitted_on,
        voucher=voucher,
        requested_amount=Decimal(amount) if amount not in (None, "None") else None,
        de_minimis_aid=tuple(
            (date.fromisoformat(row["granted_on"]), Decimal(row["amount"]))
            for row in organisation.get("de_minimis_aid", ())
        ),
        required_documents=required,
        attached_documents=frozenset(
            row["required_document_id"] for row in content.get("attachments", ())
            if row.get("required_document_id")
        ),
        required_declarations=tuple(Declaration.values),
        ticked_declarations=frozenset(content.get("declarations", ())),
        partners=partners,
        earlier_grants=_earlier_grants(application, identifiers),
        other_proposals=other_proposals(application, identifiers),
    )
