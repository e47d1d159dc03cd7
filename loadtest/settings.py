"""The production settings of ``make loadtest``, except HTTPS.

The load test talks plain HTTP to gunicorn on 127.0.0.1, with no TLS-terminating proxy in front:
cookies marked Secure would never come back, and every page would redirect to https://. Nothing
else differs from ``PORTAL_ENV=production`` (which the orchestrator sets, with every secret).
"""

from portal.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
SECURE_PROXY_SSL_HEADER = None
