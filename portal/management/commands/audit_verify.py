"""``manage.py audit_verify [--seal] [--expect SEQ:HASH]``: check the audit trail's hash chain.

Prints the chain's head (note it somewhere outside the database: ``--expect`` with it later
also catches entries cut from the end) and how many entries wait to be sealed. Exits 1 with the
first broken entry: a gap in the positions (removed), a broken link, or a hash that no longer
matches the entry's content (edited).
"""

from django.core.management.base import BaseCommand, CommandError

from portal.audit_chain import audit_seal, audit_verify


def _expectation(raw: str) -> tuple[int, str]:
    seq, _, digest = raw.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise CommandError("--expect takes SEQ:HASH, as printed by an earlier run")
    return int(seq), digest.lower()


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit 1 at the first broken entry."

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true",
                            help="seal the entries waiting for the chain first")
        parser.add_argument("--expect", metavar="SEQ:HASH",
                            help="an earlier head: that entry must still carry that hash")

    def handle(self, *args, seal: bool = False, expect: str | None = None, **options):
        expected = _expectation(expect) if expect else None
        if seal:
            self.stdout.write(f"sealed {audit_seal()} entries")
        status = audit_verify(expect=expected)
        if not status.ok:
            broken = status.broken
            entry = f" (id {broken.entry_id})" if broken.entry_id is not None else ""
            raise CommandError(
                f"audit chain BROKEN at entry {broken.seq}{entry}: {broken.problem}; "
                f"entries 1 to {status.verified} are intact")
        self.stdout.write(f"audit chain OK: {status.verified} entries, "
                          f"head {status.head_seq}:{status.head_hash}")
        self.stdout.write(f"{status.pending} entries wait to be sealed")
