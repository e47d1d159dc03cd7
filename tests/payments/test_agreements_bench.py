"""``manage.py bench agreements`` on a few agreements."""

import json
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_bench_times_each_agreement_and_prints_the_figures():
    out, err = StringIO(), StringIO()
    call_command("bench", "agreements", "--in-place", "--count", "3", stdout=out, stderr=err)
    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert figures["benchmark"] == "agreements"
    assert figures["count"] == 3
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    assert figures["bytes_avg"] > 5000
    assert "3/3 agreements" in err.getvalue()
