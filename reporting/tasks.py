"""The reporting app's tasks, found by Celery's autodiscovery here."""

from reporting.exports.tasks import task_build_export, task_remove_expired_exports

__all__ = ["task_build_export", "task_remove_expired_exports"]
