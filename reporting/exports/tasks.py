from celery import shared_task

from reporting.exports.services import export_build, exports_remove_expired


@shared_task(name="reporting.build_export", acks_late=True)
def task_build_export(*, export_id: int) -> None:
    export_build(export_id=export_id)


@shared_task(name="reporting.remove_expired_exports")
def task_remove_expired_exports() -> None:
    exports_remove_expired()
