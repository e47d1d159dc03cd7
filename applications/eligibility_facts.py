"""The facts the eligibility rules look at, read from the database in a fixed number of queries.

The enterprise data come from the submitted version (what the applicant declared at submission),
the settings from the call as it stands, and the cross-call facts (earlier grants, other proposals,
the Eurocluster's partners) from the live records.
"""

import decimal
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
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
from applications.models import Application, ApplicationVersion, Declaration
from applications.sme import Figures, Holding
from calls.models import OpenCall, VoucherType

# Support that counts against the cap per third party: selected or contracted, on any call.
FUNDED = Application.FUNDED
# Proposals that are in a call: submitted at least once and not withdrawn.
IN_CALL = Application.IN_CALL


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


# The applications that one of the enterprises leads or takes part in (a UNION of two indexed
# look-ups: an OR across the join to the members cannot use the registration-number indexes and
# scanned every application), other than this one, that are in this call or funded on any call;
# one row per consortium member, with the latest version. Written in SQL: it runs on every check,
# and the ORM took some 25 times longer to build it than SQLite to answer it. The values of one
# row each are subqueries, not joins: PostgreSQL plans a query on every run, and took longer to
# plan the five-table join than to run it.
INVOLVED_SQL = """
SELECT a.id, a.status, a.call_id, a.requested_amount,
       (SELECT c.reference FROM calls_opencall c WHERE c.id = a.call_id) AS call_reference,
       (SELECT o.registration_number FROM applications_organisation o
        WHERE o.id = a.organisation_id) AS lead_number,
       (SELECT v.id FROM applications_applicationversion v
        WHERE v.application_id = a.id ORDER BY v.number DESC LIMIT 1) AS version_id,
       (SELECT v.submitted_at FROM applications_applicationversion v
        WHERE v.application_id = a.id ORDER BY v.number DESC LIMIT 1) AS version_at,
       m.registration_number AS member_number
FROM applications_application a
LEFT JOIN applications_consortiummember m ON m.application_id = a.id
WHERE a.id IN (
    SELECT led.id FROM applications_application led
    JOIN applications_organisation lead ON lead.id = led.organisation_id
    WHERE lead.registration_number IN ({numbers})
    UNION
    SELECT joined.application_id FROM applications_consortiummember joined
    WHERE joined.registration_number IN ({numbers})
  )
  AND a.id <> %s
  AND ({wanted})
ORDER BY a.updated_at DESC, a.id DESC
"""


# What the check reads of the call and its Eurocluster, in one query rather than three: the
# voucher type the version names, the mandatory documents in the call's order (position, id) and
# the partners (coordinator first, then by name). The first four columns only sort.
CALL_SQL = """
SELECT 'voucher' AS kind, 0 AS sort, NULL AS sort_name, t.id, t.name,
       NULL AS registration_number, NULL AS country, t.min_amount, t.max_amount,
       t.min_consortium_size, t.max_consortium_size, t.min_countries
FROM calls_vouchertype t WHERE t.id = %s AND t.call_id = %s
UNION ALL
SELECT 'document', d.position, NULL, d.id, d.name, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM calls_requireddocument d WHERE d.call_id = %s AND d.is_mandatory
UNION ALL
SELECT 'partner', CASE WHEN p.is_coordinator THEN 0 ELSE 1 END, p.name, p.id, p.name,
       p.registration_number, p.country, NULL, NULL, NULL, NULL, NULL
FROM euroclusters_partner p WHERE p.eurocluster_id = %s
ORDER BY 1, 2, 3, 4
"""
# SQLite keeps a decimal column as an integer or a float; the ORM turns it into a Decimal of 15
# significant digits and the field's places, and so does ``_amount``.
_from_float = decimal.Context(prec=15).create_decimal_from_float
_PLACES = Decimal(1).scaleb(-VoucherType._meta.get_field("min_amount").decimal_places)


def _amount(value: Decimal | float | int) -> Decimal:
    return value if isinstance(value, Decimal) else _from_float(value).quantize(_PLACES)


def _call_records(call: OpenCall, voucher_type_id: object) -> tuple[
        VoucherBounds | None, dict[int, str], tuple[PartnerRecord, ...]]:
    """The bounds of the voucher type (None when the call has no such type), the mandatory
    documents by id and the Eurocluster's partners, read with ``CALL_SQL``."""
    voucher, required, partners = None, {}, []
    with connection.cursor() as cursor:
        cursor.execute(CALL_SQL, [voucher_type_id, call.pk, call.pk, call.eurocluster_id])
        rows = cursor.fetchall()
    for kind, _sort, _sort_name, pk, name, number, country, *bounds in rows:
        if kind == "voucher":
            low, high, min_size, max_size, min_countries = bounds
            voucher = VoucherBounds(name=name, min_amount=_amount(low), max_amount=_amount(high),
                                    min_size=min_size, max_size=max_size,
                                    min_countries=min_countries)
        elif kind == "document":
            required[pk] = name
        else:
            partners.append(PartnerRecord(
                name=name, identifier=identity_key(number, country) if number else ""))
    return voucher, required, tuple(partners)


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _aware(value: datetime | str | None) -> datetime | None:
    # SQLite gives the stored UTC time without its zone where the ORM does not convert it.
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, UTC)
    return value


def _involved(application: Application, identifiers: set[str], *,
              funded: bool) -> list[Application]:
    """The other applications in which one of ``identifiers`` leads or takes part: those of
    ``application``'s call that are in it and, with ``funded``, those selected or contracted on
    any call; newest first, in one query (``INVOLVED_SQL``).

    One row per consortium member (``member_number``, None for a proposal without members) with
    the id and submission time of the latest version (``version_id``, ``version_at``): every
    member, not only the matching ones, as a grant's share divides by the whole consortium.
    """
    numbers = sorted(identifiers)
    if not numbers:
        return []
    wanted = f"a.call_id = %s AND a.status IN ({_placeholders(IN_CALL)})"
    params = [application.call_id, *IN_CALL]
    if funded:
        wanted = f"({wanted}) OR a.status IN ({_placeholders(FUNDED)})"
        params += FUNDED
    sql = INVOLVED_SQL.format(numbers=_placeholders(numbers), wanted=wanted)
    rows = list(Application.objects.raw(sql, [*numbers, *numbers, application.pk, *params]))
    for row in rows:
        # The reference is all that ``receipt_prefix`` reads of the call.
        row.call = OpenCall(pk=row.call_id, reference=row.call_reference)
        row.version_at = _aware(row.version_at)
    return rows


def _by_application(rows: list[Application]) -> dict[Application, list[str]]:
    """The rows of ``_involved`` as each application (newest first) with its members' numbers."""
    members_of: dict[Application, list[str]] = {}
    for row in rows:
        members = members_of.setdefault(row, [])
        if row.member_number is not None:
            members.append(row.member_number)
    return members_of


def _earlier_grants(rows: list[Application],
                    identifiers: set[str]) -> dict[str, tuple[Grant, ...]]:
    """Each identifier's share of the support selected or contracted on any call of the portal."""
    grants: dict[str, list[Grant]] = {}
    for other, members in _by_application(rows).items():
        if other.status not in FUNDED:
            continue
        share = share_of(other.requested_amount or Decimal(0), 1 + len(members))
        holders = {number for number in members if number in identifiers}
        if other.lead_number in identifiers:
            holders.add(other.lead_number)
        for number in holders:
            grants.setdefault(number, []).append(
                Grant(reference=other.receipt_prefix, amount=share))
    return {number: tuple(found) for number, found in grants.items()}


def _other_proposals(application: Application,
                     rows: list[Application]) -> tuple[OtherProposal, ...]:
    return tuple(
        OtherProposal(reference=other.receipt_prefix, version_id=other.version_id,
                      submitted_at=other.version_at,
                      lead_identifier=other.lead_number,
                      member_identifiers=frozenset(members))
        for other, members in _by_application(rows).items()
        if other.call_id == application.call_id and other.status in IN_CALL
        and other.version_id is not None
    )


def other_proposals(application: Application, identifiers: set[str]) -> tuple[OtherProposal, ...]:
    """Other proposals of the call in which one of ``identifiers`` leads or takes part."""
    return _other_proposals(application, _involved(application, identifiers, funded=False))


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

    voucher, required, partners = _call_records(call, content.get("voucher_type_id"))
    involved = _involved(application, identifiers, funded=True)
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
        earlier_grants=_earlier_grants(involved, identifiers),
        other_proposals=_other_proposals(application, involved),
    )
