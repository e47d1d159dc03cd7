"""The reporting app's benchmarks, found by ``manage.py bench`` here."""

from reporting.exports.bench import measure_export

__all__ = ["measure_export"]
