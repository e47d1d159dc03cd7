"""Reads of the agreements part: who sees which agreement, the money committed to a call and to
an enterprise, what the agreement document shows, the manager's list and the public check."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django_countries import countries

from applications.models import Application
from applications.selectors import calls_managed_by, current_version
from calls.models import OpenCall, TrancheStep
from euroclusters.models import Membership, Partner
from euroclusters.rules import eurocluster_ids_with_role
from evaluation.models import Ranking
from payments.models import GrantAgreement, Signature
from payments.money import split
from payments.selectors.beneficiary import agreement_of
from portal.formats import brussels, eur
from portal.site import absolute_url


def eurocluster_title(name: str) -> str:
    """The Eurocluster's name followed by "Eurocluster", unless it already ends with it:
    "DREAM – …" gives "DREAM – … Eurocluster", "Silicon Europe Eurocluster" stays as it is."""
    name = " ".join((name or "").split())
    if name.casefold().endswith("eurocluster"):
        return name
    return f"{name} Eurocluster"


# --- money committed -----------------------------------------------------------------------------


def _sum(queryset: QuerySet) -> Decimal:
    total = queryset.aggregate(total=Coalesce(Sum("amount"), Value(Decimal("0")),
                                              output_field=DecimalField()))["total"]
    return Decimal(total).quantize(Decimal("0.01"))


def live_agreements() -> QuerySet[GrantAgreement]:
    """Agreements that hold money: every one but the declined (closed ones were paid)."""
    return GrantAgreement.objects.exclude(status=GrantAgreement.Status.DECLINED)


def committed_to_call(call: OpenCall, *, excluding_application_id: int | None = None) -> Decimal:
    """Money committed by the live agreements of ``call`` (the one of an application left out:
    it is being generated again)."""
    queryset = live_agreements().filter(application__call_id=call.pk)
    if excluding_application_id is not None:
        queryset = queryset.exclude(application_id=excluding_application_id)
    return _sum(queryset)


def committed_to_third_party(third_party_id: int, *,
                             excluding_application_id: int | None = None) -> Decimal:
    """Money committed to one enterprise by the live agreements of every call of the portal."""
    queryset = live_agreements().filter(third_party_id=third_party_id)
    if excluding_application_id is not None:
        queryset = queryset.exclude(application_id=excluding_application_id)
    return _sum(queryset)


# --- what the agreement says ---------------------------------------------------------------------


def latest_content(application: Application) -> dict | None:
    """The content of the application's last submitted version, or None (never submitted)."""
    version = current_version(application)
    return version.content if version is not None else None


def agreement_amount(application: Application, content: dict | None = None) -> Decimal | None:
    """The grant: the amount requested in the last submitted version (what was evaluated and
    ranked); the working copy's when there is no version (rows made without submitting)."""
    content = latest_content(application) if content is None else content
    raw = (content or {}).get("requested_amount")
    if raw not in (None, "", "None"):
        return Decimal(raw)
    return application.requested_amount


def coordinator_of(call: OpenCall) -> Partner | None:
    return (Partner.objects.filter(eurocluster_id=call.eurocluster_id, is_coordinator=True)
            .order_by("name").first())


def tranche_schedule(call: OpenCall, amount: Decimal) -> list[dict]:
    """The call's schedule applied to ``amount``: each share to the cent, the last taking the
    remainder (``payments.money.split``, the same split the tranches are created with)."""
    steps = list(call.tranche_steps.order_by("position", "pk"))
    if not steps:
        return []
    amounts = split(amount, [step.percentage for step in steps])
    labels = dict(TrancheStep.Event.choices)
    return [{"number": number, "percentage": f"{step.percentage.normalize():f}",
             "amount": share, "amount_text": eur(share), "event": step.event,
             "event_label": str(labels.get(step.event, step.event))}
            for number, (step, share) in enumerate(zip(steps, amounts, strict=True), start=1)]


def _country_name(code) -> str:
    return str(getattr(code, "name", "") or code)


def verify_url(code: str) -> str:
    return absolute_url(f"{reverse('payments:verify')}?code={code}")


def agreement_document(*, application: Application, agreement: GrantAgreement,
                       content: dict | None) -> dict:
    """Plain data for the agreement template (no model instances: a call's own template is
    written by a manager and reaches nothing else). Project text and consortium members come
    from the last submitted version when there is one; the beneficiary's legal data is the
    enterprise's as it stands now."""
    call = application.call
    organisation = application.organisation
    coordinator = coordinator_of(call)
    project = {"title": application.title, "acronym": application.acronym,
               "summary": application.summary, "duration_months": application.duration_months,
               "planned_start": (brussels(application.planned_start, date_only=True)
                                 if application.planned_start else "")}
    if content:
        project.update({key: content.get(key) or project[key]
                        for key in ("title", "acronym", "summary", "duration_months")})
        members = [{"legal_name": m.get("legal_name", ""),
                    "registration_number": m.get("registration_number", ""),
                    "country": m.get("country", ""),
                    "country_name": str(countries.name(m.get("country", "")) or
                                        m.get("country", "")),
                    "role": m.get("role", "")} for m in content.get("members", [])]
    else:
        members = [{"legal_name": m.legal_name, "registration_number": m.registration_number,
                    "country": str(m.country), "country_name": _country_name(m.country),
                    "role": m.role} for m in application.members.all()]
    amount = agreement.amount
    return {
        "doc": {"number": f"{application.receipt_prefix}-GA", "revision": agreement.revision,
                "generated_on": brussels(agreement.generated_at, date_only=True),
                "signing_deadline": brussels(agreement.signing_deadline),
                "verification_code": agreement.verification_code,
                "verify_url": verify_url(agreement.verification_code)},
        "call": {"reference": call.reference, "title": call.title,
                 "eurocluster_name": call.eurocluster.name,
                 "eurocluster_title": eurocluster_title(call.eurocluster.name),
                 "eurocluster_acronym": call.eurocluster.acronym,
                 "eurocluster_address": call.eurocluster.address,
                 "eurocluster_registration_number": call.eurocluster.registration_number},
        "coordinator": ({"name": coordinator.name, "country": str(coordinator.country),
                         "country_name": _country_name(coordinator.country)}
                        if coordinator else None),
        "beneficiary": {"legal_name": organisation.legal_name,
                        "registration_number": organisation.registration_number,
                        "country": str(organisation.country),
                        "country_name": _country_name(organisation.country),
                        "address": f"{organisation.street}, {organisation.postcode} "
                                   f"{organisation.city}"},
        "members": members,
        "project": project,
        "amount": str(amount),
        "amount_text": eur(amount),
        "tranches": tranche_schedule(call, amount),
    }


def signature_rows(signatures) -> list[dict]:
    """The records of the signature page, in signing order."""
    return [{"role": str(s.get_role_display()), "typed_name": s.typed_name,
             "account": s.signer.get_full_name() if s.signer.full_name else s.signer.email,
             "signed_at": brussels(s.signed_at, seconds=True),
             "ip_address": s.ip_address or "", "user_agent": s.user_agent,
             "document_sha256": s.document_sha256}
            for s in sorted(signatures, key=lambda s: (s.signed_at, s.pk))]


# --- who sees what -------------------------------------------------------------------------------


def agreements_base() -> QuerySet[GrantAgreement]:
    return GrantAgreement.objects.select_related(
        "application__call__eurocluster", "application__organisation__user",
    ).prefetch_related(Prefetch("signatures", queryset=Signature.objects.select_related("signer")))


def agreement_of_beneficiary(user, application_id: int) -> GrantAgreement | None:
    """The agreement of ``application_id`` when ``user`` leads that application, else None."""
    if not user.is_authenticated:
        return None
    return agreements_base().filter(application_id=application_id,
                                    application__organisation__user=user).first()


def agreements_managed_by(user) -> QuerySet[GrantAgreement]:
    """Agreements of the calls of the Euroclusters ``user`` manages (all for a superuser)."""
    queryset = agreements_base()
    if user.is_superuser:
        return queryset
    managed = eurocluster_ids_with_role(user, Membership.Role.MANAGER)
    return queryset.filter(application__call__eurocluster_id__in=managed)


def agreement_calls(user) -> QuerySet[OpenCall]:
    return calls_managed_by(user)


@dataclass
class AgreementsPage:
    call: OpenCall
    applications: list[Application]
    committed: Decimal
    remaining: Decimal
    missing: int


def agreements_page(call: OpenCall) -> AgreementsPage:
    """The manager's list: each application selected or beyond (and any whose agreement was
    declined) with its agreement and signatures; a fixed number of queries."""
    applications = list(
        Application.objects.filter(call=call)
        # Selected and what comes after, and any that has (had) an agreement.
        .filter(Q(status__in=Application.FUNDED) | Q(agreement__isnull=False))
        .select_related("organisation", "agreement")
        .prefetch_related(Prefetch("agreement__signatures",
                                   queryset=Signature.objects.select_related("signer")))
        .order_by("organisation__legal_name", "pk"))
    for application in applications:
        application.agreement_or_none = agreement_of(application)
    committed = committed_to_call(call)
    missing = sum(1 for a in applications
                  if a.status == Application.Status.SELECTED and a.agreement_or_none is None)
    return AgreementsPage(call=call, applications=applications, committed=committed,
                          remaining=call.budget - committed, missing=missing)


def applications_missing_agreements(call: OpenCall | None = None) -> QuerySet[Application]:
    """Selected applications without an agreement, of calls whose results are published."""
    queryset = Application.objects.filter(status=Application.Status.SELECTED,
                                          agreement__isnull=True,
                                          call__ranking__status=Ranking.Status.PUBLISHED)
    if call is not None:
        queryset = queryset.filter(call=call)
    return queryset.order_by("pk")


def verification(code: str) -> dict | None:
    """What the public check may say about the document with ``code``: call reference, state,
    the date of that state and the document's fingerprint; never a name or an amount."""
    code = "".join((code or "").split()).replace("-", "").upper()
    if not code:
        return None
    agreement = (GrantAgreement.objects.select_related("application__call")
                 .prefetch_related("signatures").filter(verification_code=code).first())
    if agreement is None:
        return None
    signed = {s.role: s.signed_at for s in agreement.signatures.all()}
    when = {GrantAgreement.Status.GENERATED: agreement.generated_at,
            GrantAgreement.Status.SIGNED_BY_BENEFICIARY: signed.get(Signature.Role.BENEFICIARY),
            GrantAgreement.Status.COUNTERSIGNED: signed.get(Signature.Role.COUNTERSIGNATORY),
            GrantAgreement.Status.CLOSED: agreement.updated_at,
            GrantAgreement.Status.DECLINED: agreement.updated_at}[agreement.status]
    return {"code": code, "call_reference": agreement.application.call.reference,
            "status": agreement.status, "status_label": agreement.get_status_display(),
            "since": brussels(when, date_only=True),
            "sha256": agreement.final_sha256 or agreement.sha256}
