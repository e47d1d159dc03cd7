"""axe-core on every page the browser tests load (WCAG 2.1 A and AA rules).

axe-core comes bundled with the ``axe-playwright-python`` package (nothing is fetched at run
time). It is added to every page of a test's browser context as an init script, which runs once
each page has loaded and reports its violations to the test through a Playwright binding, so every
page a journey passes through is checked without the journey asking for it. A page the test leaves
before axe has finished is not counted (``checked`` lists the pages that were).

The same script checks the portal's own page rules on every page but Django's admin, reported as
serious findings: exactly one ``h1`` (portal-one-h1), a ``<title>`` that names the page rather
than the site's default (portal-page-title), and the skip link to ``#main`` as the first thing
the keyboard reaches (portal-skip-link).

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
# The first part of base.html's title when a page names nothing (the home page's own).
DEFAULT_TITLE = "Eurocluster open calls"


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
      }).concat(portalChecks()));
    });
});
// The portal's own page rules, beyond axe's (which only advises one h1 as a best practice):
// exactly one h1, a title that names the page, the skip link first. Django's admin is Django's.
function portalChecks() {
  if (location.pathname.indexOf("/admin/") === 0) { return []; }
  const found = [];
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) {
    found.push({id: "portal-one-h1", impact: "serious", help: "One h1 per page, found " + h1,
                targets: ["h1"]});
  }
  const where = document.title.split(" · ")[0].trim();
  if (!where || (where === DEFAULT_TITLE && location.pathname !== "/")) {
    found.push({id: "portal-page-title", impact: "serious",
                help: "The title names the page, found '" + document.title + "'",
                targets: ["title"]});
  }
  const first = document.querySelector(
    "a[href], button, input:not([type=hidden]), select, textarea");
  if (!first || !first.classList.contains("skip-link") || !document.getElementById("main")) {
    found.push({id: "portal-skip-link", impact: "serious",
                help: "The skip link to #main comes first", targets: ["body"]});
  }
  return found;
}
""".replace("WCAG_TAGS", json.dumps(WCAG_TAGS)).replace("DEFAULT_TITLE", json.dumps(DEFAULT_TITLE))


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
