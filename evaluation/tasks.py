"""Celery tasks of the evaluation app: thin adapters around the services (see STYLE.md)."""
