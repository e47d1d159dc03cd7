"""The eligibility rules of an FSTP call. Pure: plain data in, plain results out; no database.

``run(facts)`` applies the rules the call has chosen to the facts of one submitted version and
returns one ``Check`` per rule and enterprise: pass, fail or review, with a reason. A reason is an
untranslated message with its parameters, so that it is translated when a person reads it and the
stored result does not depend on the language of the worker.

``overall(checks)``: any fail makes the application ineligible, otherwise any review sends it to a
manager, otherwise it is eligible.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from applications.sme import CEILINGS, Figures, Holding, SmeClass, aggregate, classify

CENT = Decimal("0.01")
# Above this turnover per annual work unit the figures are sent to a person to check: a typo
# (thousands for units) is likelier than a two-person firm selling EUR 10 M a year.
REVIEW_TURNOVER_PER_AWU = Decimal("2000000")
DE_MINIMIS_YEARS = 3


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation (``makemessages`` knows the name); shown translated."""
    return message


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    REVIEW = "review"


class Overall(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    NEEDS_REVIEW = "needs_review"


@dataclass(frozen=True)
class Check:
    rule: str
    outcome: Outcome
    message: str
    params: Mapping[str, str | int] = field(default_factory=dict)
    # The enterprise the check is about ("" when it is about the application as a whole).
    subject: str = ""

    def as_dict(self) -> dict:
        return {"rule": self.rule, "outcome": self.outcome.value, "message": self.message,
                "params": dict(self.params), "subject": self.subject}

    @property
    def text(self) -> str:
        """The reason in English, as stored; pages translate ``message`` instead."""
        return self.message % self.params


@dataclass(frozen=True)
class Enterprise:
    name: str
    identifier: str
    country: str
    country_name: str
    figures: Figures
    holdings: tuple[Holding, ...] = ()


@dataclass(frozen=True)
class Grant:
    """Support already selected or contracted for an enterprise, on any call of the portal."""

    reference: str
    amount: Decimal


@dataclass(frozen=True)
class OtherProposal:
    """Another submitted proposal of the same call that shares an enterprise with this one."""

    reference: str
    version_id: int
    submitted_at: datetime
    lead_identifier: str
    member_identifiers: frozenset[str]


@dataclass(frozen=True)
class PartnerRecord:
    name: str
    identifier: str


@dataclass(frozen=True)
class VoucherBounds:
    name: str
    min_amount: Decimal
    max_amount: Decimal
    min_size: int
    max_size: int
    min_countries: int


@dataclass(frozen=True)
class CallSettings:
    rules: frozenset[str]
    eligible_countries: frozenset[str]
    de_minimis_ceiling: Decimal
    third_party_cap: Decimal
    allow_partner_in_several_proposals: bool = False


@dataclass(frozen=True)
class Facts:
    call: CallSettings
    lead: Enterprise
    submitted_at: datetime
    submitted_on: date
    members: tuple[Enterprise, ...] = ()
    voucher: VoucherBounds | None = None
    requested_amount: Decimal | None = None
    de_minimis_aid: tuple[tuple[date, Decimal], ...] = ()
    required_documents: Mapping[int, str] = field(default_factory=dict)
    attached_documents: frozenset[int] = frozenset()
    required_declarations: tuple[str, ...] = ()
    ticked_declarations: frozenset[str] = frozenset()
    partners: tuple[PartnerRecord, ...] = ()
    earlier_grants: Mapping[str, tuple[Grant, ...]] = field(default_factory=dict)
    other_proposals: tuple[OtherProposal, ...] = ()

    @property
    def enterprises(self) -> tuple[Enterprise, ...]:
        return (self.lead, *self.members)

    @property
    def consortium_size(self) -> int:
        return 1 + len(self.members)


def eur(amount: Decimal) -> str:
    """12345.5 -> "12,345.50": amounts in reasons read like amounts."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,}"


def share_of(amount: Decimal, size: int) -> Decimal:
    """Each enterprise's part of a grant to ``size`` enterprises: equal shares, to the cent."""
    return (amount / size).quantize(CENT, rounding=ROUND_HALF_UP)


def _compact_name(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


# --- enterprise-level rules: the lead and every consortium member ------------------------------


def check_country(facts: Facts) -> list[Check]:
    checks = []
    for enterprise in facts.enterprises:
        params = {"name": enterprise.name, "country": enterprise.country_name}
        if enterprise.country in facts.call.eligible_countries:
            checks.append(Check("country", Outcome.PASS, gettext_noop(
                "%(name)s is established in %(country)s, an eligible country."), params,
                enterprise.name))
        else:
            checks.append(Check("country", Outcome.FAIL, gettext_noop(
                "%(name)s is established in %(country)s, which is not among the countries "
                "eligible for this call."), params, enterprise.name))
    return checks


def check_sme(facts: Facts) -> list[Check]:
    checks = []
    medium = CEILINGS[-1]
    for enterprise in facts.enterprises:
        total = aggregate(enterprise.figures, enterprise.holdings)
        params = {"name": enterprise.name, "staff": f"{total.staff:f}",
                  "turnover": eur(total.turnover), "balance_sheet": eur(total.balance_sheet),
                  "staff_limit": f"{medium[1]:f}", "turnover_limit": eur(medium[2]),
                  "balance_limit": eur(medium[3])}
        sme_class = classify(total)
        if sme_class is SmeClass.NOT_SME:
            if total.staff >= medium[1]:
                message = gettext_noop(
                    "%(name)s is not an SME: %(staff)s staff (annual work units, with partner and "
                    "linked enterprises) reach the limit of %(staff_limit)s.")
            else:
                message = gettext_noop(
                    "%(name)s is not an SME: turnover EUR %(turnover)s is above EUR "
                    "%(turnover_limit)s and balance-sheet total EUR %(balance_sheet)s is above "
                    "EUR %(balance_limit)s (with partner and linked enterprises).")
            checks.append(Check("sme", Outcome.FAIL, message, params, enterprise.name))
            continue
        per_awu = total.turnover / max(total.staff, Decimal(1))
        if per_awu > REVIEW_TURNOVER_PER_AWU:
            params["per_awu"] = eur(per_awu)
            checks.append(Check("sme", Outcome.REVIEW, gettext_noop(
                "The figures of %(name)s look inconsistent: turnover EUR %(turnover)s with "
                "%(staff)s staff is EUR %(per_awu)s per annual work unit. Please check them "
                "against the annual accounts."), params, enterprise.name))
            continue
        params["class"] = sme_class.value
        checks.append(Check("sme", Outcome.PASS, gettext_noop(
            "%(name)s is an SME (%(class)s): %(staff)s staff, turnover EUR %(turnover)s, "
            "balance-sheet total EUR %(balance_sheet)s, with partner and linked enterprises."),
            params, enterprise.name))
    return checks


def three_years_before(day: date) -> date:
    try:
        return day.replace(year=day.year - DE_MINIMIS_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year - DE_MINIMIS_YEARS, day=28)


def check_de_minimis(facts: Facts) -> list[Check]:
    """The lead's declared aid over the 3 years before submission plus this grant, at most the
    ceiling. Consortium members declare no aid on the form, so only the lead is checked."""
    name = facts.lead.name
    since = three_years_before(facts.submitted_on)
    future = [granted for granted, _amount in facts.de_minimis_aid if granted > facts.submitted_on]
    earlier = sum((amount for granted, amount in facts.de_minimis_aid
                   if since <= granted <= facts.submitted_on), Decimal(0))
    requested = facts.requested_amount or Decimal(0)
    total = earlier + requested
    params = {"name": name, "earlier": eur(earlier), "requested": eur(requested),
              "total": eur(total), "ceiling": eur(facts.call.de_minimis_ceiling),
              "since": since.isoformat()}
    if total > facts.call.de_minimis_ceiling:
        return [Check("de_minimis", Outcome.FAIL, gettext_noop(
            "De minimis aid of %(name)s since %(since)s (EUR %(earlier)s) plus this request "
            "(EUR %(requested)s) makes EUR %(total)s, above the ceiling of EUR %(ceiling)s."),
            params, name)]
    if future:
        params["date"] = min(future).isoformat()
        return [Check("de_minimis", Outcome.REVIEW, gettext_noop(
            "%(name)s declared de minimis aid granted on %(date)s, after the submission; a "
            "manager must check the date."), params, name)]
    return [Check("de_minimis", Outcome.PASS, gettext_noop(
        "De minimis aid of %(name)s since %(since)s (EUR %(earlier)s) plus this request "
        "(EUR %(requested)s) makes EUR %(total)s, within the ceiling of EUR %(ceiling)s."),
        params, name)]


def check_third_party_cap(facts: Facts) -> list[Check]:
    """Earlier grants to the same enterprise (by VAT or registration number) on any call plus its
    share of this request, at most the cap. A consortium's grant is shared equally."""
    checks = []
    requested = facts.requested_amount or Decimal(0)
    share = share_of(requested, facts.consortium_size)
    for enterprise in facts.enterprises:
        grants = facts.earlier_grants.get(enterprise.identifier, ())
        earlier = sum((grant.amount for grant in grants), Decimal(0))
        total = earlier + share
        params = {"name": enterprise.name, "earlier": eur(earlier), "share": eur(share),
                  "total": eur(total), "cap": eur(facts.call.third_party_cap),
                  "grants": ", ".join(grant.reference for grant in grants) or "-"}
        if total > facts.call.third_party_cap:
            checks.append(Check("third_party_cap", Outcome.FAIL, gettext_noop(
                "%(name)s already has EUR %(earlier)s selected or contracted (%(grants)s); with "
                "EUR %(share)s from this request that makes EUR %(total)s, above the maximum of "
                "EUR %(cap)s per third party."), params, enterprise.name))
        else:
            checks.append(Check("third_party_cap", Outcome.PASS, gettext_noop(
                "%(name)s: EUR %(earlier)s already selected or contracted plus EUR %(share)s "
                "from this request makes EUR %(total)s, within the maximum of EUR %(cap)s per "
                "third party."), params, enterprise.name))
    return checks


def check_not_partner(facts: Facts) -> list[Check]:
    by_identifier = {p.identifier: p for p in facts.partners if p.identifier}
    by_name = {_compact_name(p.name): p for p in facts.partners}
    checks = []
    for enterprise in facts.enterprises:
        partner = by_identifier.get(enterprise.identifier)
        if partner is not None:
            checks.append(Check("not_partner", Outcome.FAIL, gettext_noop(
                "%(name)s has the registration number of %(partner)s, a partner of the "
                "Eurocluster running this call; partners cannot receive its support."),
                {"name": enterprise.name, "partner": partner.name}, enterprise.name))
            continue
        partner = by_name.get(_compact_name(enterprise.name))
        if partner is not None:
            checks.append(Check("not_partner", Outcome.REVIEW, gettext_noop(
                "%(name)s has the name of %(partner)s, a partner of the Eurocluster, but another "
                "registration number; a manager must check whether they are the same."),
                {"name": enterprise.name, "partner": partner.name}, enterprise.name))
            continue
        checks.append(Check("not_partner", Outcome.PASS, gettext_noop(
            "%(name)s is not a partner of the Eurocluster running this call."),
            {"name": enterprise.name}, enterprise.name))
    return checks


def check_one_proposal(facts: Facts) -> list[Check]:
    """One proposal per enterprise: of two led by the same enterprise the later one counts. An SME
    leading one proposal and partner in another goes to a manager, unless the call allows it."""
    lead = facts.lead
    later = sorted((p for p in facts.other_proposals if p.lead_identifier == lead.identifier
                    and p.submitted_at > facts.submitted_at), key=lambda p: p.submitted_at)
    if later:
        return [Check("one_proposal", Outcome.FAIL, gettext_noop(
            "%(name)s submitted a later proposal to this call (%(other)s); only the last one "
            "submitted counts."), {"name": lead.name, "other": later[-1].reference}, lead.name)]
    if not facts.call.allow_partner_in_several_proposals:
        for other in facts.other_proposals:
            if lead.identifier in other.member_identifiers:
                return [Check("one_proposal", Outcome.REVIEW, gettext_noop(
                    "%(name)s leads this proposal and is also a consortium member of %(other)s "
                    "in the same call; a manager must decide which proposal stands."),
                    {"name": lead.name, "other": other.reference}, lead.name)]
            for member in facts.members:
                if member.identifier == other.lead_identifier:
                    return [Check("one_proposal", Outcome.REVIEW, gettext_noop(
                        "%(name)s is a consortium member of this proposal and also leads "
                        "%(other)s in the same call; a manager must decide which proposal "
                        "stands."), {"name": member.name, "other": other.reference},
                        member.name)]
    return [Check("one_proposal", Outcome.PASS, gettext_noop(
        "This is the only proposal of %(name)s in this call."), {"name": lead.name}, lead.name)]


# --- application-level rules ------------------------------------------------------------------


def check_documents(facts: Facts) -> list[Check]:
    missing = [name for pk, name in facts.required_documents.items()
               if pk not in facts.attached_documents]
    if missing:
        return [Check("documents", Outcome.FAIL, gettext_noop(
            "Required documents are missing: %(missing)s."), {"missing": "; ".join(missing)})]
    return [Check("documents", Outcome.PASS, gettext_noop(
        "All %(count)s required documents are attached."),
        {"count": len(facts.required_documents)})]


def check_declarations(facts: Facts) -> list[Check]:
    missing = [code for code in facts.required_declarations
               if code not in facts.ticked_declarations]
    if missing:
        return [Check("declarations", Outcome.FAIL, gettext_noop(
            "%(count)s declaration(s) of honour were not ticked."),
            {"count": len(missing), "missing": ", ".join(missing)})]
    return [Check("declarations", Outcome.PASS, gettext_noop(
        "All declarations of honour are ticked."))]


def check_amount(facts: Facts) -> list[Check]:
    voucher, amount = facts.voucher, facts.requested_amount
    if voucher is None or amount is None:
        return [Check("amount", Outcome.FAIL, gettext_noop(
            "No voucher type or no requested amount was given."))]
    params = {"amount": eur(amount), "min": eur(voucher.min_amount),
              "max": eur(voucher.max_amount), "voucher": voucher.name}
    if voucher.min_amount <= amount <= voucher.max_amount:
        return [Check("amount", Outcome.PASS, gettext_noop(
            "The request of EUR %(amount)s is within the range of %(voucher)s (EUR %(min)s to "
            "EUR %(max)s)."), params)]
    return [Check("amount", Outcome.FAIL, gettext_noop(
        "The request of EUR %(amount)s is outside the range of %(voucher)s (EUR %(min)s to EUR "
        "%(max)s)."), params)]


def check_consortium(facts: Facts) -> list[Check]:
    voucher = facts.voucher
    if voucher is None:
        return [Check("consortium", Outcome.FAIL, gettext_noop("No voucher type was chosen."))]
    size = facts.consortium_size
    countries = len({enterprise.country for enterprise in facts.enterprises})
    params = {"voucher": voucher.name, "size": size, "min_size": voucher.min_size,
              "max_size": voucher.max_size, "countries": countries,
              "min_countries": voucher.min_countries}
    if not voucher.min_size <= size <= voucher.max_size:
        return [Check("consortium", Outcome.FAIL, gettext_noop(
            "%(voucher)s is for %(min_size)s to %(max_size)s SMEs; this proposal has "
            "%(size)s."), params)]
    if countries < voucher.min_countries:
        return [Check("consortium", Outcome.FAIL, gettext_noop(
            "%(voucher)s needs SMEs from at least %(min_countries)s countries; this proposal has "
            "%(countries)s."), params)]
    return [Check("consortium", Outcome.PASS, gettext_noop(
        "%(size)s SME(s) from %(countries)s country(ies), within the bounds of %(voucher)s."),
        params)]


RULES: dict[str, Callable[[Facts], list[Check]]] = {
    "country": check_country,
    "sme": check_sme,
    "de_minimis": check_de_minimis,
    "third_party_cap": check_third_party_cap,
    "not_partner": check_not_partner,
    "one_proposal": check_one_proposal,
    "documents": check_documents,
    "declarations": check_declarations,
    "amount": check_amount,
    "consortium": check_consortium,
}


def run(facts: Facts) -> list[Check]:
    """Every check of the rules the call applies, in the order of ``RULES``."""
    checks: list[Check] = []
    for code, rule in RULES.items():
        if code in facts.call.rules:
            checks.extend(rule(facts))
    return checks


def overall(checks: Iterable[Check]) -> Overall:
    outcomes = {check.outcome for check in checks}
    if Outcome.FAIL in outcomes:
        return Overall.INELIGIBLE
    if Outcome.REVIEW in outcomes:
        return Overall.NEEDS_REVIEW
    return Overall.ELIGIBLE
