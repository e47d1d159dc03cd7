"""Every URL for every role (issue 13, point 3).

The resolver is walked (the admin's pages of every registered model included); every pattern
must have its line in tests/security/url_table.py, and each line is checked for each of the 13
roles of tests/security/world.py against one world built once for the module. A POST that is
refused must leave every row of the database as it was.

``URL_TABLE_RECORD=<file>`` writes the outcomes seen instead of failing, in the table's notation:
a start for a new line, to read (never to paste blindly: a wrong outcome is a hole to fix).
"""

import os
from functools import cache
from importlib import import_module

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.files.storage import storages
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.urls.resolvers import RegexPattern

from tests.security.outcomes import compact, expect
from tests.security.url_table import ADMIN, ADMIN_PAGES, TABLE, Url
from tests.security.world import ROLES, World, build_world

pytestmark = pytest.mark.django_db
RECORD = os.environ.get("URL_TABLE_RECORD")
ADMIN_LOGIN = "/admin/login/"


# --- the patterns ---------------------------------------------------------------------------------

def walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    """(key, pattern) of every URL pattern: its view name, namespaced, or its route if unnamed."""
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry, route, inner)
        elif isinstance(entry, URLPattern):
            if entry.name:
                yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry
            else:
                yield route, entry


def admin_model_keys(label: str) -> dict[str, str]:
    """The admin's page names of model ``label`` (``app.model``), and its redirect route."""
    app_label, model_name = label.split(".")
    keys = {page: f"admin:{app_label}_{model_name}_{page}" for page in ADMIN_PAGES}
    keys["redirect"] = f"admin/{app_label}/{model_name}/<path:object_id>/"
    return keys


@cache
def cases() -> dict[str, Url]:
    """Every pattern of the table, the admin's pages generated from ADMIN."""
    table = dict(TABLE)
    for label, spec in ADMIN.items():
        for page, key in admin_model_keys(label).items():
            table[key] = _admin_url(label, page, spec)
    return table


def _admin_url(label: str, page: str, spec) -> Url:
    def kwargs(w, role):
        return {} if page in ("changelist", "add") else {"object_id": spec.obj(w).pk}

    def path(w, role):
        app_label, model_name = label.split(".")
        return f"/admin/{app_label}/{model_name}/{spec.obj(w).pk}/"
    post = {"change": spec.post_change, "delete": spec.post_delete}.get(page)
    return Url(kwargs, get=getattr(spec, page), path=path if page == "redirect" else None,
               post=post, data={"post": "yes"} if page == "delete" else None)


def missing_from_table(resolver: URLResolver) -> list[str]:
    return sorted({key for key, _pattern in walk(resolver)} - set(cases()))


def test_every_url_pattern_is_in_the_table():
    keys = [key for key, _pattern in walk(get_resolver())]
    registered = {m._meta.label_lower for m in admin.site._registry}
    missing = missing_from_table(get_resolver())
    unregistered = sorted(registered - set(ADMIN))
    assert not unregistered, "Admin models without a line in url_table.ADMIN: " + ", ".join(
        unregistered)
    assert not missing, (f"{len(missing)} URL pattern(s) without a line in "
                         "tests/security/url_table.py:\n" + "\n".join(missing))
    stale = sorted(set(cases()) - set(keys))
    assert not stale, "Lines for patterns that no longer exist: " + ", ".join(stale)
    print(f"\nThe URL-role table covers {len(keys)} URL patterns x {len(ROLES)} roles.")


def test_a_new_url_without_a_line_is_reported_by_its_name_or_route():
    def view(request):
        return HttpResponse()
    resolver = URLResolver(RegexPattern(r"^/"), [
        *get_resolver().url_patterns,
        path("brand-new/", view, name="brand_new"),
        path("manage/", include(([path("unnamed/<int:pk>/", view)], "area"))),
    ])
    new = set(missing_from_table(resolver)) - set(missing_from_table(get_resolver()))
    assert sorted(new) == ["brand_new", "manage/unnamed/<int:pk>/"]


def test_every_view_that_takes_a_post_has_its_post_line():
    """A view class with a ``post`` method is a POST endpoint: its refusals are checked too."""
    lacking = [key for key, pattern in walk(get_resolver())
               if hasattr(getattr(pattern.callback, "view_class", None), "post")
               and key in cases() and cases()[key].post is None
               and not key.startswith("admin")]
    assert not lacking, "POST endpoints without a POST outcome: " + ", ".join(lacking)


def test_the_table_gives_every_role_an_outcome():
    for key, url in cases().items():
        for spec in (url.get, url.post):
            if spec is not None and spec != "?":
                expect(spec)  # raises on a role left out, or an unknown word
            assert spec != "?" or RECORD, f"{key}: an outcome is still '?'"


# --- the world ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def files_location(tmp_path_factory):
    return tmp_path_factory.mktemp("url-table-files")


@pytest.fixture(scope="module")
def module_storage(files_location):
    with override_settings(STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": files_location,
                                "base_url": "/files-not-served/"}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }):
        storages._storages.pop("default", None)
        yield
    storages._storages.pop("default", None)


@pytest.fixture
def _private_files(module_storage, files_location):
    """The world's files are written once for the module: every test reads the same folder."""
    return files_location


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, module_storage) -> World:
    """Built once, inside a transaction that the module's end rolls back; each test runs in a
    savepoint of its own (pytest-django's), so what one test's POST changes is gone for the
    next."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        # Marked as a test case's: services that must run in their own transaction (durable)
        # accept it, as they accept a TestCase's.
        atomic._from_testcase = True
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- the requests ---------------------------------------------------------------------------------

def outcome(response) -> str:
    if response.status_code in (301, 302, 303, 307):
        location = response["Location"]
        if location.startswith((reverse("account_login"), ADMIN_LOGIN)):
            return "login"
        return "302"
    return str(response.status_code)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table (sessions aside): a refused POST must leave all of it as it was.
    Plain SQL: the ORM would cost more than the requests under test."""
    tables = [t for t in connection.introspection.django_table_names(only_existing=True)
              if t != Session._meta.db_table]
    with connection.cursor() as cursor:
        rows = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608 -- our tables
            rows[table] = cursor.fetchall()
    return rows


@pytest.fixture(scope="module")
def session_keys(world, django_db_blocker) -> dict[str, str]:
    """A logged-in session per role, made once: each request's client carries its cookie. The
    session records how the person logged in, as allauth does: the password, then the TOTP code
    for those with an authenticator (staff and evaluators), so MFA is passed, then a recent
    re-authentication."""
    keys = {}
    with django_db_blocker.unblock():
        for role in ROLES:
            user = world.user(role)
            if user is None:
                continue
            client = Client()
            client.force_login(user)
            key = client.cookies[settings.SESSION_COOKIE_NAME].value
            request = RequestFactory().get("/")
            request.session = import_module(settings.SESSION_ENGINE).SessionStore(key)
            record_authentication(request, user, "password", email=user.email)
            for authenticator in Authenticator.objects.filter(user=user):
                record_authentication(request, user, "mfa", id=authenticator.pk,
                                      type=authenticator.type)
            # ... and a fresh re-authentication, so that the acts which ask for one (signing,
            # countersigning, bank decisions, SEPA, roles) show who may do them; that they ask
            # is tested in tests/accounts/test_reauthentication.py (10 minutes: the table runs
            # in less).
            record_authentication(request, user, "password", email=user.email,
                                  reauthenticated=True)
            request.session.save()
            keys[role] = key
    return keys


def client_for(session_keys: dict[str, str], role: str) -> Client:
    client = Client()
    if role in session_keys:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_keys[role]
    return client


def address(world: World, key: str, url: Url, role: str) -> str:
    path = url.path(world, role) if url.path else reverse(key, kwargs=url.kwargs(world, role))
    if url.query:
        path += "?" + url.query.format(**{name: getattr(world, name).pk
                                          for name in ("call_eval", "call_results")})
    return path


def keys_with(method: str) -> list[str]:
    return [key for key, url in cases().items()
            if (url.get if method == "GET" else url.post) is not None]


def check(world, session_keys, key: str, method: str) -> None:
    """Each role's request in a savepoint of its own, rolled back after it: the roles see the
    same world. A POST's outcome gets ``+`` when it changed rows. Every mismatch of the pattern
    is listed at once."""
    url = cases()[key]
    spec = url.get if method == "GET" else url.post
    wanted = expect(spec) if spec != "?" else {}
    before = snapshot() if method == "POST" else None
    wrong = []
    for role in ROLES:
        client = client_for(session_keys, role)
        changed = []
        # Rate-limit counters start empty for each role, as if it were the only visitor: the
        # table states who may pass, not how many requests came before.
        caches["default"].clear()
        with transaction.atomic():
            path = address(world, key, url, role)
            response = (client.get(path) if method == "GET"
                        else client.post(path, url.data or {}))
            got = outcome(response)
            if method == "POST":
                after = snapshot()
                changed = [table for table in before if before[table] != after[table]]
            transaction.set_rollback(True)
        got += "+" if changed else ""
        if RECORD:
            with open(RECORD, "a") as out:
                out.write(f"{method}\t{key}\t{role}\t{got}\n")
        elif got != wanted[role]:
            wrote = f" (it changed {', '.join(changed)})" if changed else ""
            wrong.append(f"{role}: got {got}, the table says {wanted[role]}{wrote}")
    assert not wrong, f"{method} {key}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("key", keys_with("GET"))
def test_get(world, session_keys, key):
    check(world, session_keys, key, "GET")


@pytest.mark.parametrize("key", keys_with("POST"))
def test_post(world, session_keys, key):
    check(world, session_keys, key, "POST")


def compact_record(path: str) -> str:
    """The recorded outcomes, one line per pattern and method, in the table's notation."""
    seen: dict[tuple[str, str], dict[str, str]] = {}
    with open(path) as recorded:
        for line in recorded:
            method, key, role, got = line.rstrip("\n").split("\t")
            seen.setdefault((key, method), {})[role] = got
    return "\n".join(f"{method:4} {key}: {compact(roles)}"
                     for (key, method), roles in sorted(seen.items())
                     if len(roles) == len(ROLES))
