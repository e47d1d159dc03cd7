"""Generation of grant agreements (WeasyPrint), and the commitment checks that keep a call within
its budget and an enterprise within the per-third-party cap.

Money is committed when an agreement is generated: the call's row and the enterprise's
ThirdParty row are locked (SELECT ... FOR UPDATE, in that order) while the sums are read and the
agreement written, so two managers, or two workers, generating at the same moment are serialised
and the second one sees the first one's agreement.
"""

import logging
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from applications.identifiers import identity_key
from applications.models import Application
from calls.models import OpenCall
from payments import pdf
from payments.models import GrantAgreement, ThirdParty, agreement_path
from payments.selectors.agreements import (
    agreement_amount,
    agreement_document,
    applications_missing_agreements,
    brussels,
    committed_to_call,
    committed_to_third_party,
    latest_content,
)
from portal.audit import audit_record
from portal.errors import DomainError
from portal.formats import eur
from portal.languages import language_of
from portal.notifications import notify
from portal.queue import enqueue_on_commit
from portal.site import absolute_url

logger = logging.getLogger(__name__)


class CommitmentExceeded(DomainError):
    """The call's budget or the per-third-party cap would be exceeded."""


def _check_commitments(*, call: OpenCall, third_party: ThirdParty, application: Application,
                       amount: Decimal) -> None:
    """Raise CommitmentExceeded, with the figures, when ``amount`` does not fit the call's budget
    or the enterprise's cap. Call with the call's and the third party's rows locked."""
    in_call = committed_to_call(call, excluding_application_id=application.pk)
    if in_call + amount > call.budget:
        raise CommitmentExceeded(
            _("This agreement would take the call over its budget: %(committed)s already "
              "committed + %(amount)s = %(total)s, more than the budget of %(budget)s.")
            % {"committed": eur(in_call), "amount": eur(amount),
               "total": eur(in_call + amount), "budget": eur(call.budget)})
    to_enterprise = committed_to_third_party(third_party.pk,
                                             excluding_application_id=application.pk)
    cap = call.max_support_per_third_party
    if to_enterprise + amount > cap:
        raise CommitmentExceeded(
            _("This agreement would take %(name)s over the maximum support per third party: "
              "%(committed)s already committed to it across the portal + %(amount)s = "
              "%(total)s, more than %(cap)s.")
            % {"name": application.organisation.legal_name, "committed": eur(to_enterprise),
               "amount": eur(amount), "total": eur(to_enterprise + amount),
               "cap": eur(cap)})


def _locked_third_party(application: Application) -> ThirdParty:
    organisation = application.organisation
    key = identity_key(organisation.registration_number, str(organisation.country))
    third_party, _created = ThirdParty.objects.get_or_create(identity_key=key)
    return ThirdParty.objects.select_for_update().get(pk=third_party.pk)


def _render(application: Application, agreement: GrantAgreement, content: dict | None) -> bytes:
    """The agreement in the call's language (``OpenCall.language``), with a courtesy translation
    of its cover first when the beneficiary reads another one."""
    legal, reader = application.call.language, language_of(application.created_by)
    with translation.override(legal):
        context = agreement_document(application=application, agreement=agreement,
                                     content=content)
        context.update(agreement_language=legal,
                       agreement_language_name=str(dict(settings.LANGUAGES)[legal]))
    if reader != legal:
        with translation.override(reader):
            cover = agreement_document(application=application, agreement=agreement,
                                       content=content)
            cover["agreement_language_name"] = str(dict(settings.LANGUAGES)[legal])
        context["courtesy_cover"] = mark_safe(  # noqa: S308 -- our own template's output
            pdf.courtesy_cover(context=cover, language=reader))
    with translation.override(legal):
        return pdf.agreement_pdf(context=context,
                                 template_source=application.call.agreement_template or "")


def _store(field, data: bytes) -> str:
    """Write ``data`` to the file field (private storage, a random name); return its hash."""
    field.save("agreement.pdf", ContentFile(data), save=False)
    return pdf.sha256_hex(data)


def _remove_orphans(application: Application) -> None:
    """Remove the PDFs an earlier attempt wrote for ``application`` without committing its
    agreement (a worker killed mid-transaction, an error after the file was stored). Call with
    the application locked and no agreement yet: no committed row names a file in its folder."""
    storage = GrantAgreement._meta.get_field("file").storage
    folder = agreement_path(SimpleNamespace(application_id=application.pk), "").rsplit("/", 1)[0]
    try:
        _dirs, names = storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in names:
        try:
            storage.delete(f"{folder}/{name}")
        except OSError:
            logger.warning("could not remove the orphan agreement file %s/%s", folder, name)
        else:
            logger.info("removed the orphan agreement file %s/%s", folder, name)


def _delete_on_commit(storage, name: str) -> None:
    def delete() -> None:
        try:
            storage.delete(name)
        except OSError:  # already gone: nothing to clean
            logger.warning("could not delete the replaced agreement file %s", name)

    transaction.on_commit(delete)


def _mail_ready(agreement: GrantAgreement, *, regenerated: bool) -> None:
    application = agreement.application
    notify(recipient=application.organisation.user, kind="payments.agreement_ready",
           link=reverse("payments:agreement", kwargs={"pk": application.pk}),
                   context={"application": application, "call": application.call,
                            "agreement": agreement, "regenerated": regenerated,
                            "deadline": brussels(agreement.signing_deadline),
                            "amount": eur(agreement.amount),
                            "url": absolute_url(reverse(
                                "payments:agreement", kwargs={"pk": application.pk}))})


@transaction.atomic(durable=True)
def agreement_generate(*, application: Application, by: Any = None,
                       regenerate: bool = False) -> GrantAgreement:
    """Generate the grant agreement of a selected application, or return the existing one.

    Locks the application, the call and the enterprise's ThirdParty row (made if new), checks the
    money (CommitmentExceeded, with the figures, when the call's live agreements plus this one
    exceed its budget, or the enterprise's live agreements on every call of the portal plus this
    one exceed the call's per-third-party cap), renders the PDF (the call's template or the
    standard one) and stores it privately with its SHA-256; the deadline to sign is now plus the
    call's ``signing_days``. The amount is the one requested in the last submitted version.

    An existing agreement is returned unchanged, unless ``regenerate``: then, while nobody has
    signed, a new revision replaces the document (new file and hash, same deadline and code);
    DomainError once signed or declined. Audited (``agreement_generated`` or
    ``agreement_regenerated``); the beneficiary is e-mailed after commit. DomainError when the
    application is not selected. Runs in a transaction of its own (durable): called inside
    another one, it raises RuntimeError.
    """
    application = (Application.objects.select_for_update(of=("self",))
                   .select_related("call__eurocluster", "organisation__user")
                   .get(pk=application.pk))
    existing = GrantAgreement.objects.select_for_update().filter(
        application_id=application.pk).first()
    if existing is not None and not regenerate:
        return existing
    if existing is None and application.status != Application.Status.SELECTED:
        raise DomainError(_("Only a selected application gets a grant agreement; %(app)s is "
                            "“%(status)s”.") % {"app": application,
                                                "status": application.get_status_display()})
    if existing is not None and (existing.status != GrantAgreement.Status.GENERATED
                                 or existing.signatures.exists()):
        raise DomainError(_("The agreement can be generated again only while nobody has signed "
                            "it; it is “%(status)s”.") % {"status": existing.get_status_display()})
    content = latest_content(application)
    amount = agreement_amount(application, content)
    if amount is None or amount <= 0:
        raise DomainError(_("%(app)s has no requested amount: there is nothing to grant.")
                          % {"app": application})

    now = timezone.now()
    if existing is None:
        _remove_orphans(application)
        agreement = GrantAgreement(
            application=application, amount=amount, generated_at=now,
            signing_deadline=now + timedelta(days=application.call.signing_days))
        old_file, old_hash = None, ""
    else:
        agreement = existing
        old_file, old_hash = existing.file.name, existing.sha256
        agreement.revision += 1
        agreement.amount, agreement.generated_at = amount, now
    agreement.application = application
    # Rendered under the application's lock only: the call's lock, which every agreement of the
    # call needs for the money check, is held for a few queries, not for the rendering, so the
    # worker's processes render a call's agreements side by side (bench lifecycle).
    data = _render(application, agreement, content)
    call = OpenCall.objects.select_for_update().get(pk=application.call_id)
    application.call = call
    third_party = _locked_third_party(application)
    _check_commitments(call=call, third_party=third_party, application=application,
                       amount=amount)
    agreement.third_party = third_party
    agreement.sha256 = _store(agreement.file, data)
    agreement.save()
    if old_file:
        _delete_on_commit(agreement.file.storage, old_file)
    audit_record(subject=agreement, action="agreement_regenerated" if existing else
                 "agreement_generated", actor=by,
                 data={"revision": agreement.revision, "sha256": agreement.sha256,
                       "previous_sha256": old_hash, "amount": str(amount),
                       "third_party": third_party.identity_key, "bytes": len(data)})
    _mail_ready(agreement, regenerated=existing is not None)
    return agreement


def agreements_generate_missing(*, call: OpenCall | None = None) -> int:
    """Queue the generation of every missing agreement (selected applications of calls whose
    results are published), of ``call`` or of every call. Returns how many were queued."""
    ids = list(applications_missing_agreements(call).values_list("pk", flat=True))
    for application_id in ids:
        enqueue_on_commit("payments.generate_agreement", application_id=application_id)
    return len(ids)

