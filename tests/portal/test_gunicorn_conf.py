"""gunicorn.conf.py: the web tier's workers and their garbage collector."""

import gc
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture
def collector():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_a_worker_freezes_what_it_loaded_and_collects_the_young_less_often(collector):
    conf = runpy.run_path(str(CONF))
    assert gc.get_threshold() != conf["GC_THRESHOLDS"]  # Python's defaults before

    conf["post_worker_init"](worker=None)

    assert gc.get_threshold() == conf["GC_THRESHOLDS"] == (50_000, 50, 100)
    assert gc.get_freeze_count() > 0


def test_workers_default_to_one_per_core_and_at_least_two(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 4)
    assert runpy.run_path(str(CONF))["workers"] == 4
    # One core: still two, so that one slow request does not hold every page.
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 1)
    assert runpy.run_path(str(CONF))["workers"] == 2
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(CONF))["workers"] == 3
