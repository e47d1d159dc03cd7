# The commands people type. Everything runs from the project's own virtualenv in .venv, which is
# created and (re)installed on demand: `make demo` and `make test` work on a fresh clone.
#
# Without any environment the portal runs in its embedded mode (SQLite under var/, eager Celery,
# e-mail to the console). Export DATABASE_URL / REDIS_URL to use PostgreSQL / Redis instead.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-install only when pyproject.toml is newer than this stamp.
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
CHROMIUM := /usr/bin/chromium
PYTEST_ARGS ?=
LOAD_STAMP := $(VENV)/.installed-load
# `make loadtest` serves the portal with an optimised CPython (profile-guided and link-time
# optimisation), as the production image's python:3.11-slim is: Debian's own /usr/bin/python3.11
# when the machine has it, else PYTHON. A build without those (pyenv's default) runs the same
# requests 15 to 25 % slower (README, "Load test"). In a virtualenv of its own beside .venv.
LOAD_PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11) $(PYTHON))
LOAD_VENV := .venv-load
LOAD_VENV_STAMP := $(LOAD_VENV)/.installed
# make loadtest USERS=80 DURATION=60 RATE=21 (SMES=...): empty means the defaults of loadtest/run.py.
USERS ?=
DURATION ?=
RATE ?=
SMES ?=

.DEFAULT_GOAL := help
.PHONY: help install pango demo test check-migrations lint format audit-deps worker beat chromium \
        clamav clean distclean loadtest gettext messages check-messages catalogues

help:
	@echo "make demo       install, migrate, load demo data, run the portal on http://127.0.0.1:8000/"
	@echo "make test       install, check migrations, ruff, then the whole pytest suite"
	@echo "                (PYTEST_ARGS='-k submit' to pass arguments to pytest)"
	@echo "make lint       ruff check"
	@echo "make format     ruff format and ruff check --fix"
	@echo "make audit-deps pip-audit of the installed packages: fails on a vulnerability with a fix"
	@echo "make loadtest   the deadline rush against the production stack (an optimised CPython, as"
	@echo "                in the image), started on free local ports and stopped after"
	@echo "                (USERS=80 DURATION=60 RATE=21 SMES=...)"
	@echo "make worker     a Celery worker (needs REDIS_URL; without it tasks run eagerly anyway)"
	@echo "make beat       Celery beat, the periodic scheduler (needs REDIS_URL)"
	@echo "make messages   compile the translations (locale/*/LC_MESSAGES/*.po -> .mo)"
	@echo "make catalogues extract the strings again into locale/*/LC_MESSAGES/*.po"
	@echo "make check-messages  fail on an untranslated or fuzzy entry, or a placeholder that"
	@echo "                differs from the English (msgfmt --check-format --statistics)"
	@echo "make clean      remove caches and var/ (the demo database, uploaded files, static)"
	@echo "make distclean  clean, and remove the virtualenv and build metadata"

# --upgrade-deps: the venv's own pip and setuptools are the latest, not the ones Python shipped
# with (which the dependency audit would rightly flag).
$(BIN)/python:
	$(PYTHON) -m venv --upgrade-deps $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The load test's own tools (the `load` extra: locust, psutil), on top of the development ones.
$(LOAD_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,load]'
	touch $(LOAD_STAMP)

$(LOAD_VENV)/bin/python:
	$(LOAD_PYTHON) -m venv --upgrade-deps $(LOAD_VENV)

$(LOAD_VENV_STAMP): pyproject.toml | $(LOAD_VENV)/bin/python
	$(LOAD_VENV)/bin/python -m pip install --quiet -e '.[load]'
	touch $(LOAD_VENV_STAMP)

var:
	mkdir -p var

demo: install pango messages | var
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) seed_demo_evaluation
	$(MANAGE) seed_demo_payments
	$(MANAGE) seed_demo_activities
	$(MANAGE) seed_demo_kpis
	$(MANAGE) audit_verify --seal
	$(MANAGE) runserver 127.0.0.1:8000

# Browser tests drive the system Chromium through Playwright; Playwright's own browser download is
# not used. Without Chromium they skip (or fail, when REQUIRE_BROWSER_TESTS=1).
chromium:
	@if [ -x $(CHROMIUM) ]; then \
		echo "Chromium found at $(CHROMIUM)."; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Chromium missing: installing it with apt-get."; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "WARNING: $(CHROMIUM) not found and it cannot be installed here (needs root and"; \
		echo "WARNING: apt-get): install the 'chromium' package, or browser tests will be skipped."; \
	fi

# The virus-scanning tests (tests/clamav/) start their own clamd with the test signature database
# shipped in tests/clamav/db: only the binary is needed, never the system service or freshclam.
# Without it they skip (or fail, when REQUIRE_INTEGRATION_TESTS=1).
clamav:
	@if command -v clamd >/dev/null 2>&1 || [ -x /usr/sbin/clamd ]; then \
		true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "clamd missing: installing Debian's clamav-daemon with apt-get."; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y clamav-daemon; \
	else \
		echo "WARNING: clamd not found and it cannot be installed here (needs root and apt-get):"; \
		echo "WARNING: install clamav-daemon, or the virus-scanning tests will be skipped."; \
	fi

# WeasyPrint renders the grant agreements with Pango, a system library (Debian: libpango-1.0-0).
pango:
	@if ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; then \
		true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Pango missing: installing it with apt-get (WeasyPrint needs it)."; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y libpango-1.0-0 \
			libpangoft2-1.0-0 fonts-dejavu-core; \
	else \
		echo "WARNING: Pango not found and it cannot be installed here (needs root and apt-get):"; \
		echo "WARNING: install libpango-1.0-0, or grant agreement PDFs cannot be made."; \
	fi

# The catalogues of the interface languages are kept as .po files; the .mo files Django reads are
# built here and not committed (a .po is the only source, so the two cannot disagree).
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

gettext:
	@if command -v msgfmt >/dev/null 2>&1; then \
		true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "msgfmt missing: installing Debian's gettext with apt-get."; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y gettext; \
	else \
		echo "ERROR: msgfmt not found: install gettext to build the translations."; exit 1; \
	fi

messages: gettext $(MO_FILES)

# Extract the strings again into every language's catalogues (after changing texts): new ones
# come in untranslated, changed ones fuzzy; check-messages then says what is left to translate.
# A new language: mkdir -p locale/<locale>/LC_MESSAGES first (see README, Languages).
EXTRACT_IGNORE := --ignore=.venv --ignore=var --ignore=tests --ignore=loadtest \
	--ignore=static/bootstrap --ignore=static/vendor
catalogues: install gettext
	@for dir in locale/*/LC_MESSAGES; do \
		locale=$$(basename $$(dirname $$dir)); \
		$(MANAGE) makemessages -l $$locale --no-obsolete $(EXTRACT_IGNORE) && \
		$(MANAGE) makemessages -d djangojs -l $$locale --no-obsolete $(EXTRACT_IGNORE) \
			|| exit 1; \
	done

locale/%.mo: locale/%.po
	msgfmt --check-format -o $@ $<

check-messages: gettext
	@$(PYTHON) .ci/check_messages.py $(PO_FILES)

check-migrations: install | var
	$(MANAGE) makemigrations --check --dry-run

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Known vulnerabilities of the installed packages (pip-audit; the project itself is skipped): fails
# on one that has a fixed release, warns on one without, and says so when the vulnerability service
# could not be reached (AUDIT_REQUIRE_SERVICE=1 makes that fail too). See .ci/audit_deps.py.
audit-deps: install
	$(BIN)/python .ci/audit_deps.py

# pytest exits 5 when it collected no test: that is a failure too, and said so.
# The load extra too: tests/integration/test_loadtest.py runs a small `make loadtest`.
test: install $(LOAD_STAMP) pango chromium clamav check-migrations lint check-messages messages
	@$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc = 5 ]; then echo "ERROR: pytest ran no test."; fi; \
	exit $$rc

# Starts its own PostgreSQL cluster, Redis, clamd, gunicorn, Celery worker and beat in a temporary
# folder on free ports of 127.0.0.1, prepares the SMEs, runs locust headless, checks the database
# and the logs, prints a last JSON line and stops everything (also on Ctrl-C). See loadtest/run.py.
loadtest: clamav $(LOAD_VENV_STAMP)
	$(LOAD_VENV)/bin/python -m loadtest.run $(if $(USERS),--users $(USERS)) \
		$(if $(DURATION),--duration $(DURATION)) $(if $(RATE),--rate $(RATE)) \
		$(if $(SMES),--smes $(SMES))

worker: install | var
	$(BIN)/celery -A portal worker -l info

beat: install | var
	$(BIN)/celery -A portal beat -l info --schedule var/celerybeat-schedule

clean:
	rm -rf var .pytest_cache .ruff_cache test-results build dist
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(LOAD_VENV) *.egg-info
