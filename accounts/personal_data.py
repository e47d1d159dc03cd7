"""Where each app says what personal data it holds about a person (GDPR): for the export, the
erasure and the retention.

accounts is the lowest app and knows none of the others' models, yet a person's data is spread
over all of them (memberships, enterprise and applications, reviews, agreements and bank details,
activities, exports). So each app registers a ``Contributor`` from its ``AppConfig.ready()``
(through its ``hooks.py``), as it registers its role in ``accounts.roles``; the services in
``accounts.services`` ask every contributor in turn. Each contributor answers for its own rows
only:

- ``export(user)``: a JSON-ready section about the person, and the files the person may take
  with them (their own uploads, their signed agreements);
- ``holds(user)``: the records a legal retention applies to (FSTP records under the Financial
  Regulation: submitted applications, reviews, agreements, payments), each with the Eurocluster
  whose last payment starts the clock;
- ``erase(user)``: delete what no retention covers (drafts never submitted, profiles, memberships)
  and blank the personal fields it keeps;
- ``purge(user)``: delete the held records once their retention has run out.

payments registers the retention clock (the last payment of each Eurocluster), which the apps
below it cannot see.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class ExportFile:
    """A stored file for the export ZIP, under ``path`` (``<section>/...``)."""

    path: str
    file: FieldFile


@dataclass
class Section:
    """What one app holds about the person: rows as plain JSON data, and files."""

    data: dict[str, Any] = field(default_factory=dict)
    files: list[ExportFile] = field(default_factory=list)


@dataclass(frozen=True)
class Hold:
    """A record kept for a legal retention: why (shown to the person), which Eurocluster's last
    payment starts the clock, and the record's own date (the clock starts from it when the
    Eurocluster has not paid anything later)."""

    reason: str
    eurocluster_id: int
    since: datetime


@dataclass(frozen=True)
class Contributor:
    name: str
    # Erasure and purge run from the highest app down (reports before agreements before
    # applications): each deletes its rows before the rows they point at.
    layer: int
    export: Callable[[Any], Section]
    holds: Callable[[Any], list[Hold]]
    erase: Callable[[Any], None]
    purge: Callable[[Any], None]


_CONTRIBUTORS: dict[str, Contributor] = {}
LastPayments = Callable[[Iterable[int]], Mapping[int, datetime]]
_CLOCK: list[LastPayments] = []


def register_contributor(contributor: Contributor) -> None:
    """Register (or replace, so that a second ``ready()`` is harmless) ``contributor``."""
    _CONTRIBUTORS[contributor.name] = contributor


def contributors() -> list[Contributor]:
    """Every contributor, the highest layer first."""
    return sorted(_CONTRIBUTORS.values(), key=lambda c: (-c.layer, c.name))


def register_last_payments(provider: LastPayments) -> None:
    """payments says when each Eurocluster last paid (the retention clock)."""
    _CLOCK[:] = [provider]


def last_payments(eurocluster_ids: Iterable[int]) -> Mapping[int, datetime]:
    ids = set(eurocluster_ids)
    if not _CLOCK or not ids:
        return {}
    return _CLOCK[0](ids)


def add_months(moment: datetime | date, months: int) -> datetime | date:
    """``moment`` ``months`` calendar months later (the 31st becomes the month's last day)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    days_in_month = (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days
    return moment.replace(year=year, month=month, day=min(moment.day, days_in_month))


def retained_until(holds: list[Hold]) -> datetime | None:
    """When the held records may go: the latest of each hold's clock (the Eurocluster's last
    payment, or the record's own date when later) plus the retention years; None without
    holds."""
    if not holds:
        return None
    paid = last_payments(h.eurocluster_id for h in holds)
    starts = [max(h.since, paid.get(h.eurocluster_id, h.since)) for h in holds]
    return add_months(max(starts), 12 * settings.PORTAL_RETENTION_YEARS_AFTER_LAST_PAYMENT)


@dataclass(frozen=True)
class RetentionRow:
    what: str
    kept: str


def retention_table() -> list[RetentionRow]:
    """The retention periods, from the settings, as the privacy page and the README print them."""
    months = settings.PORTAL_RETENTION_DRAFT_MONTHS_AFTER_CLOSE
    days = settings.PORTAL_RETENTION_UNCONFIRMED_SIGNUP_DAYS
    exports = settings.EXPORT_KEEP_DAYS
    years = settings.PORTAL_RETENTION_YEARS_AFTER_LAST_PAYMENT
    return [
        RetentionRow(_("Applications never submitted (drafts)"),
                     ngettext("%(n)d month after the call closed",
                              "%(n)d months after the call closed", months) % {"n": months}),
        RetentionRow(_("Sign-ups whose e-mail address was never confirmed"),
                     ngettext("%(n)d day after signing up", "%(n)d days after signing up",
                              days) % {"n": days}),
        RetentionRow(_("Exports built for managers"),
                     ngettext("%(n)d day", "%(n)d days", exports) % {"n": exports}),
        RetentionRow(_("Submitted applications, evaluations, grant agreements, bank details, "
                       "reports and payments (records of the cascade funding)"),
                     ngettext("%(n)d year after the last payment of the Eurocluster that ran "
                              "the call",
                              "%(n)d years after the last payment of the Eurocluster that ran "
                              "the call", years) % {"n": years}),
        RetentionRow(_("Your account"),
                     _("Until you delete it; pseudonymised while records of the cascade funding "
                       "must be kept")),
    ]
