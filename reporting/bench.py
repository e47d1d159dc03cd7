"""The reporting app's benchmarks, found by ``manage.py bench`` here: ``exports`` and
``dashboard`` (which also times the export of all its applications with ``measure_export``)."""

from reporting.dashboard import bench as dashboard_bench
from reporting.exports.bench import measure_export

__all__ = ["dashboard_bench", "measure_export"]
