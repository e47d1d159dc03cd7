"""The settings, each mode loaded in a fresh interpreter: the mode is decided at import time."""

import json
import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_SOURCE = (ROOT / "portal" / "settings.py").read_text()
# Every variable the settings read through their env helpers, as `grep env(` finds them.
SETTINGS_VARIABLES = frozenset(
    re.findall(r'\benv(?:_bool|_list)?\(\s*"([A-Z][A-Z0-9_]*)"', SETTINGS_SOURCE)
)
# Set by the browser tests' fixtures while they run; `check --deploy` rightly refuses it.
NOT_INHERITED = SETTINGS_VARIABLES | {"DJANGO_ALLOW_ASYNC_UNSAFE"}
PRINT_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ENGINE": settings.DATABASES["default"]["ENGINE"],
    "NAME": str(settings.DATABASES["default"]["NAME"]),
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
}))
"""


def run_python(*args: str, **variables: str) -> subprocess.CompletedProcess:
    """Run this interpreter in the project root with none of the settings' variables inherited
    (CI exports DATABASE_URL and REDIS_URL), only the given ones."""
    env = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    env.update(variables)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_variables(**overrides: str) -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + string.punctuation.replace("$", "")
    variables = {
        "PORTAL_ENV": "production",
        "DJANGO_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(60)),
        "DJANGO_ALLOWED_HOSTS": "portal.example.eu",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "PORTAL_SITE_URL": "https://portal.example.eu",
        "CLAMAV_URL": "tcp://127.0.0.1:3310",
    }
    variables.update(overrides)
    return {name: value for name, value in variables.items() if value is not None}


def test_the_settings_read_the_variables_this_test_strips():
    assert {
        "PORTAL_ENV",
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "CELERY_TASK_ALWAYS_EAGER",
        "EMAIL_BACKEND",
    } <= SETTINGS_VARIABLES


def test_production_without_secret_key_refuses_to_start():
    result = run_python("-c", "import django, os; django.setup()", PORTAL_ENV="production")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS"),
        ({"REDIS_URL": ""}, "REDIS_URL"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:////tmp/portal.sqlite3"}, "DATABASE_URL"),
        ({"PORTAL_ENV": "staging"}, "PORTAL_ENV"),
        ({"PORTAL_REQUIRE_MFA": "false"}, "PORTAL_REQUIRE_MFA"),
        ({"CLAMAV_URL": ""}, "CLAMAV_URL"),
        # Production scans every upload: CLAMAV_REQUIRED cannot turn that off.
        ({"CLAMAV_URL": "", "CLAMAV_REQUIRED": "false"}, "CLAMAV_URL"),
    ],
)
def test_production_without_a_required_setting_refuses_to_start(variables, named):
    result = run_python("-c", "import django; django.setup()", **production_variables(**variables))

    assert result.returncode != 0
    assert named in result.stderr


# Port 1 has no server: the checks never connect, so they pass on a machine without PostgreSQL.
@pytest.mark.parametrize(
    "database_url",
    [
        "postgres://postgres@127.0.0.1:5432/portal",
        "postgres://postgres@127.0.0.1:1/portal",
    ],
)
def test_production_passes_the_deployment_checks(database_url):
    result = run_python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **production_variables(DATABASE_URL=database_url),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_without_environment_the_portal_runs_embedded():
    result = run_python("-c", PRINT_SETTINGS)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "DEBUG": True,
        # django-prometheus's wrapper of Django's SQLite backend: it counts the queries.
        "ENGINE": "django_prometheus.db.backends.sqlite3",
        "NAME": str(ROOT / "var" / "portal.sqlite3"),
        "CELERY_TASK_ALWAYS_EAGER": True,
        "CELERY_BROKER_URL": "memory://",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "testserver"],
    }


def test_with_redis_url_tasks_go_to_the_broker():
    result = run_python("-c", PRINT_SETTINGS, REDIS_URL="redis://127.0.0.1:6379/0")

    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout)
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is False
    assert settings["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/0"


def test_env_example_lists_every_variable_the_settings_read():
    lines = (ROOT / ".env.example").read_text().splitlines()
    listed = {line.split("=", 1)[0] for line in lines if re.match(r"[A-Z][A-Z0-9_]*=", line)}

    assert sorted(SETTINGS_VARIABLES - listed) == []


def test_env_example_explains_each_variable():
    lines = (ROOT / ".env.example").read_text().splitlines()
    unexplained = [
        line
        for previous, line in zip(["", *lines], lines, strict=False)
        if re.match(r"[A-Z][A-Z0-9_]*=", line)
        and not previous.startswith("#")
        and not re.match(r"[A-Z][A-Z0-9_]*=", previous)
    ]

    assert unexplained == []


def test_development_can_require_the_virus_scanner_too():
    result = run_python("-c", "import django; django.setup()", CLAMAV_REQUIRED="true")
    assert result.returncode != 0
    assert "CLAMAV_URL must be set" in result.stderr
    assert run_python("-c", "import django; django.setup()", CLAMAV_REQUIRED="true",
                      CLAMAV_URL="tcp://127.0.0.1:3310").returncode == 0


@pytest.mark.parametrize(("pooler", "disabled"), [(None, False), ("true", True)])
def test_behind_a_transaction_pooler_django_reads_without_server_side_cursors(pooler, disabled):
    code = ("import django; from django.conf import settings; django.setup(); "
            "print(settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'])")
    variables = production_variables(DATABASE_TRANSACTION_POOLER=pooler)
    result = run_python("-c", code, **{k: v for k, v in variables.items() if v is not None})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(disabled)
