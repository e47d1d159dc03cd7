"""axe-core on every page the browser tests load (WCAG 2.1 A and AA rules).

axe-core comes bundled with the ``axe-playwright-python`` package (nothing is fetched at run
time). It is added to every page of a test's browser context as an init script, which runs once
each page has loaded and reports its violations to the test through a Playwright binding, so every
page a journey passes through is checked without the journey asking for it. A page the test leaves
before axe has finished is not counted (``checked`` lists the pages that were).

``preload: false``: axe would otherwise copy the page's style sheets into ``<style>`` elements of
its own (for the one rule that reads CSS, orientation lock), which the portal's content security
policy rightly refuses and the tests report. The portal locks no orientation.
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from importlib.resources import files

# The rules of WCAG 2.0 and 2.1, levels A and AA, as axe tags them.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# What fails a test; "moderate" and "minor" findings are reported, not failed.
FAILING_IMPACTS = {"serious", "critical"}


def axe_source() -> str:
    return files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


RUN_AXE_ON_LOAD = """
window.addEventListener("load", function () {
  if (window.top !== window.self || typeof window.axe === "undefined") { return; }
  window.axe.run(document, {runOnly: {type: "tag", values: WCAG_TAGS}, resultTypes: ["violations"],
                            preload: false})
    .then(function (results) {
      window.reportAxe(location.pathname + location.search, results.violations.map(function (v) {
        return {id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map(function (n) { return n.target.join(" "); })};
      }));
    });
});
""".replace("WCAG_TAGS", json.dumps(WCAG_TAGS))


@dataclass
class AxeFindings:
    checked: list[str] = field(default_factory=list)
    violations: list[tuple[str, dict]] = field(default_factory=list)  # (page, violation)

    def record(self, path: str, violations: list[dict]) -> None:
        self.checked.append(path)
        self.violations.extend((path, violation) for violation in violations)

    def failing(self) -> list[str]:
        return [f"{violation['impact']}: {violation['id']} ({violation['help']}) on {path} at "
                f"{', '.join(violation['targets'])}"
                for path, violation in self.violations if violation["impact"] in FAILING_IMPACTS]

    def rule_counts(self) -> Counter:
        return Counter(f"{violation['id']} [{violation['impact']}]"
                       for _, violation in self.violations)


# Every test's findings, for the summary at the end of the session.
SESSION: list[AxeFindings] = []


def install(context, findings: AxeFindings) -> None:
    """Check every page the context loads from now on."""
    context.expose_function("reportAxe", findings.record)
    context.add_init_script(axe_source() + RUN_AXE_ON_LOAD)
    SESSION.append(findings)


def summary_lines() -> list[str]:
    pages = sorted({path for findings in SESSION for path in findings.checked})
    counts = sum((findings.rule_counts() for findings in SESSION), Counter())
    lines = [f"axe-core (WCAG 2.1 A/AA): {sum(len(f.checked) for f in SESSION)} page loads "
             f"checked, {len(pages)} distinct pages"]
    lines += [f"  {page}" for page in pages]
    lines.append("findings by rule: " + (", ".join(f"{rule} x{count}" for rule, count
                                                   in sorted(counts.items())) or "none"))
    return lines
