"""Settings, read from the environment.

Without any environment the portal runs in its embedded development mode: SQLite under ``var/``,
Celery tasks run eagerly in-process, e-mail printed to the console. ``PORTAL_ENV=production``
switches to the hardened mode, which refuses to start without its secrets. Every variable is
listed in ``.env.example``.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


PORTAL_ENV = env("PORTAL_ENV", "development")
if PORTAL_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("PORTAL_ENV must be 'development' or 'production'.")
PRODUCTION = PORTAL_ENV == "production"

VAR_DIR = Path(env("PORTAL_VAR_DIR", str(BASE_DIR / "var")))
if not PRODUCTION and not env("DATABASE_URL"):
    # Embedded mode keeps its SQLite file here: `manage.py migrate` in a fresh clone (without
    # `make`) must not fail with "unable to open database file".
    VAR_DIR.mkdir(parents=True, exist_ok=True)

if PRODUCTION:
    SECRET_KEY = env("DJANGO_SECRET_KEY")
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when PORTAL_ENV=production.")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when PORTAL_ENV=production.")
    DEBUG = False
else:
    # Development only: a fixed key so sessions survive restarts of `make demo`.
    SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-only-insecure-key-never-used-in-production")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    DEBUG = env_bool("DJANGO_DEBUG", True)

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Before the admin: it patches the registered models (calls.translation) first.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_countries",
    "pgtrigger",
    "csp",
    "django_prometheus",
    "rules.apps.AutodiscoverRulesConfig",
    "portal",
    "accounts",
    "euroclusters",
    "calls",
    "applications",
    "activities",
    "evaluation",
    "payments",
    "reporting",
]

MIDDLEWARE = [
    # First: every response and every log line of a request carries its id.
    "portal.request_id.RequestIdMiddleware",
    # django-prometheus times the requests between these two, by view.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, renaming the backend a session opened before euroclusters.backends names.
    "euroclusters.middleware.AuthenticationMiddleware",
    # A signed-in person's stored language wins over the cookie and the browser's Accept-Language.
    "accounts.language.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After allauth's: a manager, finance officer, observer, evaluator or superuser without a
    # second factor is sent to set one up (accounts.mfa).
    "accounts.middleware.RequireMfaMiddleware",
    # A database that cannot be reached: a 503 "try again in a minute" page, not a 500.
    "portal.unavailable.DatabaseUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                # LANGUAGE_CODE for <html lang>, the JavaScript catalogue and the switcher.
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "portal.context_processors.notifications",
                "portal.context_processors.links",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        # A kept connection is checked before a request uses it: after a database restart the
        # first request reconnects instead of failing on the dead connection.
        conn_health_checks=True,
        # Behind a transaction-pooling PgBouncer (docker-compose's web tier) each transaction
        # may land on another server connection, where a server-side cursor (``.iterator()``
        # outside a transaction) does not exist: Django then reads with client-side cursors.
        disable_server_side_cursors=env_bool("DATABASE_TRANSACTION_POOLER", False),
    )
}
# The compile-once reads (portal.prepared) are also prepared statements on PostgreSQL: the server
# then parses and plans each of them once per connection, not on every execution (the joined read
# of an application, 1.3 ms of the server's CPU planned afresh, 0.3 prepared). Not behind a
# transaction pooler: a statement prepared on one server connection is unknown to the next.
DATABASE_PREPARED_STATEMENTS = not env_bool("DATABASE_TRANSACTION_POOLER", False)
if PRODUCTION and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL when PORTAL_ENV=production.")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Wait for a writer instead of failing at once when two requests write together.
    # IMMEDIATE takes the write lock when a transaction starts, so row locks taken with
    # select_for_update (a no-op on SQLite) still serialise concurrent submissions.
    # WAL lets pages read while a submission or a check writes, and with it synchronous=NORMAL
    # is safe: a crash never corrupts the file, a power cut may lose the last commits. It spares
    # the fsync of every commit (a third of an eligibility check's time). SQLite is only the
    # embedded mode for development and demos; production refuses it (above).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE",
         "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"})
# django-prometheus's wrapper of the same backend counts queries, their time and errors. On
# PostgreSQL the portal's own subclass of it checks a kept connection without a round trip
# (portal/postgresql/base.py).
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "django_prometheus.db.backends.").replace(
    "django_prometheus.db.backends.postgresql", "portal.postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # allauth's backend (log-in by e-mail address), loading the signed-in person with her
    # memberships, verified address and unread count in one query.
    "euroclusters.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: e-mail is the login, and it must be verified before the account can be used.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Eurocluster portal] "
# Links and the site's name in allauth's e-mails come from PORTAL_SITE_URL, and each role lands on
# its own home after login.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# Second factors: an authenticator app (TOTP), recovery codes, and security keys or passkeys
# (WebAuthn), which may also log in without a password.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
# WebAuthn needs HTTPS, except on http://localhost in development.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
MFA_TOTP_ISSUER = "Eurocluster portal"
# Staff (cluster managers, finance officers, observers, evaluators, superusers) must have a second
# factor before any page behind their role opens (accounts.middleware). Production refuses to run
# without it.
PORTAL_REQUIRE_MFA = env_bool("PORTAL_REQUIRE_MFA", True)
if PRODUCTION and not PORTAL_REQUIRE_MFA:
    raise ImproperlyConfigured("PORTAL_REQUIRE_MFA cannot be turned off when "
                               "PORTAL_ENV=production.")
# Signing, countersigning, approving bank details, exporting SEPA files and changing roles ask for
# the password or a second factor again when the last re-authentication is older than this.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 10 * 60
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "applications:dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "calls:home"

LANGUAGE_CODE = "en"
# The interface languages, each with a complete catalogue under locale/ (CI refuses one with an
# untranslated or fuzzy entry). Names are written in their own language in the switcher.
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("de", _("German")),
    ("it", _("Italian")),
    ("es", _("Spanish")),
    # European Portuguese: the locale pt_PT (django-allauth ships pt_PT and pt_BR, not pt; Django's
    # own "pt" catalogue is found for it by gettext's fallback).
    ("pt-pt", _("Portuguese")),
    ("nl", _("Dutch")),
    ("ro", _("Romanian")),
    ("bg", _("Bulgarian")),
]
# Anonymous visitors' choice; a signed-in person's is stored on the account (User.language).
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOCALE_PATHS = [BASE_DIR / "locale"]
# Call texts (calls.translation): one column per language; empty in the visitor's language, they
# fall back to the call's own language (OpenCall.language), then to the first language that has
# them, in this order. The admin shows the languages as tabs (jQuery UI, vendored under static/).
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = tuple(code for code, _name in LANGUAGES)
MODELTRANSLATION_FALLBACK_LANGUAGES = MODELTRANSLATION_LANGUAGES
JQUERY_UI_URL = "vendor/jquery-ui/jquery-ui.min.js"
# Deadlines are shown in Brussels time, as the calls publish them; stored in UTC.
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True
# Day month year and a 24-hour clock, the admin's dates too: one format module per interface
# language. Pages format money, scores and moments through portal.formats' template filters.
FORMAT_MODULE_PATH = ["portal.locale_formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files live under var/files, which no URL maps to: every download goes through a view
# that checks permission.
PRIVATE_FILES_ROOT = VAR_DIR / "files"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_FILES_ROOT, "base_url": "/files-not-served/"},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
# Largest upload the portal accepts at all; each call sets its own, lower, limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
PORTAL_UPLOAD_MAX_MB_DEFAULT = int(env("PORTAL_UPLOAD_MAX_MB", "10"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
COUNTRIES_FIRST = ["BE", "BG", "DE", "ES", "FR", "IT", "NL", "PT", "RO"]
COUNTRIES_OVERRIDE = {"XK": _("Kosovo")}

# E-mail: the console in development, SMTP in production.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Eurocluster portal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute address of the portal: every link in e-mails and documents is built from it
# (portal.site.absolute_url), never from the host of a request. Development defaults to the
# address `make demo` serves; production refuses to start without it.
PORTAL_SITE_URL = env("PORTAL_SITE_URL", "" if PRODUCTION else "http://127.0.0.1:8000").rstrip("/")
if PRODUCTION and not PORTAL_SITE_URL:
    raise ImproperlyConfigured("PORTAL_SITE_URL must be set when PORTAL_ENV=production "
                               "(e.g. https://grants.example.eu).")
if PORTAL_SITE_URL:
    _site = urlsplit(PORTAL_SITE_URL)
    if _site.scheme not in {"http", "https"} or not _site.netloc or _site.path:
        raise ImproperlyConfigured("PORTAL_SITE_URL must be a scheme and a host, like "
                                   "https://grants.example.eu (no path).")

# Rows per page of /api/beneficiaries.json (a fixed size: aggregators page on with "next").
BENEFICIARIES_API_PAGE_SIZE = 100

# Virus scanning of every upload by ClamAV's daemon: tcp://host:3310 or unix:///run/clamav/clamd.ctl.
# Required in production (and wherever CLAMAV_REQUIRED is true). Without it (development) uploads
# are stored unscanned, marked "skipped", and a system check warns at start-up.
CLAMAV_URL = env("CLAMAV_URL")
CLAMAV_REQUIRED = PRODUCTION or env_bool("CLAMAV_REQUIRED", False)
if CLAMAV_REQUIRED and not CLAMAV_URL:
    raise ImproperlyConfigured("CLAMAV_URL must be set when PORTAL_ENV=production or "
                               "CLAMAV_REQUIRED is true (virus scanning of uploads).")
# Seconds to wait for clamd (to connect, and for each answer) before the upload is kept pending.
CLAMAV_TIMEOUT = float(env("CLAMAV_TIMEOUT", "30"))

# Celery: eager in-process without a broker; Redis when REDIS_URL is given.
REDIS_URL = env("REDIS_URL")
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set when PORTAL_ENV=production.")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection before and after every task unless this is
# set: a new PostgreSQL backend for each task (about 13 ms of the server's CPU to start one, most
# of the database's work in the deadline rush). With it the fixup recycles the connection every
# 1,000 tasks only, and portal/celery.py applies Django's own rules around each task, as Django
# does around each request: CONN_MAX_AGE, the health check, a connection that saw an error.
CELERY_DB_REUSE_MAX = 1000
# The worker runs its tasks in threads of its one process (Celery's "threads" pool; as many as
# the cores unless --concurrency says otherwise) rather than in forked children: each task of
# prefork travels from the main process to a child and back through a pipe, 1.5 to 2 ms of CPU a
# task, two tasks a submission in the deadline rush (make loadtest; README "Load test"). Each
# thread keeps its own database connection; task code keeps no state of its own between tasks,
# and WeasyPrint renders one PDF at a time (payments.pdf). CELERY_WORKER_POOL=prefork restores
# Celery's default.
CELERY_WORKER_POOL = env("CELERY_WORKER_POOL", "threads")
# A broker that is down must not hang a request: publishing fails fast and the sweeper re-queues.
# socket_timeout covers a broker that accepts the connection but stops answering.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "socket_connect_timeout": 2,
                                   "socket_timeout": 2}
# A submitted version still without an eligibility result after this long is queued again.
ELIGIBILITY_SWEEP_AFTER_SECONDS = int(env("ELIGIBILITY_SWEEP_AFTER_SECONDS", "180"))
# The hour (UTC, 0-23) at which the daily notification digests go out: 6 is 7:00 or 8:00 in
# Brussels.
NOTIFICATION_DIGEST_HOUR_UTC = int(env("NOTIFICATION_DIGEST_HOUR_UTC", "6"))
CELERY_BEAT_SCHEDULE = {
    # Audit entries join the tamper-evident hash chain (portal.audit_chain): writers only insert.
    "portal-audit-seal": {"task": "portal.audit_seal", "schedule": 60.0},
    # Notifications whose e-mail task was lost with the broker are queued again.
    "portal-sweep-notifications": {"task": "portal.sweep_notifications", "schedule": 300.0},
    "calls-sync-statuses": {"task": "calls.sync_statuses", "schedule": 60.0},
    # Call alerts whose task was lost with the broker (calls published in the last day).
    "calls-sweep-call-alerts": {"task": "calls.sweep_call_alerts", "schedule": 300.0},
    "applications-sweep-eligibility": {"task": "applications.sweep_eligibility",
                                       "schedule": 60.0},
    # A selected applicant who withdrew on the applications' own page frees money: move up the
    # best reserve that fits.
    # An assignment run whose worker was killed (or whose message was lost) is run again.
    "evaluation-sweep-assignment-runs": {"task": "evaluation.sweep_assignment_runs",
                                         "schedule": 60.0},
    "evaluation-promote-reserves": {"task": "evaluation.promote_reserves", "schedule": 60.0},
    # A payment batch whose fill never finished (lost message, killed worker) is filled again.
    "payments-sweep-batches": {"task": "payments.sweep_batches", "schedule": 300.0},
    # Results published in the evaluation app (which may not import payments): agreements follow.
    "payments-generate-missing-agreements": {"task": "payments.generate_missing_agreements",
                                             "schedule": 300.0},
    "payments-decline-overdue-agreements": {"task": "payments.decline_overdue_agreements",
                                            "schedule": 900.0},
    "reporting-remove-expired-exports": {"task": "reporting.remove_expired_exports",
                                         "schedule": 3600.0},
    # Uploads kept in quarantine while clamd was unreachable are scanned once it is back.
    "portal-scan-pending": {"task": "portal.scan_pending", "schedule": 300.0},
    # Clarification requests past their due date without an answer: the manager is told once.
    "applications-remind-overdue-clarifications": {
        "task": "applications.remind_overdue_clarifications", "schedule": 900.0},
    # Personal data kept no longer than needed (the privacy page lists the periods below).
    "applications-remove-expired-drafts": {"task": "applications.remove_expired_drafts",
                                           "schedule": 3600.0},
    "accounts-remove-unconfirmed-signups": {"task": "accounts.remove_unconfirmed_signups",
                                            "schedule": 3600.0},
    # Pseudonymised accounts' records, once PORTAL_RETENTION_YEARS_AFTER_LAST_PAYMENT have passed.
    "accounts-purge-erased-accounts": {"task": "accounts.purge_erased_accounts",
                                       "schedule": 86400.0},
    # Reminders (issue 12): each is sent once per person and event (portal.reminders), so a run
    # more often than needed sends nothing twice; a stage missed while beat was down goes late.
    "applications-remind-drafts": {"task": "applications.remind_drafts", "schedule": 900.0},
    "evaluation-remind-reviews": {"task": "evaluation.remind_reviews", "schedule": 3600.0},
    "evaluation-remind-invitations": {"task": "evaluation.remind_invitations",
                                      "schedule": 3600.0},
    "payments-remind-agreements": {"task": "payments.remind_agreements", "schedule": 3600.0},
    "payments-remind-reports": {"task": "payments.remind_reports", "schedule": 3600.0},
    # Weekly, from Monday 07:00 Brussels time: the hourly run sends each week's digest once.
    "reporting-remind-action-queue": {"task": "reporting.remind_action_queue",
                                      "schedule": 3600.0},
    # The daily digest of the notifications people chose to get so, early in the European day.
    "portal-send-digests": {"task": "portal.send_digests",
                            "schedule": crontab(minute=0, hour=NOTIFICATION_DIGEST_HOUR_UTC)},
}
# Exports of more rows than this are built by a task and offered on /manage/exports/, kept for
# EXPORT_KEEP_DAYS days.
EXPORT_SYNC_MAX_ROWS = int(env("EXPORT_SYNC_MAX_ROWS", "5000"))
EXPORT_KEEP_DAYS = 7

# The cache holds the rate-limit counters (allauth's and the portal's): with several web processes
# they must share one cache, or each counts alone and a limit is multiplied by their number. Redis
# when REDIS_URL is given, in a database of its own (REDIS_CACHE_URL, default: REDIS_URL's server,
# database 1), so that clearing the cache never touches the task queue; the process's own memory
# otherwise (development and tests: one process). Production requires REDIS_URL (above), and the
# check portal.E001 refuses a cache that is not shared there.
REDIS_CACHE_URL = env("REDIS_CACHE_URL")
if not REDIS_CACHE_URL and REDIS_URL:
    REDIS_CACHE_URL = urlunsplit(urlsplit(REDIS_URL)._replace(path="/1"))
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_CACHE_URL,
        "KEY_PREFIX": "portal",
    } if REDIS_CACHE_URL else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "portal",
    },
}
# In production the session is read from Redis (and written to both): a page of a signed-in person
# spares PostgreSQL one query, which the deadline rush feels (make loadtest). The database stays
# the session's durable copy; portal.sessions answers a fault of either the portal's way. Without
# Redis the database alone holds it (portal.sessions_database: the same answer to a fault).
SESSION_ENGINE = ("portal.sessions" if PRODUCTION and REDIS_CACHE_URL
                  else "portal.sessions_database")

# Rate limits and lock-outs. allauth limits its own views (login, sign-up, password reset, the
# confirmation e-mail): ACCOUNT_RATE_LIMITS, in its syntax "amount/period/per" where per is "ip"
# (the client's address), "key" (the e-mail address typed) or "user"; several, comma-separated,
# must all hold. Every action is listed, so that what applies is read here and not in allauth's
# defaults; the ones the portal does not use (log-in by code, phones) keep allauth's.
# Lock-out: after PORTAL_LOGIN_LOCKOUT_ATTEMPTS failed log-ins with one e-mail address (or wrong
# two-factor codes of one account) within PORTAL_LOGIN_LOCKOUT_MINUTES, log-in with it is refused
# until the oldest attempt is that old; a password reset lifts it at once.
PORTAL_LOGIN_LOCKOUT_ATTEMPTS = int(env("PORTAL_LOGIN_LOCKOUT_ATTEMPTS", "5"))
PORTAL_LOGIN_LOCKOUT_MINUTES = int(env("PORTAL_LOGIN_LOCKOUT_MINUTES", "5"))
# A confirmation e-mail is sent again (on a log-in with the unconfirmed address, or from the
# e-mail page) at most once in this many minutes per address; the earlier link stays valid.
PORTAL_CONFIRM_EMAIL_COOLDOWN_MINUTES = int(env("PORTAL_CONFIRM_EMAIL_COOLDOWN_MINUTES", "3"))
ACCOUNT_RATE_LIMITS = {
    # Posts of the log-in form from one address, whatever the outcome.
    "login": "30/m/ip",
    "login_failed": (f"10/m/ip,{PORTAL_LOGIN_LOCKOUT_ATTEMPTS}/"
                     f"{PORTAL_LOGIN_LOCKOUT_MINUTES * 60}s/key"),
    "signup": "20/m/ip",
    # Password-reset e-mails: from one address, and to one e-mail address.
    "reset_password": "20/m/ip,5/m/key",
    # Posts of the new password on the page the reset e-mail links to.
    "reset_password_from_key": "20/m/ip",
    "confirm_email": f"1/{PORTAL_CONFIRM_EMAIL_COOLDOWN_MINUTES * 60}s/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# The portal's own limits (portal.ratelimits, with django-ratelimit): requests per user, or per
# client address for someone not logged in, in a fixed window ("30/m": 30 a minute, "100/h").
PORTAL_RATE_LIMITS = {
    # Look-ups of a grant agreement's code on the public /verify/ page.
    "verify": env("PORTAL_RATE_LIMIT_VERIFY", "30/m"),
    # Uploads: application documents, report documents, KPI values with evidence, participant
    # imports (one count for all of them).
    "upload": env("PORTAL_RATE_LIMIT_UPLOAD", "20/m"),
    # The application form's autosave (it saves at most every 1.2 s while the person types).
    "autosave": env("PORTAL_RATE_LIMIT_AUTOSAVE", "120/m"),
    # The public call-alerts form: each subscription e-mails a confirmation to the address typed.
    "call_alerts": env("PORTAL_RATE_LIMIT_CALL_ALERTS", "10/h"),
    # Questions about a call: each one notifies the call's managers.
    "questions": env("PORTAL_RATE_LIMIT_QUESTIONS", "10/h"),
    # Reports of the content security policy's refusals, which browsers send by themselves.
    "csp_reports": env("PORTAL_RATE_LIMIT_CSP_REPORTS", "60/m"),
}
# The client's address, for allauth's limits and the portal's alike (portal.ratelimits.client_ip):
# the last PORTAL_TRUSTED_PROXY_COUNT proxies in front of the portal append it to
# X-Forwarded-For. Production sits behind one TLS-terminating proxy (docker-compose.yml), which
# must append (not pass on) that header; without a proxy set 0, or anyone could pick an address.
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("PORTAL_TRUSTED_PROXY_COUNT", "1" if PRODUCTION else "0"))
RATELIMIT_IP_META_KEY = "portal.ratelimits.client_ip"
# django-ratelimit's own switch for a cache that answers nothing; a cache that raises (Redis down)
# is let through by portal.ratelimits.rate_limited, which logs it.
RATELIMIT_FAIL_OPEN = False

# --- Operations: health, metrics, logs ---------------------------------------------------------
# /healthz and /readyz for probes, /metrics for Prometheus (portal.health, portal.metrics).
# /metrics answers a request with "Authorization: Bearer <METRICS_BEARER_TOKEN>", or from one of
# METRICS_ALLOWED_IPS (addresses or networks) that did not come through the proxy; nobody else.
METRICS_BEARER_TOKEN = env("METRICS_BEARER_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "" if PRODUCTION else "127.0.0.1,::1")
# The worker's task metrics: served from its main process on this port when set (compose: 9808,
# internal network only). With several processes, PROMETHEUS_MULTIPROC_DIR (read by
# prometheus_client itself) names a folder where each process writes its counts.
CELERY_METRICS_PORT = int(env("CELERY_METRICS_PORT", "0"))
CELERY_METRICS_ADDRESS = env("CELERY_METRICS_ADDRESS", "0.0.0.0")  # noqa: S104 -- in a container
# Django's own migration gauges would query the database at every start.
PROMETHEUS_EXPORT_MIGRATIONS = False
# Probes and the scraper talk plain HTTP to the container, behind the TLS proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# Retention of personal data (GDPR art. 5(1)(e)); the privacy page prints this table.
# Drafts never submitted are deleted this many months after their call closed.
PORTAL_RETENTION_DRAFT_MONTHS_AFTER_CLOSE = int(env("PORTAL_RETENTION_DRAFT_MONTHS_AFTER_CLOSE",
                                                    "12"))
# Sign-ups whose e-mail address was never confirmed (and who never logged in) after this many days.
PORTAL_RETENTION_UNCONFIRMED_SIGNUP_DAYS = int(env("PORTAL_RETENTION_UNCONFIRMED_SIGNUP_DAYS",
                                                   "30"))
# The records that the grant requires (Financial Regulation, FSTP) of a person who asked for
# erasure are kept, pseudonymised, until this many years after the last payment of the
# Eurocluster that ran the call, then deleted.
PORTAL_RETENTION_YEARS_AFTER_LAST_PAYMENT = int(env("PORTAL_RETENTION_YEARS_AFTER_LAST_PAYMENT",
                                                    "5"))
# Who controls the personal data besides the Eurocluster running each call, for the privacy page.
PORTAL_OPERATOR_NAME = env("PORTAL_OPERATOR_NAME", "The portal operator")
PORTAL_PRIVACY_CONTACT = env("PORTAL_PRIVACY_CONTACT", "privacy@localhost")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the autosave script reads the token from the form, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content Security Policy (django-csp): every script and style sheet comes from the portal's own
# static files; no inline script, no inline style attribute. The one inline <style> allowed is
# pygal's inside a chart (dashboard, KPIs), with the request's nonce (reporting.dashboard.charts).
# Bootstrap's icons (form controls, close buttons) and allauth's TOTP QR code are data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        # Browsers report what the policy blocked there (portal.csp_reports logs it).
        "report-uri": "/csp-report",
    },
}
# Development only: send the policy as Content-Security-Policy-Report-Only, to see in the browser's
# console what a change to a page would break without breaking it. Production refuses it.
PORTAL_CSP_REPORT_ONLY = env_bool("PORTAL_CSP_REPORT_ONLY", False)
if PORTAL_CSP_REPORT_ONLY:
    if PRODUCTION:
        raise ImproperlyConfigured("PORTAL_CSP_REPORT_ONLY is for development: production "
                                   "enforces the content security policy.")
    CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
    CONTENT_SECURITY_POLICY = None
# Browser features the portal never uses, refused to it and to anything it would embed.
PERMISSIONS_POLICY = {
    "accelerometer": [], "autoplay": [], "camera": [], "display-capture": [],
    "geolocation": [], "gyroscope": [], "hid": [], "magnetometer": [], "microphone": [],
    "midi": [], "payment": [], "serial": [], "usb": [],
}
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Logs: one JSON object a line in production (time, level, logger, message, request_id, and the
# exception), plain text with the request id in development. DJANGO_LOG_FORMAT chooses.
LOG_FORMAT = env("DJANGO_LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("DJANGO_LOG_FORMAT must be 'json' or 'text'.")
# The worker keeps this configuration instead of Celery's own, so its lines are JSON too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.request_id.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint reports every step of every PDF at INFO, and fontTools every subset.
    "loggers": {
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
