"""Reads whose SQL the ORM builds once per process: the deadline rush's hottest reads.

For a read of one row by its key, building and compiling the query (the joins, the select list
of every model it loads, the quoting) costs the web process more CPU than the database takes to
answer it: for an application with its call, Eurocluster, voucher type and enterprise, about
1 ms against 0.15 (``make loadtest``, README "Load test"). A :class:`PreparedRead` compiles its
queryset once per database connection and language, with placeholder ids, and then runs that
SQL with the real ids; the ORM still makes the model instances (``select_related`` included).
Prefetch after the read, with ``prefetch_related_objects`` or, for one instance's rows of a
reverse foreign key, a :class:`PreparedRelated`: a queryset with prefetches is refused, since its
``Prefetch`` objects would be shared by every later read. On PostgreSQL the SQL is also a
server-side prepared statement, once per server connection (``_prepared``), so that the server
does not parse and plan it again either; not behind a transaction pooler
(``settings.DATABASE_PREPARED_STATEMENTS``).

Only integer parameters (ids), and only querysets that depend on nothing else: the queryset is
built once, so a builder that read the time or the person would be wrong for every later call.
The queryset is compiled twice, with two sets of placeholders, when first used, and refused
unless the two SQL texts are the same and their parameters differ exactly where each id goes,
once each: a builder that branched on an id, or a condition Django drops for a value out of a
column's range, is caught there rather than answered wrongly.
"""

import copy
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.utils.translation import get_language

M = TypeVar("M", bound=Model)

# Two sets of placeholders, each inside the range of every integer column (a small positive
# integer's included: Django compiles a lookup outside a column's range to "no rows" or drops
# it), one odd and one even.
_PLACEHOLDERS = (30_001, 31_002)
# The ids a bigint column holds: beyond them, no row (the ORM's answer, without a query).
_BIGINT = range(-(2**63), 2**63)
# Names of server-side prepared statements, unique in the process.
_STATEMENT_NUMBERS = itertools.count(1)
_PLACEHOLDER = re.compile(r"%s|%%")
_EXECUTE = re.compile(r"EXECUTE (portal_read_\d+)\(")
# Each prepared statement's SQL as Django compiled it (``readable``).
_STATEMENTS: dict[str, str] = {}


@dataclass(frozen=True)
class _Plan:
    queryset: QuerySet
    compiler: SQLCompiler
    sql: str
    # Per SQL parameter: the name of the read's parameter it takes, or "" for a constant.
    slots: tuple[str, ...]
    constants: tuple[Any, ...]
    # The selected columns and their converters from database values (to dates, decimals,
    # JSON): the compiler works them out again on every execution, a tenth of a wide read's CPU.
    columns: tuple[Any, ...]
    converters: dict
    # On PostgreSQL (settings.DATABASE_PREPARED_STATEMENTS): the statement's name and its
    # PREPARE; the read then runs "EXECUTE name(...)", which the server neither parses nor
    # plans again.
    statement: str = ""
    prepare: str = ""


class PreparedRead(Generic[M]):
    """``build(**ids)`` compiled on first use per connection and language, then run with each
    call's ids.

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

    def _compiled(self, base: int) -> tuple[QuerySet, SQLCompiler, str, tuple, dict[str, int]]:
        placeholders = {name: base + n for n, name in enumerate(self.parameters)}
        queryset = self.build(**placeholders).using(self.using)
        if queryset._prefetch_related_lookups:
            raise ValueError("prepared read: prefetch after the read (prefetch_related_objects), "
                             "not in its queryset")
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except (EmptyResultSet, FullResultSet) as error:
            raise ValueError("prepared read: Django compiles this queryset to no condition or "
                             f"no rows for placeholder ids ({type(error).__name__})") from error
        return queryset, compiler, sql, tuple(params), placeholders

    def _plan(self) -> _Plan:
        queryset, compiler, sql, params, first = self._compiled(_PLACEHOLDERS[0])
        _queryset, _compiler, other_sql, other_params, second = self._compiled(_PLACEHOLDERS[1])
        if other_sql != sql or len(other_params) != len(params):
            raise ValueError("prepared read: the SQL depends on the ids")
        slots = []
        for value, other in zip(params, other_params, strict=True):
            if value == other:
                slots.append("")  # a constant
                continue
            names = [name for name in self.parameters
                     if (value, other) == (first[name], second[name])]
            if len(names) != 1:
                raise ValueError("prepared read: a parameter of its SQL changes with the ids "
                                 "but is none of them")
            slots.append(names[0])
        for name in self.parameters:
            if slots.count(name) != 1:
                raise ValueError(f"prepared read: parameter {name!r} appears "
                                 f"{slots.count(name)} times in its SQL, not once")
        constants = tuple(None if slot else value for slot, value in zip(slots, params,
                                                                         strict=True))
        columns = tuple(selected[0] for selected in compiler.select[:compiler.col_count])
        statement = prepare = ""
        if (connections[self.using].vendor == "postgresql"
                and settings.DATABASE_PREPARED_STATEMENTS):
            statement = f"portal_read_{next(_STATEMENT_NUMBERS)}"
            prepare = f"PREPARE {statement} AS {_numbered(sql)}"
        return _Plan(queryset=queryset, compiler=compiler, sql=sql, slots=tuple(slots),
                     constants=constants, columns=columns,
                     converters=compiler.get_converters(columns), statement=statement,
                     prepare=prepare)

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
        if any(value not in _BIGINT for value in ids.values()):
            return []
        plan = self._plan_for()
        database = connections[self.using]
        # The compiler's own check, which the replayed SQL skips.
        if (plan.queryset.query.select_for_update and database.features.has_select_for_update
                and database.get_autocommit()):
            raise TransactionManagementError("select_for_update cannot be used outside of a "
                                             "transaction.")
        params = [ids[slot] if slot else constant
                  for slot, constant in zip(plan.slots, plan.constants, strict=True)]
        sql = plan.sql
        if plan.statement and _prepared(database, plan):
            sql = f"EXECUTE {plan.statement}({', '.join(['%s'] * len(params))})"
        replay = copy.copy(plan.compiler)
        replay.as_sql = lambda *args, **kwargs: (sql, params)
        replay.get_converters = lambda expressions: _converters(plan, replay, expressions)
        queryset = plan.queryset.all()
        # This clone only (Query.clone copied the dict before): a read's queryset is never
        # handed out, so nothing chains from it.
        queryset.query.get_compiler = lambda *args, **kwargs: replay
        return list(queryset)

    def first(self, **ids: int) -> M | None:
        rows = self.fetch(**ids)
        return rows[0] if rows else None


def _numbered(sql: str) -> str:
    """Django's SQL with $1, $2... for its %s placeholders, as PREPARE takes it."""
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(lambda match: "%" if match.group() == "%%" else f"${next(numbers)}",
                            sql)


def _prepared(database, plan: _Plan) -> bool:
    """Whether ``plan``'s statement is prepared on ``database``'s current server connection,
    preparing it if not. A new connection (after CONN_MAX_AGE, an error, a restart) has none:
    the statements are kept per connection object of the driver. A statement the server refuses
    to prepare runs as plain SQL on that connection, as before."""
    database.ensure_connection()
    driver = database.connection
    kept = database.__dict__.get("_portal_statements")
    if kept is None or kept[0] is not driver:
        kept = database.__dict__["_portal_statements"] = (driver, {})
    ready = kept[1].get(plan.statement)
    if ready is None:
        ready = kept[1][plan.statement] = _prepare(database, plan)
    return ready


def _prepare(database, plan: _Plan) -> bool:
    """PREPARE on the driver's connection itself, so that it is none of the request's queries
    (Django's query log, the tests' query counts, the metrics); the driver's errors still reach
    the caller as Django's (a lost connection is the 503 page's OperationalError). Inside a
    transaction, in a savepoint: a statement the server refuses must not abort the caller's."""
    driver = database.Database
    in_transaction = database.in_atomic_block
    with database.wrap_database_errors, database.connection.cursor() as cursor:
        if in_transaction:
            cursor.execute("SAVEPOINT portal_prepare")
        try:
            cursor.execute(plan.prepare)
        except (driver.OperationalError, driver.InterfaceError):
            raise
        except driver.Error:
            if in_transaction:
                cursor.execute("ROLLBACK TO SAVEPOINT portal_prepare")
                cursor.execute("RELEASE SAVEPOINT portal_prepare")
            return False
        if in_transaction:
            cursor.execute("RELEASE SAVEPOINT portal_prepare")
    _STATEMENTS[plan.statement] = plan.sql
    return True


def readable(sql: str) -> str:
    """The SQL of a captured query: a prepared read's own SQL for its ``EXECUTE`` (for tests and
    logs that look into the SQL), any other as it is."""
    match = _EXECUTE.match(sql)
    return _STATEMENTS.get(match.group(1), sql) if match else sql


def _converters(plan: _Plan, compiler: SQLCompiler, expressions: list) -> dict:
    """The plan's converters when asked for its own columns (the rows of the read), else the
    compiler's own answer."""
    if len(expressions) == len(plan.columns) and all(
            asked is kept for asked, kept in zip(expressions, plan.columns, strict=True)):
        return plan.converters
    return type(compiler).get_converters(compiler, expressions)


def _unchanged(queryset: QuerySet) -> QuerySet:
    return queryset


class PreparedRelated(Generic[M]):
    """The rows of one instance's reverse foreign key, ``instance.<name>.all()``, read with a
    :class:`PreparedRead` and kept where ``prefetch_related`` keeps them.

    ``PreparedRelated(Application, "budget_lines").load(application)`` then
    ``application.budget_lines.all()`` answers from them without a query, and each row's own
    foreign key gives ``application`` back without one. A ``filter`` on the relation still
    queries, limited to the instance's rows, as after ``prefetch_related``. ``build`` narrows or
    extends the related queryset (``select_related``, a filter); it gets the model's default
    queryset and must depend on nothing else, as a PreparedRead's builder.
    """

    def __init__(self, model: type[Model], name: str,
                 build: Callable[[QuerySet], QuerySet] | None = None) -> None:
        relation = model._meta.get_field(name)
        if not (relation.one_to_many and relation.auto_created):
            raise ValueError(f"prepared related rows: {model.__name__}.{name} is not the reverse "
                             "side of a foreign key")
        self.name = name
        self.build = build
        self.related_model = relation.related_model
        self.field = relation.field  # the related model's foreign key to ``model``
        self.read: PreparedRead[M] = PreparedRead(
            lambda pk: (build or _unchanged)(self.related_model._default_manager.filter(
                **{self.field.attname: pk})), "pk")

    def load(self, instance: Model) -> list[M]:
        """Read ``instance``'s rows and keep them on it; returns them."""
        rows = self.read.fetch(pk=instance.pk)
        for row in rows:
            self.field.set_cached_value(row, instance)
        cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
        cache.pop(self.field.remote_field.cache_name, None)  # rows read before
        # The relation's queryset, as prefetch_related keeps it (its filter on the instance is
        # applied only if it is used for a new query), holding the rows.
        manager = getattr(instance, self.name)
        queryset = (manager.get_queryset() if self.build is None else
                    manager._apply_rel_filters(self.build(self.related_model._default_manager.all())))
        queryset._result_cache = rows
        queryset._prefetch_done = True
        cache[self.field.remote_field.cache_name] = queryset
        return rows
