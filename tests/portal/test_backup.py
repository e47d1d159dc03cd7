"""The backup's checks that need no PostgreSQL: the manifest's checksums, pruning, and the
refusal on SQLite. tests/integration/test_backup_restore.py backs up and restores for real."""

import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal.backup import BackupError, backup_read, backups_prune, file_entries

DUMP_BYTES = b"PGDMP fake dump"


def make_backup(path):
    (path / "files" / "applications" / "7").mkdir(parents=True)
    (path / "files" / "applications" / "7" / "a.pdf").write_bytes(b"%PDF-1.4 a %%EOF")
    (path / "files" / "b.pdf").write_bytes(b"%PDF-1.4 bb %%EOF")
    (path / "database.dump").write_bytes(DUMP_BYTES)
    manifest = {"format": 1, "created_at": "2026-12-05T21:00:00+00:00", "portal_version": "0.1.0",
                "database": {"engine": "postgresql", "dump": "database.dump",
                             "dump_sha256": hashlib.sha256(DUMP_BYTES).hexdigest(),
                             "dump_size": len(DUMP_BYTES), "tables": {"public.t": 3}},
                "files": file_entries(path / "files")}
    (path / "manifest.json").write_text(json.dumps(manifest))
    return manifest


def test_intact_backup_reads_with_every_file_listed(tmp_path):
    manifest = make_backup(tmp_path)

    assert backup_read(tmp_path) == manifest
    assert [(entry["path"], entry["size"]) for entry in manifest["files"]] == [
        ("applications/7/a.pdf", 16), ("b.pdf", 17)]
    assert manifest["files"][1]["sha256"] == hashlib.sha256(b"%PDF-1.4 bb %%EOF").hexdigest()


@pytest.mark.parametrize(("damage", "problem"), [
    (lambda p: (p / "database.dump").write_bytes(b"PGDMP other"),
     "the dump database.dump does not match its SHA-256"),
    (lambda p: (p / "database.dump").unlink(), "the dump database.dump is missing"),
    (lambda p: (p / "files" / "b.pdf").write_bytes(b"%PDF-1.4 bX %%EOF"),
     "the file b.pdf does not match its size and SHA-256"),
    (lambda p: (p / "files" / "applications" / "7" / "a.pdf").unlink(),
     "the file applications/7/a.pdf is missing"),
    (lambda p: (p / "files" / "extra.pdf").write_bytes(b"x"),
     "the file extra.pdf is not in the manifest"),
])
def test_damaged_backup_is_refused_naming_the_damage(tmp_path, damage, problem):
    make_backup(tmp_path)
    damage(tmp_path)

    with pytest.raises(BackupError) as refused:
        backup_read(tmp_path)

    assert str(refused.value) == (f"The backup {tmp_path} is damaged; nothing was restored: "
                                  f"{problem}.")


def test_manifest_path_leaving_the_files_folder_is_refused(tmp_path):
    manifest = make_backup(tmp_path)
    manifest["files"].append({"path": "../../etc/cron.d/x", "sha256": "0" * 64, "size": 1})
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(BackupError, match=r"the file path '\.\./\.\./etc/cron\.d/x' leaves the "
                                          r"files folder"):
        backup_read(tmp_path)


def test_folder_without_manifest_is_not_a_backup(tmp_path):
    with pytest.raises(BackupError, match="is not a backup: it has no manifest.json"):
        backup_read(tmp_path)


def test_prune_keeps_the_newest_complete_backups(tmp_path):
    names = [f"portal-2026120{day}T020000000000Z" for day in range(1, 6)]
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text("{}")
    (tmp_path / ".portal-20261206T020000000000Z.partial").mkdir()  # being written: kept
    (tmp_path / "portal-20261207T020000000000Z").mkdir()  # no manifest: not a backup, kept

    removed = backups_prune(directory=tmp_path, keep=2)

    assert [path.name for path in removed] == names[:3]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        ".portal-20261206T020000000000Z.partial", *names[3:], "portal-20261207T020000000000Z"]


def test_backup_on_sqlite_says_it_is_for_postgresql(db, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the embedded SQLite mode's refusal (on PostgreSQL the backup works: "
                    "tests/integration/test_backup_restore.py)")
    with pytest.raises(CommandError, match=r"Backups are for PostgreSQL \(production\); this "
                                           r"database is sqlite\."):
        call_command("backup", str(tmp_path))
    assert list(tmp_path.iterdir()) == []
