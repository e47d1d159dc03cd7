"""Backups that restore: a PostgreSQL dump and the private files, with a manifest of checksums.

A backup is one folder, ``<dir>/portal-<UTC time>/``, holding

- ``database.dump``: ``pg_dump --format=custom`` of the whole database, taken in an exported
  snapshot, so the table row counts written to the manifest are those of the dump exactly;
- ``files/``: a copy of the private files (the default storage's folder, ``var/files``), copied
  after the snapshot: every file a dumped row names was written before its row committed;
- ``manifest.json``: when, which portal version, the database engine and server, each table's
  row count, the dump's SHA-256 and each file's path, SHA-256 and size.

It is written under a hidden ``.partial`` name and renamed when complete: a folder named
``portal-*`` is always a whole backup. Restoring checks every checksum first, refuses a database
or a storage that is not empty (unless forced), restores with ``pg_restore`` in one transaction
and the files, then counts the rows and hashes the files again.

PostgreSQL only: the embedded SQLite mode is for development, where copying ``var/`` with the
portal stopped is the backup.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath

import psycopg2
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections

MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"
FORMAT = 1
PREFIX = "portal-"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore refused or failed; the message says why, for a person."""


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest: dict


# --- where things are -----------------------------------------------------------------------

def _libpq_env(alias: str = "default") -> dict[str, str]:
    """The connection parameters of database ``alias`` (from DATABASE_URL) as libpq variables:
    pg_dump, pg_restore and psycopg2 all read them, and no password lands on a command line."""
    db = connections[alias].settings_dict
    if connections[alias].vendor != "postgresql":
        raise BackupError(
            f"Backups are for PostgreSQL (production); this database is "
            f"{connections[alias].vendor}. In the embedded development mode, stop the portal and "
            f"copy the var/ folder instead.")
    env = {"PGDATABASE": db["NAME"], "PGHOST": db.get("HOST") or "",
           "PGPORT": str(db.get("PORT") or ""), "PGUSER": db.get("USER") or "",
           "PGPASSWORD": db.get("PASSWORD") or ""}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
                             ("connect_timeout", "PGCONNECT_TIMEOUT")):
        if db.get("OPTIONS", {}).get(option):
            env[variable] = str(db["OPTIONS"][option])
    return {key: value for key, value in env.items() if value}


def _connect(env: dict[str, str]):
    names = {"PGDATABASE": "dbname", "PGHOST": "host", "PGPORT": "port", "PGUSER": "user",
             "PGPASSWORD": "password", "PGSSLMODE": "sslmode", "PGSSLROOTCERT": "sslrootcert",
             "PGCONNECT_TIMEOUT": "connect_timeout"}
    return psycopg2.connect(**{names[key]: value for key, value in env.items()})


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} was not found on PATH: install the PostgreSQL client tools "
                          f"(Debian: apt-get install postgresql-client).")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    # The command is pg_dump or pg_restore found on PATH, with arguments built here.
    result = subprocess.run(command, env={**os.environ, **env},  # noqa: S603
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({result.returncode}): "
                          f"{result.stderr.strip()}")


def files_root() -> Path:
    """The folder of the private files: the default storage's (``var/files``)."""
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        raise BackupError(f"The default storage is {type(storage).__name__}, not a folder: back "
                          f"up its bucket with the provider's tools.")
    return Path(storage.location)


def portal_version() -> str:
    try:
        return metadata.version("eurocluster-portal")
    except metadata.PackageNotFoundError:
        return "unknown"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _walk(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(path for path in root.rglob("*") if path.is_file())


def file_entries(root: Path) -> list[dict]:
    return [{"path": path.relative_to(root).as_posix(), "sha256": sha256_file(path),
             "size": path.stat().st_size} for path in _walk(root)]


# --- row counts ------------------------------------------------------------------------------

TABLES_SQL = """
    SELECT schemaname, tablename FROM pg_tables
    WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2
"""


def table_counts(cursor) -> dict[str, int]:
    """Every user table's row count, as ``schema.table``."""
    cursor.execute(TABLES_SQL)
    counts = {}
    for schema, table in cursor.fetchall():
        cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')  # noqa: S608 -- catalog names
        counts[f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


# --- backup ----------------------------------------------------------------------------------

def backup_create(*, directory: Path, keep: int | None = None, alias: str = "default") -> Backup:
    """Write a new backup folder under ``directory`` and return it. With ``keep``, remove the
    oldest complete backups there beyond the newest ``keep``. Raises BackupError."""
    env = _libpq_env(alias)
    pg_dump = _tool("pg_dump")
    root = files_root()
    directory.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC)
    name = f"{PREFIX}{created:%Y%m%dT%H%M%S%fZ}"
    partial = directory / f".{name}.partial"
    partial.mkdir(mode=0o700)  # personal data: the owner only
    try:
        connection = _connect(env)
        try:
            connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with connection.cursor() as cursor:
                # pg_dump joins this transaction's snapshot: the counts are the dump's.
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server_version = cursor.fetchone()
                counts = table_counts(cursor)
                _run([pg_dump, "--format=custom", f"--snapshot={snapshot}",
                      f"--file={partial / DUMP}"], env)
        finally:
            connection.close()
        if root.is_dir():
            shutil.copytree(root, partial / FILES)
        else:
            (partial / FILES).mkdir()
        manifest = {
            "format": FORMAT,
            "created_at": created.isoformat(),
            "portal_version": portal_version(),
            "database": {"engine": "postgresql", "server_version": server_version,
                         "name": env["PGDATABASE"], "dump": DUMP,
                         "dump_sha256": sha256_file(partial / DUMP),
                         "dump_size": (partial / DUMP).stat().st_size, "tables": counts},
            "files": file_entries(partial / FILES),
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        final = directory / name
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if keep is not None:
        backups_prune(directory=directory, keep=keep)
    return Backup(path=final, manifest=manifest)


def backups_prune(*, directory: Path, keep: int) -> list[Path]:
    """Remove the complete backups in ``directory`` but the newest ``keep``; return them."""
    if keep < 1:
        raise BackupError("--keep must be at least 1.")
    pattern = re.compile(rf"^{PREFIX}\d{{8}}T\d{{12}}Z$")
    found = sorted(path for path in directory.iterdir()
                   if path.is_dir() and pattern.match(path.name) and (path / MANIFEST).exists())
    removed = found[:-keep]
    for path in removed:
        shutil.rmtree(path)
    return removed


# --- restore ---------------------------------------------------------------------------------

def backup_read(path: Path) -> dict:
    """The manifest of the backup at ``path``, after checking every checksum in it.

    Raises BackupError naming each mismatch: the dump, a file changed, missing or not listed.
    """
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{path} is not a backup: it has no {MANIFEST}.") from None
    except ValueError as error:
        raise BackupError(f"{path / MANIFEST} is not valid JSON: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path / MANIFEST} has format {manifest.get('format')!r}; this "
                          f"portal reads format {FORMAT}.")
    problems = []
    database = manifest["database"]
    dump = path / database["dump"]
    if not dump.is_file():
        problems.append(f"the dump {database['dump']} is missing")
    elif sha256_file(dump) != database["dump_sha256"]:
        problems.append(f"the dump {database['dump']} does not match its SHA-256")
    files = path / FILES
    listed = set()
    for entry in manifest["files"]:
        relative = PurePosixPath(entry["path"])
        if relative.is_absolute() or ".." in relative.parts:
            problems.append(f"the file path {entry['path']!r} leaves the files folder")
            continue
        listed.add(entry["path"])
        copy = files / relative
        if not copy.is_file():
            problems.append(f"the file {entry['path']} is missing")
        elif copy.stat().st_size != entry["size"] or sha256_file(copy) != entry["sha256"]:
            problems.append(f"the file {entry['path']} does not match its size and SHA-256")
    problems += [f"the file {relative} is not in the manifest"
                 for relative in (path.relative_to(files).as_posix() for path in _walk(files))
                 if relative not in listed]
    if problems:
        raise BackupError(f"The backup {path} is damaged; nothing was restored: "
                          + "; ".join(problems) + ".")
    return manifest


def backup_restore(*, path: Path, force: bool = False, alias: str = "default") -> dict:
    """Restore the backup at ``path`` into database ``alias`` and the private files' folder, and
    return the manifest. Refuses a damaged backup, and (unless ``force``, which drops what the
    dump holds and overwrites files) a database with tables or a files folder with files. Checks
    every table's row count and every file's hash afterwards. Raises BackupError."""
    manifest = backup_read(path)
    env = _libpq_env(alias)
    pg_restore = _tool("pg_restore")
    root = files_root()
    connection = _connect(env)
    try:
        with connection.cursor() as cursor:
            cursor.execute(TABLES_SQL)
            tables = cursor.fetchall()
    finally:
        connection.close()
    present = next(_walk(root), None)
    if not force and (tables or present):
        what = (f"the database {env['PGDATABASE']} has {len(tables)} tables"
                if tables else f"the files folder {root} is not empty")
        raise BackupError(f"Refusing to restore: {what}. Restore into an empty database and "
                          f"files folder, or pass --force to replace what is there.")
    command = [pg_restore, "--exit-on-error", "--single-transaction", "--no-owner", "--no-acl",
               f"--dbname={env['PGDATABASE']}"]
    if force:
        command += ["--clean", "--if-exists"]
    _run([*command, str(path / manifest["database"]["dump"])], env)
    root.mkdir(parents=True, exist_ok=True)
    for entry in manifest["files"]:
        target = root / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path / FILES / entry["path"], target)
    backup_check(manifest=manifest, alias=alias)
    return manifest


def backup_check(*, manifest: dict, alias: str = "default") -> None:
    """Compare the database's row counts and the private files with ``manifest``.
    Raises BackupError naming each difference."""
    connection = _connect(_libpq_env(alias))
    try:
        with connection.cursor() as cursor:
            counts = table_counts(cursor)
    finally:
        connection.close()
    expected = manifest["database"]["tables"]
    problems = [f"table {table} has {counts.get(table)} rows, the backup {rows}"
                for table, rows in expected.items() if counts.get(table) != rows]
    problems += [f"table {table} is not in the backup" for table in counts.keys() - expected]
    root = files_root()
    for entry in manifest["files"]:
        target = root / entry["path"]
        if not target.is_file() or sha256_file(target) != entry["sha256"]:
            problems.append(f"the file {entry['path']} does not match the backup")
    if problems:
        raise BackupError("The restored data differ from the backup: " + "; ".join(problems)
                          + ".")
