"""The export of everything the portal holds about a person (GDPR art. 15 and 20): one ZIP with
``data.json`` (a section per app, from ``accounts.personal_data``) and the person's files under
``files/``. Built on request into a temporary file (spooled in memory while small), never kept
on the server."""

import json
import tempfile
import zipfile
from typing import IO

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from accounts.personal_data import ExportFile, contributors
from portal.audit import audit_record
from portal.models import AuditEntry

# Files up to this size stay in memory while the ZIP is built; larger ones go to disk.
SPOOL_BYTES = 8 * 1024 * 1024


def account_section(user) -> dict:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_staff": user.is_staff,
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")],
        # Which second factors are set up, never their secrets.
        "second_factors": [
            {"type": a.type, "created_at": a.created_at, "last_used_at": a.last_used_at}
            for a in Authenticator.objects.filter(user=user).order_by("pk")],
        # What the audit trail records the person doing (its lines hold ids, never names).
        "audit_trail": [
            {"action": e.action, "subject": e.content_type.model, "subject_id": e.object_id,
             "from": e.from_state, "to": e.to_state, "at": e.created_at}
            for e in AuditEntry.objects.filter(actor=user).select_related("content_type")
            .order_by("created_at", "pk")],
    }


def personal_data_collect(*, user) -> tuple[dict, list[ExportFile]]:
    """The JSON document (by section) and the files of ``user``'s export."""
    document = {"account": account_section(user)}
    files: list[ExportFile] = []
    for contributor in sorted(contributors(), key=lambda c: (c.layer, c.name)):
        section = contributor.export(user)
        document[contributor.name] = section.data
        files.extend(section.files)
    return document, files


@transaction.atomic
def personal_data_export(*, user) -> IO[bytes]:
    """A ZIP of ``user``'s data, positioned at its start. Files missing from the storage are
    listed in ``data.json`` under ``missing_files`` instead. Writes an audit line."""
    document, files = personal_data_collect(user=user)
    written, missing = [], []
    # Returned open: the response streams it and closes it.
    archive = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for item in files:
            try:
                with item.file.open("rb") as source, \
                        zipped.open(f"files/{item.path}", "w") as target:
                    for chunk in iter(lambda source=source: source.read(1024 * 1024), b""):
                        target.write(chunk)
            except FileNotFoundError:
                missing.append(item.path)
                continue
            written.append(item.path)
        document["exported_at"] = timezone.now()
        document["files"] = written
        document["missing_files"] = missing
        zipped.writestr("data.json", json.dumps(document, cls=DjangoJSONEncoder, indent=2,
                                                sort_keys=True, ensure_ascii=False))
    audit_record(subject=user, action="personal_data_exported", actor=user,
                 data={"files": len(written)})
    archive.seek(0)
    return archive
