"""The production session engine: read from Redis, kept in PostgreSQL, its faults the portal's.

Django's ``cached_db`` spares every signed-in page the session's query (the deadline rush feels
it: ``make loadtest``), with the database as the session's durable copy. Two of its answers to a
fault are not the portal's, so this store changes them:

- The database unreachable while the session is saved (a PostgreSQL restart: the session was read
  from Redis, so the request ran on to its save): Django turns any database error of an update
  into ``UpdateError``, which its middleware answers with a bare 400 "session interrupted". Here
  the database's own error goes on, and the 503 "try again" page answers it
  (``portal.unavailable.server_error``), as it does when the session cannot be read.
- Redis unreachable: reading falls back to the database (as in Django), and so does writing a
  session read from the database back into Redis, which Django does not guard. Deleting a session
  (logging out, a new key at log-in) still fails when Redis cannot be told: a copy left in Redis
  would keep a session alive that the person ended.

Without Redis (development, the fault drills) the sessions are in the database alone, with the
same answer to a fault at the save: ``portal.sessions_database``.
"""

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

from portal.unavailable import DATABASE_ERRORS

logger = logging.getLogger(__name__)


class DatabaseFaultAtSave:
    """A database error while the session is saved goes on as itself (the 503 "try again"
    page), not as Django's ``UpdateError`` (a bare 400 "session interrupted")."""

    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create)
        except UpdateError as error:
            if isinstance(error.__context__, DATABASE_ERRORS):
                raise error.__context__ from None
            raise


class SessionStore(DatabaseFaultAtSave, cached_db.SessionStore):
    def load(self) -> dict:
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 -- Redis down, or a key it refuses: the database answers
            data = None
        if data is not None:
            return data
        row = self._get_session_from_db()
        if not row:
            return {}
        data = self.decode(row.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=row.expire_date))
        except Exception:  # noqa: BLE001 -- read from the database, which stays the durable copy
            logger.warning("session not copied to the cache", exc_info=True)
        return data

    def exists(self, session_key: str | None) -> bool:
        if not session_key:
            return False
        try:
            if self.cache_key_prefix + session_key in self._cache:
                return True
        except Exception:  # noqa: BLE001 -- Redis down: the database knows every session
            logger.warning("session cache not asked whether a key exists", exc_info=True)
        return DatabaseStore.exists(self, session_key)
