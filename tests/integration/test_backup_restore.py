"""The demo backed up, restored into a fresh database and files folder, and compared: every
table's row count and every file's hash.

The restore runs as `manage.py restore` in another process pointed at a scratch database this
test creates (``portal_restore_<random>``) and drops afterwards, and at an empty files folder: as
on a new machine after losing the old one.
"""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from psycopg2 import sql

from portal.backup import sha256_file, table_counts
from tests.integration.conftest import worker_database_url

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_SEEDS = ("seed_demo", "seed_demo_evaluation", "seed_demo_payments", "seed_demo_activities",
              "seed_demo_kpis")


def _connect(name: str):
    db = connection.settings_dict
    return psycopg2.connect(dbname=name, host=db["HOST"] or None, port=db["PORT"] or None,
                            user=db["USER"] or None, password=db["PASSWORD"] or None)


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """An empty database on the test server, dropped at teardown; never one of the machine's."""
    name = f"portal_restore_{uuid.uuid4().hex[:12]}"
    admin = _connect("postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                           .format(sql.Identifier(name)))
        admin.close()


def counts_of(name: str) -> dict[str, int]:
    db = _connect(name)
    try:
        with db.cursor() as cursor:
            return table_counts(cursor)
    finally:
        db.close()


def hashes_under(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): sha256_file(path)
            for path in sorted(root.rglob("*")) if path.is_file()}


def restore(backup: Path, *, database: str, var_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": worker_database_url(name=database),
           "PORTAL_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "portal.settings"}
    return subprocess.run([sys.executable, "manage.py", "restore", str(backup)],
                          cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_demo_backup_restores_every_row_and_file(_private_files, scratch_database, tmp_path):
    for seed in DEMO_SEEDS:
        call_command(seed, stdout=StringIO())
    source_counts = counts_of(connection.settings_dict["NAME"])
    source_files = hashes_under(_private_files)
    out = StringIO()

    call_command("backup", str(tmp_path / "backups"), stdout=out)

    (backup,) = (tmp_path / "backups").iterdir()
    assert out.getvalue().startswith(f"backup written to {backup}: {len(source_counts)} tables")
    # The demo fills the tables that matter, with uploaded PDFs: the comparison means something.
    assert source_counts["public.applications_application"] > 0
    assert source_counts["public.payments_grantagreement"] > 0
    assert sum(source_counts.values()) > 1000
    assert len([path for path in source_files if path.endswith(".pdf")]) > 10

    restored_var = tmp_path / "restored-var"
    done = restore(backup, database=scratch_database, var_dir=restored_var)

    assert done.returncode == 0, done.stderr
    assert f"{len(source_counts)} tables, {sum(source_counts.values())} rows" in done.stdout
    assert counts_of(scratch_database) == source_counts
    assert hashes_under(restored_var / "files") == source_files

    # Restoring again over what is now there is refused, and changes nothing.
    again = restore(backup, database=scratch_database, var_dir=restored_var)
    assert again.returncode == 1
    assert (f"Refusing to restore: the database {scratch_database} has {len(source_counts)} "
            f"tables") in again.stderr
    assert counts_of(scratch_database) == source_counts


def test_damaged_backup_is_refused_before_touching_the_database(_private_files,
                                                               scratch_database, tmp_path):
    call_command("seed_demo", stdout=StringIO())
    call_command("backup", str(tmp_path / "backups"), stdout=StringIO())
    (backup,) = (tmp_path / "backups").iterdir()
    first = sorted(path for path in (backup / "files").rglob("*") if path.is_file())[0]
    first.write_bytes(first.read_bytes() + b"tampered")

    done = restore(backup, database=scratch_database, var_dir=tmp_path / "restored-var")

    assert done.returncode == 1
    name = first.relative_to(backup / "files").as_posix()
    assert (f"The backup {backup} is damaged; nothing was restored: the file {name} does not "
            f"match its size and SHA-256.") in done.stderr
    assert counts_of(scratch_database) == {}
    assert not (tmp_path / "restored-var" / "files").exists()
