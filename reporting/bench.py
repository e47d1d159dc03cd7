"""The reporting app's benchmarks, found by ``manage.py bench`` here: ``exports``,
``dashboard`` (which also times the export of all its applications with ``measure_export``) and
``lifecycle`` (a whole call, stage by stage: reporting is the floor that may import every app)."""

from reporting import lifecycle_bench
from reporting.dashboard import bench as dashboard_bench
from reporting.exports.bench import measure_export

__all__ = ["dashboard_bench", "lifecycle_bench", "measure_export"]
