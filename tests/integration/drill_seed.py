"""Seed of the throwaway database of a drill, run in its own process (``manage.py shell -c``).

``main(n)`` makes one open call and ``n`` complete drafts, each of its own SME, logs each SME in
(a session row, as a log-in would write it) and prints one JSON line: a list of
``{"application": pk, "session": key}``.
"""

import json

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from tests.factories import OpenCallFactory, complete_application


def main(count: int) -> None:
    # The factories set a password per person: the production hasher would be the slow part.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call = OpenCallFactory()
    seeded = []
    for n in range(count):
        application = complete_application(call=call, acronym=f"RUSH{n}")
        user = application.created_by
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        seeded.append({"application": application.pk, "session": session.session_key})
    print(json.dumps(seeded))
