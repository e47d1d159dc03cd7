"""System checks of the portal's own configuration."""

from django.conf import settings
from django.core import checks

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
