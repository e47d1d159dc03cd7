"""``manage.py bench dashboard``: a small run in place (the test database, rolled back)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_dashboard_bench_renders_with_the_same_queries_at_both_sizes():
    out, err = StringIO(), StringIO()
    call_command("bench", "dashboard", "--applications", "40", "--repeat", "2", "--in-place",
                 stdout=out, stderr=err)
    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert figures["benchmark"] == "dashboard"
    assert (figures["applications"], figures["calls"], figures["renders"]) == (40, 20, 2)
    # The user's load brings her memberships and the bell's unread count (euroclusters.backends).
    assert figures["queries"] == figures["queries_small"] == 20
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
