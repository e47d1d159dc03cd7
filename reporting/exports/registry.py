"""One definition per export: what it is called, who may have it, its rows (scoped to what the
user may see and filtered like the page) and its columns as (header, accessor, kind).

A definition is a few lines: :func:`register` it in ``definitions.py``. The views, the task and
the writers know nothing of a particular export.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from calls.models import OpenCall
from euroclusters.models import Membership
from euroclusters.rules import eurocluster_ids_in_scope
from portal.errors import DomainError
from reporting.exports.rules import FINANCE_EXPORT, MANAGER_EXPORT, READER_EXPORT
from reporting.exports.writers import Column

MANAGER_ROLES = (Membership.Role.MANAGER,)
FINANCE_ROLES = (Membership.Role.MANAGER, Membership.Role.FINANCE)
# Lists that observers read too (the KPI pages, support activities).
READER_ROLES = (Membership.Role.MANAGER, Membership.Role.OBSERVER)


class NotAllowed(Exception):
    """The user holds none of the export's roles anywhere (403)."""


class NotFound(Exception):
    """The call (or Eurocluster) asked for is not one the user may see (404)."""


class BadFilter(DomainError):
    """A filter value that the page would not offer (400)."""


@dataclass(frozen=True)
class Scope:
    """What one export may contain: the Euroclusters (None: all, a superuser), the call for the
    exports of one call, and the page's filters (already checked)."""

    user: Any
    eurocluster_ids: frozenset[int] | None
    call: OpenCall | None
    filters: Mapping[str, Any]

    def scoped(self, queryset: QuerySet, eurocluster_path: str, call_path: str | None = None):
        if self.eurocluster_ids is not None:
            queryset = queryset.filter(**{f"{eurocluster_path}__in": self.eurocluster_ids})
        if self.call is not None and call_path is not None:
            queryset = queryset.filter(**{call_path: self.call.pk})
        return queryset


@dataclass(frozen=True)
class ExportDefinition:
    name: str
    title: Any  # lazy text
    permission: str
    roles: tuple[str, ...]
    rows: Callable[[Scope], Iterable]
    columns: Callable[[Scope], list[Column]] | list[Column]
    per_call: bool = True
    # name -> parser of the raw GET value (raises BadFilter); only these filters are read.
    filters: Mapping[str, Callable[[str], Any]] | None = None
    # How many rows, when counting them would cost as much as building them (a computed list).
    counter: Callable[[Scope], int] | None = None

    def columns_for(self, scope: Scope) -> list[Column]:
        return self.columns(scope) if callable(self.columns) else list(self.columns)

    def count(self, scope: Scope) -> int:
        if self.counter is not None:
            return self.counter(scope)
        rows = self.rows(scope)
        return rows.count() if isinstance(rows, QuerySet) else len(list(rows))

    def iterate(self, scope: Scope) -> Iterable:
        rows = self.rows(scope)
        return rows.iterator(chunk_size=2000) if isinstance(rows, QuerySet) else rows


REGISTRY: dict[str, ExportDefinition] = {}


def register(definition: ExportDefinition) -> ExportDefinition:
    REGISTRY[definition.name] = definition
    return definition


def manager_export(name, title, *, rows, columns, **kwargs) -> ExportDefinition:
    return register(ExportDefinition(name=name, title=title, permission=MANAGER_EXPORT,
                                     roles=MANAGER_ROLES, rows=rows, columns=columns, **kwargs))


def reader_export(name, title, *, rows, columns, **kwargs) -> ExportDefinition:
    """A list that the Eurocluster's observers read as well as its managers."""
    return register(ExportDefinition(name=name, title=title, permission=READER_EXPORT,
                                     roles=READER_ROLES, rows=rows, columns=columns, **kwargs))


def finance_export(name, title, *, rows, columns, **kwargs) -> ExportDefinition:
    return register(ExportDefinition(name=name, title=title, permission=FINANCE_EXPORT,
                                     roles=FINANCE_ROLES, rows=rows, columns=columns, **kwargs))


def allowed_eurocluster_ids(user, definition: ExportDefinition) -> frozenset[int] | None:
    return eurocluster_ids_in_scope(user, *definition.roles)


def resolve_scope(user, definition: ExportDefinition, params: Mapping[str, str]) -> Scope:
    """The scope of ``definition`` for ``user`` with the query's ``params``.

    Raises NotAllowed without any of the export's roles, NotFound for a call (or Eurocluster)
    outside the user's, BadFilter for a filter value the page would not offer.
    """
    ids = allowed_eurocluster_ids(user, definition)
    if ids == frozenset() or not user.has_perm(definition.permission, None):
        raise NotAllowed
    call = None
    raw_call = params.get("call") or ""
    if raw_call or definition.per_call:
        calls = OpenCall.objects.select_related("eurocluster")
        if ids is not None:
            calls = calls.filter(eurocluster_id__in=ids)
        call = calls.filter(pk=int(raw_call)).first() if raw_call.isdigit() else None
        if call is None or not user.has_perm(definition.permission, call):
            raise NotFound
    raw_eurocluster = params.get("eurocluster") or ""
    if raw_eurocluster:
        if not raw_eurocluster.isdigit() or (ids is not None and int(raw_eurocluster) not in ids):
            raise NotFound
        ids = frozenset({int(raw_eurocluster)})
    filters = {}
    for key, parse in (definition.filters or {}).items():
        raw = (params.get(key) or "").strip()
        if raw:
            filters[key] = parse(raw)
    return Scope(user=user, eurocluster_ids=ids, call=call, filters=filters)


def choice(choices) -> Callable[[str], str]:
    """A filter parser: one of ``choices`` (a TextChoices) or BadFilter."""
    def parse(raw: str) -> str:
        if raw not in choices.values:
            raise BadFilter(_("“%(value)s” is not one of the filter's values.") % {"value": raw})
        return raw
    return parse


def year(raw: str) -> int:
    if not raw.isdigit() or not 1900 < int(raw) < 3000:
        raise BadFilter(_("“%(value)s” is not one of the filter's values.") % {"value": raw})
    return int(raw)


def identifier(raw: str) -> int:
    """A filter parser: the id of a row (which the export's scope still narrows)."""
    if not raw.isdigit() or int(raw) < 1:
        raise BadFilter(_("“%(value)s” is not one of the filter's values.") % {"value": raw})
    return int(raw)


def download_name(name: str, call_reference: str | None, file_format: str) -> str:
    """The file name of an export: ``<call reference>-<name>.<format>`` for a call's export,
    ``<name>.<format>`` otherwise; the same whether it is sent at once or built by a task."""
    stem = f"{call_reference}-{name}" if call_reference else name
    return f"{stem}.{file_format}".replace(" ", "_")


def params_of(query: Mapping[str, str], definition: ExportDefinition) -> dict[str, str]:
    """The query parameters that the export reads, for an Export row (nothing else is kept)."""
    keys = ["call", "eurocluster", *(definition.filters or {})]
    return {key: query[key] for key in keys if query.get(key)}
