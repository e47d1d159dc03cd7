# One image for every production service (web, worker, beat); docker-compose.yml picks the command.
# Configuration comes from the environment at run time; nothing secret is baked in.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=portal.settings \
    PORTAL_ENV=production \
    PORTAL_VAR_DIR=/app/var

WORKDIR /app

# pg_dump and pg_restore for `manage.py backup` and `restore` (Debian bookworm: PostgreSQL 15's
# client, which dumps servers up to 15: docker-compose.yml's db runs 15).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system portal \
    && useradd --system --gid portal --home-dir /app --no-create-home --shell /usr/sbin/nologin portal

# Dependencies first, in their own layer, so a code change does not re-install them. The project
# distribution holds no code (pyproject: packages = []): the code runs from /app on PYTHONPATH.
COPY pyproject.toml README.md* ./
RUN pip install --no-cache-dir .

COPY . .

# var/ holds the private uploaded files (never served by URL) and the collected static files;
# beat/ holds the beat schedule; backups/ what `manage.py backup` writes. docker-compose.yml
# mounts named volumes on them. They are created here, owned by the unprivileged user, so that fresh named volumes inherit that ownership.
RUN mkdir -p /app/var/files /app/var/static /app/beat /app/backups \
    && chown -R portal:portal /app/var /app/beat /app/backups \
    && python -m compileall -q /app

USER portal

EXPOSE 8000

# The web service; docker-compose.yml overrides this for web (migrate + collectstatic first),
# worker and beat.
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
