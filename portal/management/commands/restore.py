"""``manage.py restore BACKUP [--force]``: bring a backup made by ``manage.py backup`` back.

Checks the manifest's checksums first, refuses a database or files folder that is not empty
(unless ``--force``), restores, then re-checks every table's row count and every file's hash.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup folder written by `manage.py backup` into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="the backup's folder (portal-<time>)")
        parser.add_argument("--force", action="store_true",
                            help="restore over a database and files folder that are not empty "
                                 "(drops the objects the dump holds and overwrites files)")

    def handle(self, *args, backup: Path, force: bool = False, **options):
        try:
            manifest = backup_restore(path=backup, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        tables = manifest["database"]["tables"]
        self.stdout.write(f"restored {backup} (made {manifest['created_at']}, portal "
                          f"{manifest['portal_version']}): {len(tables)} tables, "
                          f"{sum(tables.values())} rows and {len(manifest['files'])} files "
                          f"checked against the manifest")
