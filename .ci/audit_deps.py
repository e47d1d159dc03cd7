"""Audit the installed Python packages for known vulnerabilities (`make audit-deps`, and CI).

Runs pip-audit on the environment of the interpreter that runs this script (the project itself,
installed editable, is skipped) and fails only on a vulnerability that has a fixed release to
move to: that is something to do now (raise the lower bound in pyproject.toml, or upgrade the
package that pulls it in). A vulnerability without a fix yet is printed as a warning.

pip-audit counts a package its vulnerability service did not answer for as "skipped", and still
exits 0: a run that audited nothing would look clean. This script says how many packages were
not audited, and when none was (the service is unreachable) it says so loudly; that fails the run
only with AUDIT_REQUIRE_SERVICE=1, because some build machines reach the package index but not
the vulnerability service, and a CI that can never pass protects nothing.

Environment: AUDIT_SERVICE "pypi" (default: PyPI's advisories) or "osv"; AUDIT_OSV_URL, the OSV
query address to use instead of the public one; AUDIT_REQUIRE_SERVICE=1.
Exit status: 0 nothing to fix (or nothing audited, without AUDIT_REQUIRE_SERVICE); 1 a
vulnerability with a fix; 2 nothing audited with AUDIT_REQUIRE_SERVICE=1.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

EDITABLE = "distribution marked as editable"


def audit_report(*, service: str, osv_url: str | None) -> tuple[dict | None, str]:
    """pip-audit's JSON report of this environment, or None and its error output."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "audit.json"
        command = [sys.executable, "-m", "pip_audit", "--skip-editable",
                   "--progress-spinner", "off", "--format", "json", "--output", str(output),
                   "--vulnerability-service", service]
        if osv_url:
            command += ["--osv-url", osv_url]
        # Exit status 1 only says that something was found: the report tells what. (S603: this
        # interpreter and fixed arguments; the service and its address are the caller's own.)
        result = subprocess.run(command, capture_output=True, text=True,  # noqa: S603
                                check=False)
        if not output.exists() or not output.read_text().strip():
            return None, (result.stderr or result.stdout).strip()
        return json.loads(output.read_text()), ""


def verdict(report: dict | None, *, require_service: bool,
            error: str = "") -> tuple[int, list[str]]:
    """The exit status and the lines to print for ``report`` (pip-audit's JSON format)."""
    if report is None:
        lines = ["WARNING: pip-audit did not run to the end; NO package was audited.",
                 *(f"  {line}" for line in error.splitlines()[-5:])]
        return (2 if require_service else 0), lines
    fixable, unfixed, unaudited = [], [], []
    dependencies = report.get("dependencies", [])
    for dependency in dependencies:
        name, version = dependency["name"], dependency.get("version", "?")
        reason = dependency.get("skip_reason")
        if reason:
            if reason != EDITABLE:
                unaudited.append(name)
            continue
        for vuln in dependency.get("vulns", []):
            ids = ", ".join([vuln["id"], *vuln.get("aliases", [])])
            if vuln.get("fix_versions"):
                fixable.append(f"  {name} {version}: {ids}; fixed in "
                               f"{', '.join(vuln['fix_versions'])}")
            else:
                unfixed.append(f"  {name} {version}: {ids}; no fixed release yet")
    audited = len([d for d in dependencies if not d.get("skip_reason")])
    lines = []
    if unfixed:
        lines += ["WARNING: known vulnerabilities without a fixed release (watch them):",
                  *unfixed]
    if unaudited and not audited:
        lines.append(f"WARNING: the vulnerability service answered for none of the "
                     f"{len(unaudited)} packages: NOTHING was audited (is it reachable from "
                     f"this machine?).")
        if not fixable:
            return (2 if require_service else 0), lines
    elif unaudited:
        lines.append(f"WARNING: {len(unaudited)} packages could not be audited: "
                     f"{', '.join(sorted(unaudited))}.")
    if fixable:
        lines += ["FAILED: known vulnerabilities with a fixed release: upgrade these packages "
                  "(raise their lower bound in pyproject.toml, or the bound of the package that "
                  "requires them).", *fixable]
        return 1, lines
    lines.append(f"{audited} packages audited: no known vulnerability with a fixed release.")
    return 0, lines


def main() -> int:
    report, error = audit_report(service=os.environ.get("AUDIT_SERVICE", "pypi"),
                                 osv_url=os.environ.get("AUDIT_OSV_URL") or None)
    status, lines = verdict(report, error=error,
                            require_service=os.environ.get("AUDIT_REQUIRE_SERVICE") == "1")
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
