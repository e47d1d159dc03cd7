"""Who may not evaluate which proposal, and how well an evaluator fits one (affinity).

Hard exclusions (never assigned, by the solver or by hand):

- **same organisation**: the evaluator's organisation is the applicant or a consortium member;
- **partner staff**: the evaluator's organisation is a partner of the call's Eurocluster (such an
  evaluator is excluded from every proposal of the call);
- **same country** (only when ``call.exclude_same_country``): the evaluator's country is the
  applicant's or a consortium member's;
- **declared conflict**: the evaluator declared a conflict of interest on this proposal (an
  ``Assignment`` in status ``conflict``).

Organisations are matched by their VAT or registration number, normalised with
``applications.identifiers.identity_key``. When either side has no number, the organisation
names are compared instead, case-insensitively and without punctuation or the usual legal-form
words (GmbH, S.A., Ltd, ...).

**Affinity** of a pair = the number of topics of the proposal (``Application.topics``) that are in
the evaluator's expertise (``EvaluatorProfile.expertise``), compared case-insensitively and
ignoring surrounding spaces. No scaling: an affinity of 2 means two shared topics.

``exclusion_reasons`` answers for one pair (a few queries); ``call_exclusions`` answers for a
whole call in a fixed number of queries, for the solver.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from applications.identifiers import identity_key
from applications.models import Application, ConsortiumMember
from calls.models import OpenCall
from euroclusters.models import Partner
from evaluation.models import Assignment, CallEvaluator, EvaluatorProfile

# Words of legal forms that say nothing about which organisation it is.
LEGAL_FORMS = frozenset({
    "ab", "ag", "as", "asbl", "bv", "bvba", "co", "company", "corp", "corporation", "doo", "eg",
    "ek", "eood", "ev", "gmbh", "inc", "kft", "kg", "limited", "llc", "ltd", "nv", "oy", "oyj",
    "plc", "sa", "sarl", "sas", "sasu", "sl", "sp", "spa", "sprl", "sro", "srl", "zoo",
})


def normalise_name(name: str) -> str:
    """"Pôle SCS S.A.S." and "pole scs" give the same key; an empty name gives ""."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    # "S.A.S." is one word, not three.
    text = re.sub(r"(?<=\w)\.(?=\w)", "", text)
    words = [w for w in re.split(r"[^0-9a-z]+", text) if w and w not in LEGAL_FORMS]
    return " ".join(words)


def _compact(value: str) -> str:
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def normalise_topics(values: Iterable[str]) -> set[str]:
    return {str(v).strip().casefold() for v in values or () if str(v).strip()}


def affinity(topics: Iterable[str], expertise: Iterable[str]) -> int:
    """The number of the proposal's topics in the evaluator's expertise (case-insensitive)."""
    return len(normalise_topics(topics) & normalise_topics(expertise))


@dataclass(frozen=True)
class _Entity:
    """An organisation of a proposal: the applicant or a consortium member."""

    role: str  # "applicant" or "member"
    name: str
    number_key: str  # "" when no number
    name_key: str
    country: str


@dataclass
class _Evaluator:
    id: int
    label: str
    organisation: str
    number: str
    name_key: str
    country: str
    expertise: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, call_evaluator: CallEvaluator) -> _Evaluator:
        try:
            profile = call_evaluator.user.evaluator_profile
        except EvaluatorProfile.DoesNotExist:
            profile = None
        user = call_evaluator.user
        label = (user.get_full_name() if hasattr(user, "get_full_name") else "") or user.email
        return cls(
            id=call_evaluator.pk,
            label=label,
            organisation=profile.organisation if profile else "",
            number=_compact(profile.organisation_number) if profile else "",
            name_key=normalise_name(profile.organisation) if profile else "",
            country=(profile.country.code or "") if profile else "",
            expertise=list(profile.expertise) if profile else [],
        )

    def number_keys(self, countries: Iterable[str]) -> set[str]:
        """The evaluator's number as each of these countries would normalise it.

        The profile has no country for its number, so it is read the way each organisation it is
        compared with reads its own; a VAT number with its prefix gives the same key anyway.
        """
        if not self.number:
            return set()
        keys = {self.number}
        for country in countries:
            if country:
                keys.add(identity_key(self.number, country))
        return keys


def _entities(application: Application) -> list[_Entity]:
    organisation = application.organisation
    result = [_Entity(
        role="applicant", name=organisation.legal_name,
        number_key=(identity_key(organisation.registration_number, organisation.country.code)
                    if organisation.registration_number else ""),
        name_key=normalise_name(organisation.legal_name), country=organisation.country.code,
    )]
    for member in application.members.all():
        result.append(_Entity(
            role="member", name=member.legal_name,
            number_key=(identity_key(member.registration_number, member.country.code)
                        if member.registration_number else ""),
            name_key=normalise_name(member.legal_name), country=member.country.code,
        ))
    return result


def _partner_entity(partner: Partner) -> _Entity:
    return _Entity(
        role="partner", name=partner.name,
        number_key=(identity_key(partner.registration_number, partner.country.code)
                    if partner.registration_number else ""),
        name_key=normalise_name(partner.name), country=partner.country.code,
    )


def _same_organisation(evaluator: _Evaluator, entity: _Entity, number_keys: set[str]) -> bool:
    if evaluator.number and entity.number_key:
        return entity.number_key in number_keys
    return bool(evaluator.name_key) and evaluator.name_key == entity.name_key


class ExclusionIndex:
    """The organisations and countries of a set of proposals, indexed for fast look-ups."""

    def __init__(self, *, call: OpenCall, applications: Iterable[Application],
                 partners: Iterable[Partner], declared: Iterable[tuple[int, int]]):
        self.call = call
        self.entities: dict[int, list[_Entity]] = {}
        self.by_number: dict[str, set[int]] = defaultdict(set)
        self.by_name: dict[str, set[int]] = defaultdict(set)
        self.numberless_names: dict[str, set[int]] = defaultdict(set)
        self.by_country: dict[str, set[int]] = defaultdict(set)
        self.countries: set[str] = set()
        for application in applications:
            entities = _entities(application)
            self.entities[application.pk] = entities
            for entity in entities:
                self.countries.add(entity.country)
                if entity.number_key:
                    self.by_number[entity.number_key].add(application.pk)
                else:
                    self.numberless_names[entity.name_key].add(application.pk)
                if entity.name_key:
                    self.by_name[entity.name_key].add(application.pk)
                if entity.country:
                    self.by_country[entity.country].add(application.pk)
        self.partners = [_partner_entity(p) for p in partners]
        self.countries |= {p.country for p in self.partners}
        self.declared = defaultdict(set)
        for application_id, evaluator_id in declared:
            self.declared[evaluator_id].add(application_id)

    def partner_of(self, evaluator: _Evaluator) -> _Entity | None:
        keys = evaluator.number_keys({p.country for p in self.partners})
        return next((p for p in self.partners if _same_organisation(evaluator, p, keys)), None)

    def excluded(self, evaluator: _Evaluator) -> set[int]:
        """The ids of the proposals this evaluator may not evaluate."""
        if self.partner_of(evaluator) is not None:
            return set(self.entities)
        result = set(self.declared.get(evaluator.id, ()))
        if evaluator.number:
            for key in evaluator.number_keys(self.countries):
                result |= self.by_number.get(key, set())
            # Organisations without a number are matched by name.
            if evaluator.name_key:
                result |= self.numberless_names.get(evaluator.name_key, set())
        elif evaluator.name_key:
            result |= self.by_name.get(evaluator.name_key, set())
        if self.call.exclude_same_country and evaluator.country:
            result |= self.by_country.get(evaluator.country, set())
        return result

    def reasons(self, application_id: int, evaluator: _Evaluator) -> list[str]:
        """Why this evaluator may not evaluate this proposal, one sentence each."""
        reasons = []
        partner = self.partner_of(evaluator)
        if partner is not None:
            reasons.append(_("%(evaluator)s works for %(partner)s, a partner of the "
                             "Eurocluster.") % {"evaluator": evaluator.label,
                                                "partner": partner.name})
        entities = self.entities.get(application_id, [])
        keys = evaluator.number_keys({e.country for e in entities})
        for entity in entities:
            if _same_organisation(evaluator, entity, keys):
                if entity.role == "applicant":
                    text = _("%(evaluator)s works for the applicant, %(name)s.")
                else:
                    text = _("%(evaluator)s works for %(name)s, a member of the consortium.")
                reasons.append(text % {"evaluator": evaluator.label, "name": entity.name})
        if self.call.exclude_same_country and evaluator.country:
            for entity in entities:
                if entity.country == evaluator.country:
                    reasons.append(
                        _("%(evaluator)s lives in %(country)s, like %(name)s, and this call "
                          "excludes evaluators from the applicants' countries.")
                        % {"evaluator": evaluator.label, "country": entity.country,
                           "name": entity.name})
                    break
        if application_id in self.declared.get(evaluator.id, ()):
            reasons.append(_("%(evaluator)s declared a conflict of interest with this "
                             "proposal.") % {"evaluator": evaluator.label})
        return reasons


def _applications_with_members(queryset):
    return queryset.select_related("organisation").prefetch_related(
        Prefetch("members", queryset=ConsortiumMember.objects.order_by("position", "pk")))


def _declared(call_id: int, application_ids=None, evaluator_ids=None):
    queryset = Assignment.objects.filter(application__call_id=call_id,
                                         status=Assignment.Status.CONFLICT)
    if application_ids is not None:
        queryset = queryset.filter(application_id__in=application_ids)
    if evaluator_ids is not None:
        queryset = queryset.filter(evaluator_id__in=evaluator_ids)
    return list(queryset.values_list("application_id", "evaluator_id"))


def exclusion_reasons(*, application: Application, call_evaluator: CallEvaluator) -> list[str]:
    """Why this evaluator may not evaluate this application, one sentence each; [] = allowed."""
    call = application.call
    if call_evaluator.call_id != call.pk:
        return [_("This evaluator is not in the pool of the proposal's call.")]
    index = ExclusionIndex(
        call=call,
        applications=_applications_with_members(Application.objects.filter(pk=application.pk)),
        partners=Partner.objects.filter(eurocluster_id=call.eurocluster_id),
        declared=_declared(call.pk, [application.pk], [call_evaluator.pk]),
    )
    return index.reasons(application.pk, _Evaluator.of(call_evaluator))


def pool_members(call: OpenCall, statuses=(CallEvaluator.Status.ACCEPTED,)):
    return (CallEvaluator.objects.filter(call=call, status__in=statuses)
            .select_related("user__evaluator_profile").order_by("pk"))


@dataclass
class CallExclusions:
    """Everything the solver needs about who fits which proposal of a call."""

    index: ExclusionIndex
    evaluators: dict[int, _Evaluator]
    excluded: set[tuple[int, int]]  # (application_id, call_evaluator_id)

    def reasons(self, application_id: int, call_evaluator_id: int) -> list[str]:
        return self.index.reasons(application_id, self.evaluators[call_evaluator_id])

    def affinity(self, application: Application, call_evaluator_id: int) -> int:
        return affinity(application.topics, self.evaluators[call_evaluator_id].expertise)


def call_exclusions(*, call: OpenCall, applications=None, call_evaluators=None
                    ) -> CallExclusions:
    """The excluded (application_id, call_evaluator_id) pairs of a call, in 5 queries at most.

    ``applications`` defaults to the proposals that can be evaluated (eligible or under
    evaluation), ``call_evaluators`` to the accepted pool; pass querysets or lists already loaded
    (applications with ``organisation`` and ``members``, evaluators with
    ``user__evaluator_profile``) to spare the queries.
    """
    if applications is None:
        applications = Application.objects.filter(
            call=call, status__in=(Application.Status.ELIGIBLE,
                                   Application.Status.UNDER_EVALUATION))
    if not isinstance(applications, list):
        applications = list(_applications_with_members(applications))
    if call_evaluators is None:
        call_evaluators = pool_members(call)
    evaluators = {ce.pk: _Evaluator.of(ce) for ce in call_evaluators}
    index = ExclusionIndex(
        call=call, applications=applications,
        partners=Partner.objects.filter(eurocluster_id=call.eurocluster_id),
        declared=_declared(call.pk),
    )
    excluded = set()
    for evaluator in evaluators.values():
        excluded.update((application_id, evaluator.id)
                        for application_id in index.excluded(evaluator))
    return CallExclusions(index=index, evaluators=evaluators, excluded=excluded)
