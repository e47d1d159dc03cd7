"""What a submission checks and freezes: the items still missing, the content of a version and
its hash. Reads of a loaded application, no writes: ``application_submit`` and the submit page use
the same rules.
"""

import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from applications.models import Application, Declaration
from portal import formats


def missing_items(application: Application, declarations: Iterable[str] = ()) -> list[str]:
    """Everything that stops ``application`` from being submitted, in words; empty when ready."""
    missing: list[str] = []
    call = application.call
    voucher = application.voucher_type
    if voucher is None:
        missing.append(_("Choose a voucher type."))
    for name, label in (("title", _("project title")), ("acronym", _("acronym")),
                        ("summary", _("summary"))):
        if not (getattr(application, name) or "").strip():
            missing.append(_("Fill in the %(field)s.") % {"field": label})
    sections = application.sections or {}
    for section in call.description_sections:
        text = (sections.get(section["key"]) or "").strip()
        if not text:
            missing.append(_("Fill in the section “%(title)s”.") % {"title": section["title"]})
        elif section.get("max_chars") and len(text) > section["max_chars"]:
            missing.append(_("Shorten the section “%(title)s” to %(max)d characters "
                             "(it has %(n)d).")
                           % {"title": section["title"], "max": section["max_chars"],
                              "n": len(text)})
    amount = application.requested_amount
    if amount is None:
        missing.append(_("Enter the requested amount."))
    elif voucher is not None and not voucher.min_amount <= amount <= voucher.max_amount:
        missing.append(_("The requested amount must be between EUR %(min)s and EUR %(max)s for "
                         "%(voucher)s.") % {"min": formats.amount(voucher.min_amount),
                                            "max": formats.amount(voucher.max_amount),
                                            "voucher": voucher.name})
    lines = list(application.budget_lines.all())
    if not lines:
        missing.append(_("Add at least one budget line."))
    elif amount is not None and sum((line.amount for line in lines), Decimal(0)) != amount:
        missing.append(_("The budget lines add up to EUR %(total)s but the requested amount is "
                         "EUR %(amount)s.") % {"total": sum(line.amount for line in lines),
                                                "amount": amount})
    if application.planned_start is None:
        missing.append(_("Enter the planned start date."))
    if not application.duration_months:
        missing.append(_("Enter the duration in months."))
    if voucher is not None:
        members = list(application.members.all())
        size = 1 + len(members)
        if not voucher.min_consortium_size <= size <= voucher.max_consortium_size:
            if voucher.max_consortium_size == 1:
                missing.append(_("%(voucher)s is for a single SME: remove the partners.")
                               % {"voucher": voucher.name})
            else:
                missing.append(_("%(voucher)s needs %(min)d to %(max)d SMEs including yours "
                                 "(now %(n)d).") % {"voucher": voucher.name,
                                                    "min": voucher.min_consortium_size,
                                                    "max": voucher.max_consortium_size, "n": size})
        countries = {str(application.organisation.country)} | {str(m.country) for m in members}
        if len(countries) < voucher.min_countries:
            missing.append(_("%(voucher)s needs SMEs from at least %(min)d countries (now %(n)d).")
                           % {"voucher": voucher.name, "min": voucher.min_countries,
                              "n": len(countries)})
    # A file waiting for its virus scan is not attached yet: it counts once scanned clean.
    present = {a.required_document_id for a in application.attachments.all()
               if a.removed_at is None and a.is_servable}
    pending = {a.required_document_id for a in application.attachments.all()
               if a.removed_at is None and a.is_scan_pending}
    for document in call.required_documents.all():
        if document.is_mandatory and document.pk not in present:
            if document.pk in pending:
                missing.append(_("“%(name)s” is waiting for its virus scan: it counts as "
                                 "attached once scanned (usually within minutes).")
                               % {"name": document.name})
            else:
                missing.append(_("Upload “%(name)s” (PDF).") % {"name": document.name})
    ticked = set(declarations)
    for declaration in Declaration:
        if declaration.value not in ticked:
            missing.append(_("Tick the declaration: %(text)s") % {"text": declaration.label})
    return missing


def snapshot(application: Application, declarations: Iterable[str]) -> dict:
    """The content of a version: everything the evaluators and the rules will read."""
    organisation = application.organisation
    return {
        "call": application.call.reference,
        "voucher_type": application.voucher_type.name if application.voucher_type else None,
        "voucher_type_id": application.voucher_type_id,
        "title": application.title,
        "acronym": application.acronym,
        "summary": application.summary,
        "sections": {s["key"]: (application.sections or {}).get(s["key"], "")
                     for s in application.call.description_sections},
        "topics": list(application.topics or []),
        "requested_amount": str(application.requested_amount),
        "planned_start": application.planned_start.isoformat(),
        "duration_months": application.duration_months,
        "budget_lines": [
            {"category": line.category, "description": line.description,
             "amount": str(line.amount)} for line in application.budget_lines.all()
        ],
        "members": [
            {"legal_name": m.legal_name, "registration_number": m.registration_number,
             "country": str(m.country), "contact_email": m.contact_email,
             "staff_headcount": str(m.staff_headcount), "annual_turnover": str(m.annual_turnover),
             "balance_sheet_total": str(m.balance_sheet_total), "role": m.role}
            for m in application.members.all()
        ],
        "organisation": {
            "legal_name": organisation.legal_name,
            "registration_number": organisation.registration_number,
            "country": str(organisation.country),
            "address": f"{organisation.street}, {organisation.postcode} {organisation.city}",
            "nace_code": organisation.nace_code,
            "year_founded": organisation.year_founded,
            "staff_headcount": str(organisation.staff_headcount),
            "annual_turnover": str(organisation.annual_turnover),
            "balance_sheet_total": str(organisation.balance_sheet_total),
            "sme_class": organisation.sme_class.value,
            "related_enterprises": [
                {"name": r.name, "country": str(r.country), "share_percent": str(r.share_percent),
                 "staff_headcount": str(r.staff_headcount),
                 "annual_turnover": str(r.annual_turnover),
                 "balance_sheet_total": str(r.balance_sheet_total)}
                for r in organisation.related_enterprises.all()
            ],
            "de_minimis_aid": [
                {"granted_on": a.granted_on.isoformat(), "granting_body": a.granting_body,
                 "amount": str(a.amount)} for a in organisation.de_minimis_aid.all()
            ],
        },
        "attachments": [
            {"id": a.pk, "document": a.required_document.name if a.required_document else None,
             "required_document_id": a.required_document_id, "name": a.original_name,
             "size": a.size, "sha256": a.sha256}
            for a in application.attachments.all() if a.removed_at is None and a.is_servable
        ],
        "declarations": sorted(declarations),
    }


def content_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
