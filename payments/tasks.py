"""Celery tasks of the payments app: thin adapters around the services (see STYLE.md)."""
