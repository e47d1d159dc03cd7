"""``manage.py backup DIR [--keep N]``: a PostgreSQL dump and the private files, with a manifest.

See ``portal.backup``. Prints the new backup's folder; exits 1 with the reason when it cannot.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, backup_create


class Command(BaseCommand):
    help = ("Back up the database (pg_dump) and the private files into a new folder under DIR, "
            "with a manifest of row counts and SHA-256 checksums.")

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="folder that receives the backup")
        parser.add_argument("--keep", type=int, metavar="N",
                            help="then remove the backups in DIR but the newest N")

    def handle(self, *args, directory: Path, keep: int | None = None, **options):
        try:
            backup = backup_create(directory=directory, keep=keep)
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = backup.manifest
        rows = sum(manifest["database"]["tables"].values())
        self.stdout.write(f"backup written to {backup.path}: "
                          f"{len(manifest['database']['tables'])} tables, {rows} rows, "
                          f"{len(manifest['files'])} files")
