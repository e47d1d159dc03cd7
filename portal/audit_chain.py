"""The audit trail's hash chain: sealing entries into it, and checking it.

Writers (``portal.audit.audit_record``) only insert: no lock, no extra query, inside whatever
transaction they are in. A sealer, run by the beat every minute (``portal.audit_seal``) and by
``manage.py audit_verify --seal``, takes the committed entries not yet in the chain, in the order
of their ids, and gives each ``seq`` (the next position), ``previous_hash`` and ``hash``. One
sealer at a time: a PostgreSQL advisory lock held for the sealing transaction (on SQLite writes
are serialised anyway), and ``seq`` is unique, so two sealers can never fork the chain.

Why not chain in the writer: the chain's tail is one row that every auditing transaction would
have to lock until it commits, so every transaction that audits would queue behind every other
one, and a transaction holding a row lock while it waits for the tail (while another holds the
tail and waits for that row) deadlocks. Sealing after the commit costs the writers nothing; on
PostgreSQL the trigger already freezes an entry's columns from the moment it is written, so the
minute before sealing leaves nothing open but the chain's own columns.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, transaction

from portal.models import CONTENT_COLUMNS, AuditEntry

GENESIS = "0" * 64
# The columns a hash covers: everything written, the Eurocluster, the position and the link.
HASHED_COLUMNS = (*CONTENT_COLUMNS, "eurocluster_id", "seq", "previous_hash")
# pg_advisory_xact_lock key of the sealer ("audit" in ASCII).
SEAL_LOCK = 0x6175646974
SEAL_BATCH = 2000


def canonical(values: Mapping[str, Any]) -> bytes:
    """One entry's hashed columns as canonical JSON: sorted keys, no spaces, UTF-8, times in UTC
    with microseconds, ``data`` as stored (its keys sorted too)."""
    row = {}
    for column in HASHED_COLUMNS:
        value = values[column]
        if column == "created_at":
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        row[column] = value
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def entry_hash(values: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(values)).hexdigest()


def _lock_chain(using) -> None:
    if using.vendor == "postgresql":
        with using.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])


def seal_pending(model=AuditEntry, *, using=connection, limit: int = SEAL_BATCH) -> int:
    """Seal up to ``limit`` entries in the current transaction; the number sealed.

    ``model`` is the real AuditEntry or the migration's historical one (the same columns).
    """
    _lock_chain(using)
    # Read after the lock: a sealer that held it has committed, and this is a new snapshot.
    head = (model.objects.filter(seq__isnull=False).order_by("-seq")
            .values("seq", "hash").first())
    seq, previous = (head["seq"], head["hash"]) if head else (0, GENESIS)
    pending = list(model.objects.filter(seq__isnull=True).order_by("pk")
                   .values(*CONTENT_COLUMNS, "eurocluster_id")[:limit])
    sealed = []
    for values in pending:
        seq += 1
        values.update(seq=seq, previous_hash=previous)
        previous = entry_hash(values)
        sealed.append((values["id"], seq, values["previous_hash"], previous))
    table = using.ops.quote_name(model._meta.db_table)
    # One UPDATE joined to a VALUES list per batch: bulk_update's CASE per column costs
    # quadratic time in the batch (5,000 entries took 15 s where this takes well under one).
    with using.cursor() as cursor:
        for start in range(0, len(sealed), 500):
            batch = sealed[start:start + 500]
            rows = ", ".join(["(%s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                f"WITH sealed (id, seq, previous_hash, hash) AS (VALUES {rows}) "  # noqa: S608 -- no input in the SQL text
                f"UPDATE {table} SET seq = sealed.seq, previous_hash = sealed.previous_hash, "
                f"hash = sealed.hash FROM sealed WHERE {table}.id = sealed.id",
                [value for row in batch for value in row])
    return len(sealed)


def audit_seal(*, batch: int = SEAL_BATCH) -> int:
    """Seal every committed entry not yet in the chain, ``batch`` per transaction; the number
    sealed. Safe to run twice or at the same time as another sealer (they take turns)."""
    total = 0
    while True:
        with transaction.atomic():
            count = seal_pending(limit=batch)
        total += count
        if count < batch:
            return total


@dataclass(frozen=True)
class Break:
    seq: int
    entry_id: int | None
    problem: str


@dataclass(frozen=True)
class ChainStatus:
    verified: int  # entries checked in order before the first break (all of them when ok)
    pending: int
    head_seq: int
    head_hash: str
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def check_chain(rows: Iterable[Mapping[str, Any]]) -> tuple[int, str, Break | None]:
    """Walk sealed entries in ``seq`` order: (last seq, last hash, first break or None)."""
    seq, previous = 0, GENESIS
    for values in rows:
        if values["seq"] != seq + 1:
            return seq, previous, Break(seq + 1, None,
                                        f"entries {seq + 1} to {values['seq'] - 1} are missing "
                                        f"(removed?); the next one is id {values['id']}")
        if values["previous_hash"] != previous:
            return seq, previous, Break(values["seq"], values["id"],
                                        "does not link to the entry before it (that one was "
                                        "edited, replaced or removed)")
        if entry_hash(values) != values["hash"]:
            return seq, previous, Break(values["seq"], values["id"],
                                        "its content does not match its hash (edited)")
        seq, previous = values["seq"], values["hash"]
    return seq, previous, None


def audit_verify(*, expect: tuple[int, str] | None = None) -> ChainStatus:
    """Check the whole chain, and, with ``expect`` = (seq, hash) noted from an earlier run,
    that entry ``seq`` still carries that hash (which catches entries cut from the end)."""
    rows = (AuditEntry.objects.filter(seq__isnull=False).order_by("seq")
            .values(*HASHED_COLUMNS, "hash").iterator(chunk_size=SEAL_BATCH))
    seen = {}

    def remember(rows):
        for values in rows:
            if expect and values["seq"] == expect[0]:
                seen["hash"] = values["hash"]
            yield values

    head_seq, head_hash, broken = check_chain(remember(rows))
    if broken is None and expect and seen.get("hash") != expect[1]:
        broken = Break(expect[0], None,
                       "is missing or differs from the hash noted earlier (entries removed "
                       "from the end, or the chain rewritten)")
    return ChainStatus(
        verified=head_seq, pending=AuditEntry.objects.filter(seq__isnull=True).count(),
        head_seq=head_seq, head_hash=head_hash, broken=broken)
