"""Reads whose SQL the ORM builds once per process: the deadline rush's hottest reads.

For a read of one row by its key, building and compiling the query (the joins, the select list
of every model it loads, the quoting) costs the web process more CPU than the database takes to
answer it: for an application with its call, Eurocluster, voucher type and enterprise, about
1 ms against 0.15 (``make loadtest``, README "Load test"). A :class:`PreparedRead` compiles its
queryset once per database connection and language, with placeholder ids, and then runs that
SQL with the real ids; the ORM still makes the model instances (``select_related`` included)
and runs the queryset's ``prefetch_related`` as usual.

Only integer parameters (ids), and only querysets that depend on nothing else: the queryset is
built once, so a builder that branched on an id, or read the time or the person, would be wrong
for every later call. A builder whose SQL does not carry each id exactly once is refused when
first used.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.utils.translation import get_language

M = TypeVar("M", bound=Model)

# Placeholders no id ever takes: below zero, yet inside a 32-bit integer column's range (Django
# compiles a lookup outside a column's range to "no rows", without parameters).
_PLACEHOLDER_BASE = -(2**31) + 1


@dataclass(frozen=True)
class _Plan:
    queryset: QuerySet
    compiler: SQLCompiler
    sql: str
    # Per SQL parameter: the name of the read's parameter it takes, or "" for a constant.
    slots: tuple[str, ...]
    constants: tuple[Any, ...]


class PreparedRead(Generic[M]):
    """``build(**ids)`` made once per connection and language, then run with each call's ids.

    ``PreparedRead(lambda pk: Application.objects.filter(pk=pk), "pk")`` then
    ``read.fetch(pk=12)`` returns the list of rows, ``read.first(pk=12)`` the first or None.
    """

    def __init__(self, build: Callable[..., QuerySet], *parameters: str,
                 using: str = DEFAULT_DB_ALIAS) -> None:
        if not parameters:
            raise ValueError("a prepared read takes at least one id")
        self.build = build
        self.parameters = parameters
        self.using = using
        self._key = object()  # this read's own key in a connection's plans

    def _plan(self) -> _Plan:
        placeholders = {name: _PLACEHOLDER_BASE + n for n, name in enumerate(self.parameters)}
        queryset = self.build(**placeholders).using(self.using)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in placeholders.items()}
        slots = tuple(by_value.get(value, "") if type(value) is int else "" for value in params)
        for name in self.parameters:
            if slots.count(name) != 1:
                raise ValueError(f"prepared read: parameter {name!r} appears "
                                 f"{slots.count(name)} times in its SQL, not once")
        constants = tuple(None if slot else value for slot, value in zip(slots, params,
                                                                         strict=True))
        return _Plan(queryset=queryset, compiler=compiler, sql=sql, slots=slots,
                     constants=constants)

    def _plan_for(self) -> _Plan:
        # Kept on the connection object, which Django keeps per thread: a plan (its compiler is
        # bound to the connection) is never shared between threads. The language is part of the
        # key because django-modeltranslation writes filters on translated fields per language.
        plans = connections[self.using].__dict__.setdefault("_portal_prepared_reads", {})
        key = (self._key, get_language())
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = self._plan()
        return plan

    def fetch(self, **ids: int) -> list[M]:
        if set(ids) != set(self.parameters):
            raise TypeError(f"prepared read takes {sorted(self.parameters)}, got {sorted(ids)}")
        for name, value in ids.items():
            if type(value) is not int:
                raise TypeError(f"prepared read: {name} must be an int, not {type(value).__name__}")
        plan = self._plan_for()
        database = connections[self.using]
        # The compiler's own check, which the replayed SQL skips.
        if (plan.queryset.query.select_for_update and database.features.has_select_for_update
                and database.get_autocommit()):
            raise TransactionManagementError("select_for_update cannot be used outside of a "
                                             "transaction.")
        params = [ids[slot] if slot else constant
                  for slot, constant in zip(plan.slots, plan.constants, strict=True)]
        replay = copy.copy(plan.compiler)
        replay.as_sql = lambda *args, **kwargs: (plan.sql, params)
        queryset = plan.queryset.all()
        # This clone only: a read's queryset is never handed out, so nothing chains from it.
        queryset.query.get_compiler = lambda *args, **kwargs: replay
        return list(queryset)

    def first(self, **ids: int) -> M | None:
        rows = self.fetch(**ids)
        return rows[0] if rows else None
