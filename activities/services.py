"""Every write of support activities: recording, changing and deleting an activity, adding and
removing its participants (by hand or from a CSV file, checked first and confirmed after). Each
change writes an audit line on the activity. Views call these; nothing else saves these models.

A participant is kept under its identity key (``applications.identifiers.identity_key``), once
per activity. A business agreement is an activity whose participants are its parties: it is
recorded with two parties at least and never left with fewer.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from activities import participants_csv
from activities.models import Activity, Participant, ParticipantImport
from activities.selectors import country_lookup, taken_identities
from applications.identifiers import InvalidIdentifier, identity_key, normalise_identifier
from applications.models import Organisation
from euroclusters.models import Eurocluster
from portal.audit import audit_record
from portal.errors import DomainError
from portal.scanning import upload_scan
from portal.uploads import safe_filename

ACTIVITY_FIELDS = ("kind", "title", "starts_on", "ends_on", "place", "online", "objective",
                   "notes")
# An upload not confirmed within a day is dropped at the next upload.
STAGED_FOR = timedelta(days=1)


class ActivityRefused(DomainError):
    pass


class ParticipantRefused(DomainError):
    pass


@dataclass(frozen=True)
class NewParticipant:
    """An organisation entered by hand: its name, ISO country code and VAT or registration
    number (as typed; the service normalises it)."""

    name: str
    country: str
    registration_number: str


@dataclass(frozen=True)
class ImportResult:
    added: int
    # Lines accepted in the preview that someone added by hand before the confirmation.
    skipped_lines: list[int] = field(default_factory=list)


# --- activities -------------------------------------------------------------------------------


def _check_activity(data: Mapping[str, Any]) -> None:
    if not str(data.get("title", "")).strip():
        raise ActivityRefused(_("Give the activity a title."))
    if data.get("kind") not in Activity.Kind.values:
        raise ActivityRefused(_("Choose the type of the activity."))
    ends_on: date | None = data.get("ends_on")
    if ends_on is not None and ends_on < data["starts_on"]:
        raise ActivityRefused(_("The last day (%(end)s) is before the first day (%(start)s).")
                              % {"end": ends_on.isoformat(),
                                 "start": data["starts_on"].isoformat()})
    if not data.get("online") and not str(data.get("place", "")).strip():
        raise ActivityRefused(_("Give the place of the activity, or tick “online”."))


def _parties_refusal(count: int) -> ActivityRefused:
    return ActivityRefused(
        _("A business agreement has at least two parties; %(n)d given. Give both parties of "
          "the agreement (more can be added afterwards).") % {"n": count})


@transaction.atomic
def activity_create(*, eurocluster: Eurocluster, by: Any, data: Mapping[str, Any],
                    parties: Sequence[NewParticipant | Organisation] = ()) -> Activity:
    """Record an activity of ``eurocluster`` with ``parties`` as its first participants.

    Raises ActivityRefused for missing or inconsistent fields and for a business agreement with
    fewer than two parties, ParticipantRefused for a party that cannot be added (invalid number,
    the same organisation twice): then nothing is recorded.
    """
    _check_activity(data)
    if data["kind"] == Activity.Kind.BUSINESS_AGREEMENT and len(parties) < Activity.MIN_PARTIES:
        raise _parties_refusal(len(parties))
    activity = Activity.objects.create(
        eurocluster=eurocluster, created_by=by,
        **{name: data.get(name, Activity._meta.get_field(name).get_default())
           for name in ACTIVITY_FIELDS})
    audit_record(subject=activity, action="created", actor=by,
                 data={"kind": activity.kind, "title": activity.title,
                       "starts_on": activity.starts_on.isoformat()})
    for party in parties:
        _add(activity, party, by)
    return activity


def _audit_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@transaction.atomic
def activity_update(*, activity: Activity, by: Any, data: Mapping[str, Any]) -> Activity:
    """Change the fields of ``activity``; the audit line names each changed field with its old
    and new value (nothing is written when nothing changed).

    Raises ActivityRefused like ``activity_create``, and when an activity with fewer than two
    participants would become a business agreement.
    """
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    _check_activity(data)
    if data["kind"] == Activity.Kind.BUSINESS_AGREEMENT and activity.kind != data["kind"]:
        count = activity.participants.count()
        if count < Activity.MIN_PARTIES:
            raise ActivityRefused(
                _("This activity has %(n)d participant(s); a business agreement has at least "
                  "two parties. Add its parties as participants first, then change the type.")
                % {"n": count})
    changed = {}
    for name in ACTIVITY_FIELDS:
        if name not in data:
            continue
        old, new = getattr(activity, name), data[name]
        if old != new:
            changed[name] = [_audit_value(old), _audit_value(new)]
            setattr(activity, name, new)
    if not changed:
        return activity
    activity.save()
    audit_record(subject=activity, action="updated", actor=by, data={"changed": changed})
    return activity


# --- participants -----------------------------------------------------------------------------


def _locked(activity: Activity) -> Activity:
    # Adds, removals and imports of one activity take turns: the two-party rule of business
    # agreements and the once-per-activity check read what the others write.
    return Activity.objects.select_for_update().get(pk=activity.pk)


def _identity(party: NewParticipant | Organisation) -> tuple[Organisation | None, str, str, str]:
    """(organisation, name, country, normalised number) of ``party``, or ParticipantRefused."""
    if isinstance(party, Organisation):
        return party, party.legal_name, party.country.code, party.registration_number
    name = " ".join(party.name.split())
    if not name:
        raise ParticipantRefused(_("Give the name of the organisation."))
    country = party.country.strip().upper()
    if country not in countries:
        raise ParticipantRefused(_("Choose the country of the organisation."))
    try:
        number = normalise_identifier(party.registration_number, country)
    except InvalidIdentifier as error:
        raise ParticipantRefused(str(error)) from None
    # An enterprise of the portal entered by its number is linked, as if it had been picked.
    organisation = (Organisation.objects.filter(registration_number=number, country=country)
                    .order_by("pk").first())
    return organisation, name, country, number


def _add(activity: Activity, party: NewParticipant | Organisation, by: Any) -> Participant:
    organisation, name, country, number = _identity(party)
    key = identity_key(number, country)
    existing = activity.participants.filter(identity_key=key).first()
    if existing is not None:
        raise ParticipantRefused(
            _("“%(name)s” (%(number)s) is already a participant of this activity.")
            % {"name": existing.name, "number": number})
    participant = Participant.objects.create(
        activity=activity, organisation=organisation, name=name, country=country,
        registration_number=number, identity_key=key, added_by=by)
    audit_record(subject=activity, action="participant_added", actor=by,
                 data={"participant": participant.pk, "name": name, "country": country,
                       "identity_key": key, "organisation": organisation.pk if organisation
                       else None})
    return participant


@transaction.atomic
def participant_add(*, activity: Activity, by: Any,
                    party: NewParticipant | Organisation) -> Participant:
    """Add ``party`` (an enterprise of the portal, or one entered by hand) to ``activity``.

    Raises ParticipantRefused for a missing name or country, a number the identifiers module
    refuses (with its reason), or an organisation that already takes part.
    """
    return _add(_locked(activity), party, by)


@transaction.atomic
def participant_remove(*, participant: Participant, by: Any) -> None:
    """Remove ``participant`` from its activity.

    Raises ParticipantRefused when that would leave a business agreement with fewer than two
    parties.
    """
    activity = _locked(participant.activity)
    if (activity.is_business_agreement
            and activity.participants.count() <= Activity.MIN_PARTIES):
        raise ParticipantRefused(
            _("A business agreement keeps at least two parties: add the right party before "
              "removing “%(name)s”.") % {"name": participant.name})
    data = {"participant": participant.pk, "name": participant.name,
            "country": participant.country.code, "identity_key": participant.identity_key}
    Participant.objects.filter(pk=participant.pk).delete()
    audit_record(subject=activity, action="participant_removed", actor=by, data=data)


@transaction.atomic
def activity_delete(*, activity: Activity, by: Any, reason: str = "") -> None:
    """Delete ``activity`` with its participants and staged imports (the KPIs stop counting
    them). The audit line, kept on the deleted activity's id, records what it was: its fields,
    its Eurocluster and each participant (name, country, identity key), and ``reason``."""
    activity = _locked(activity)
    participants = [{"participant": p.pk, "name": p.name, "country": p.country.code,
                     "identity_key": p.identity_key}
                    for p in activity.participants.order_by("pk")]
    audit_record(subject=activity, action="deleted", actor=by, reason=reason.strip(), data={
        "eurocluster": activity.eurocluster_id,
        **{name: _audit_value(getattr(activity, name)) for name in ACTIVITY_FIELDS},
        "participants": participants})
    # The participants and staged imports go with it (on_delete=CASCADE).
    Activity.objects.filter(pk=activity.pk).delete()


# --- the CSV import ---------------------------------------------------------------------------


def participants_import_check(*, activity: Activity, by: Any, filename: str,
                              data: bytes) -> ParticipantImport:
    """Read the CSV file ``data`` and keep its rows, accepted or refused, for ``by`` to confirm.

    Changes no participant. Drops ``by``'s earlier unconfirmed files of the activity and every
    file left unconfirmed for a day. Raises ParticipantRefused when the file cannot be read as
    a whole (empty, over 1 MB or 5,000 rows, not UTF-8 text, without the three columns), and
    UploadInfected (audited on the activity) when the virus scanner finds a threat in it. The
    file itself is never stored, only the rows read from it: when the scanner cannot be reached
    the rows are read all the same.
    """
    # Scanned before the transaction: a refusal must stay audited when it rolls back.
    upload_scan(ContentFile(data, name=filename or "participants.csv"), subject=activity, by=by)
    return _import_stage(activity=activity, by=by, filename=filename, data=data)


@transaction.atomic
def _import_stage(*, activity: Activity, by: Any, filename: str,
                  data: bytes) -> ParticipantImport:
    try:
        rows = participants_csv.read(data, countries=country_lookup(),
                                     taken=taken_identities(activity))
    except participants_csv.UnreadableFile as error:
        raise ParticipantRefused(str(error)) from None
    ParticipantImport.objects.filter(activity=activity, created_by=by).delete()
    ParticipantImport.objects.filter(created_at__lt=timezone.now() - STAGED_FOR).delete()
    return ParticipantImport.objects.create(
        activity=activity, created_by=by, rows=[row.as_dict() for row in rows],
        filename=safe_filename(filename, default="participants.csv")[:200])


@transaction.atomic
def participants_import_confirm(*, staged: ParticipantImport, by: Any) -> ImportResult:
    """Add the accepted rows of ``staged`` as participants of its activity, then drop it.

    A row whose organisation became a participant since the check is skipped (its line is
    returned). One audit line on the activity names the file and the counts.
    """
    activity = _locked(staged.activity)
    staged = ParticipantImport.objects.select_for_update().get(pk=staged.pk)
    taken = set(activity.participants.values_list("identity_key", flat=True))
    accepted = staged.accepted
    numbers = {(row["registration_number"], row["country"]) for row in accepted}
    organisations = {}
    for organisation in (Organisation.objects.filter(
            registration_number__in={number for number, _country in numbers})
            .order_by("-pk")):
        organisations[(organisation.registration_number, organisation.country.code)] = \
            organisation
    new, skipped = [], []
    for row in accepted:
        if row["identity_key"] in taken:
            skipped.append(row["line"])
            continue
        taken.add(row["identity_key"])
        new.append(Participant(
            activity=activity, name=row["name"], country=row["country"],
            registration_number=row["registration_number"], identity_key=row["identity_key"],
            organisation=organisations.get((row["registration_number"], row["country"])),
            added_by=by))
    Participant.objects.bulk_create(new)
    audit_record(subject=activity, action="participants_imported", actor=by,
                 data={"file": staged.filename, "added": len(new),
                       "refused": len(staged.refused), "skipped_lines": skipped,
                       "identity_keys": [p.identity_key for p in new]})
    staged.delete()
    return ImportResult(added=len(new), skipped_lines=skipped)
