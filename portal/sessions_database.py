"""The session engine without Redis (development, the test suite, the fault drills): Django's
database store, with the portal's answer to a database error at the save (``portal.sessions``:
the 503 "try again" page, not Django's bare 400 "session interrupted")."""

from django.contrib.sessions.backends import db

from portal.sessions import DatabaseFaultAtSave


class SessionStore(DatabaseFaultAtSave, db.SessionStore):
    pass
