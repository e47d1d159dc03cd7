"""The dependency audit (`make audit-deps`, .ci/audit_deps.py): fails on a known vulnerability
with a fixed release, warns on one without, and never passes a run that audited nothing as clean.

The end-to-end case runs the real pip-audit on this environment against a stand-in OSV service on
the loopback address (the public one may not be reachable from a build machine)."""

import importlib.util
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "audit_deps.py"
_spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
audit_deps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit_deps)
verdict = audit_deps.verdict


def dependency(name, version="1.0", *vulns, skip_reason=None):
    if skip_reason:
        return {"name": name, "skip_reason": skip_reason}
    return {"name": name, "version": version, "vulns": list(vulns)}


def vuln(vuln_id, *fixes, aliases=()):
    return {"id": vuln_id, "fix_versions": list(fixes), "aliases": list(aliases),
            "description": "..."}


def test_a_vulnerability_with_a_fix_fails_and_says_what_to_upgrade():
    report = {"dependencies": [
        dependency("django", "5.2.1", vuln("PYSEC-2025-1", "5.2.2", "4.2.22",
                                           aliases=["CVE-2025-1"])),
        dependency("rules", "3.5"),
    ]}
    status, lines = verdict(report, require_service=False)
    assert status == 1
    assert lines[-1] == "  django 5.2.1: PYSEC-2025-1, CVE-2025-1; fixed in 5.2.2, 4.2.22"


def test_a_vulnerability_without_a_fix_is_only_a_warning():
    report = {"dependencies": [dependency("pygal", "3.0", vuln("GHSA-x"))]}
    status, lines = verdict(report, require_service=True)
    assert status == 0
    assert lines == ["WARNING: known vulnerabilities without a fixed release (watch them):",
                     "  pygal 3.0: GHSA-x; no fixed release yet",
                     "1 packages audited: no known vulnerability with a fixed release."]


def test_a_clean_report_passes():
    report = {"dependencies": [dependency("django", "5.2.19"), dependency("rules", "3.5")]}
    assert verdict(report, require_service=True) == (
        0, ["2 packages audited: no known vulnerability with a fixed release."])


def test_the_editable_project_is_not_counted_as_unaudited():
    report = {"dependencies": [
        dependency("eurocluster-portal", skip_reason="distribution marked as editable"),
        dependency("django", "5.2.19")]}
    assert verdict(report, require_service=True)[1] == [
        "1 packages audited: no known vulnerability with a fixed release."]


@pytest.mark.parametrize(("require_service", "status"), [(False, 0), (True, 2)])
def test_a_run_that_audited_nothing_says_so_and_fails_when_the_service_is_required(
        require_service, status):
    unreachable = "Dependency not found on PyPI and could not be audited: django (5.2.19)"
    report = {"dependencies": [dependency("django", skip_reason=unreachable),
                               dependency("rules", skip_reason=unreachable)]}
    result = verdict(report, require_service=require_service)
    assert result == (status, [
        "WARNING: the vulnerability service answered for none of the 2 packages: NOTHING was "
        "audited (is it reachable from this machine?)."])


@pytest.mark.parametrize(("require_service", "status"), [(False, 0), (True, 2)])
def test_pip_audit_failing_is_not_a_clean_audit(require_service, status):
    result = verdict(None, require_service=require_service, error="Traceback\nConnectionError")
    assert result == (status, ["WARNING: pip-audit did not run to the end; NO package was "
                               "audited.", "  Traceback", "  ConnectionError"])


def test_packages_left_unaudited_beside_audited_ones_are_named():
    report = {"dependencies": [dependency("django", "5.2.19"),
                               dependency("private-lib", skip_reason="not found")]}
    status, lines = verdict(report, require_service=True)
    assert status == 0
    assert lines[0] == "WARNING: 1 packages could not be audited: private-lib."


class StandInOsv(BaseHTTPRequestHandler):
    """Answers OSV queries: django-ratelimit has a vulnerability fixed in 99.0, pygal one without
    a fix, every other package none."""

    def do_POST(self):
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        name = query["package"]["name"]
        vulns = []
        if name in ("django-ratelimit", "pygal"):
            events = [{"introduced": "0"}] + ([{"fixed": "99.0"}]
                                              if name == "django-ratelimit" else [])
            vulns.append({"id": f"GHSA-test-{name}", "summary": "A test advisory.",
                          "affected": [{"package": {"name": name, "ecosystem": "PyPI"},
                                        "ranges": [{"type": "ECOSYSTEM", "events": events}]}]})
        body = json.dumps({"vulns": vulns} if vulns else {}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_pip_audit_on_this_environment_fails_on_a_fixable_vulnerability():
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandInOsv)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {**os.environ, "AUDIT_SERVICE": "osv", "NO_PROXY": "127.0.0.1",
               "AUDIT_OSV_URL": f"http://127.0.0.1:{server.server_port}/v1/query"}
        result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                                env=env, cwd=ROOT, timeout=300, check=False)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert (f"  django-ratelimit {version('django-ratelimit')}: GHSA-test-django-ratelimit; "
            "fixed in 99.0") in lines
    assert f"  pygal {version('pygal')}: GHSA-test-pygal; no fixed release yet" in lines
    assert not any("could not be audited" in line for line in lines)
