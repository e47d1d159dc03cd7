"""System checks of the portal's own configuration.

They run on every management command that checks (``migrate``, which the web container runs
before gunicorn starts, ``runserver``, ``check --deploy``): a shared cache missing for the rate
limits, or a content security policy that was removed or loosened, stops the portal from starting
instead of shipping.
"""

from csp.constants import NONCE, NONE, SELF
from django.conf import settings
from django.core import checks
from django.core.checks import Error

# Caches that every web process shares and that increment atomically: what rate limits need.
SHARED_CACHES = frozenset({
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
    "django_redis.cache.RedisCache",
})


@checks.register(checks.Tags.caches)
def rate_limit_cache(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """In production the rate limits (allauth's and portal.ratelimits') count in a shared cache.

    This stands in for django-ratelimit's own check (the app is not installed for it), which
    calls Django's built-in Redis backend "not officially supported" (its list predates it) and
    refuses the process-local cache even in development, where one process serves.
    """
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.PRODUCTION and backend not in SHARED_CACHES:
        return [checks.Error(
            f"The default cache ({backend}) is not shared between processes: each web process "
            "would count rate limits and log-in lock-outs on its own.",
            hint="Set REDIS_URL (the cache then uses Redis, see REDIS_CACHE_URL).",
            id="portal.E001",
        )]
    return []


CSP_MIDDLEWARE = "csp.middleware.CSPMiddleware"
# Directives that must be exactly these: nothing else may frame the portal, receive its forms,
# change the base of its relative links, or load plugins.
EXACT_DIRECTIVES = {
    "default-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
# The sources a fetch directive may list. Scripts and styles come from the portal's own files
# (a style also with the request's nonce); images may also be data: URIs (Bootstrap's icons and
# allauth's TOTP QR code); any other fetch directive 'self' or 'none'. 'unsafe-inline',
# 'unsafe-eval', hosts and schemes are refused.
ALLOWED_SOURCES = {
    "script-src": {SELF},
    "style-src": {SELF, NONCE},
    "img-src": {SELF, "data:"},
}


@checks.register(checks.Tags.security)
def check_content_security_policy(app_configs, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE:
        errors.append(Error(f"{CSP_MIDDLEWARE} is not in MIDDLEWARE: no page would carry the "
                            "content security policy.", id="portal.E011"))
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
    if not policy:
        # PORTAL_CSP_REPORT_ONLY (development only) moves the policy to the report-only header.
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        if settings.PRODUCTION or not report_only:
            errors.append(Error("CONTENT_SECURITY_POLICY is not set: the content security "
                                "policy would not be enforced.", id="portal.E012"))
            return errors
        policy = report_only
    directives = policy.get("DIRECTIVES", {})
    for name, expected in EXACT_DIRECTIVES.items():
        if list(directives.get(name) or []) != expected:
            errors.append(Error(f"The content security policy's {name} must be "
                                f"{' '.join(expected)}, not {directives.get(name)!r}.",
                                id="portal.E013"))
    for name, sources in directives.items():
        if not name.endswith("-src") or name in EXACT_DIRECTIVES:
            continue
        allowed = ALLOWED_SOURCES.get(name, {SELF, NONE})
        extra = [source for source in sources or [] if source not in allowed]
        if extra:
            errors.append(Error(f"The content security policy's {name} allows {extra!r}: only "
                                f"{sorted(map(str, allowed))!r} may be listed.",
                                id="portal.E014"))
    return errors
