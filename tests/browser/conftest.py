"""Playwright with the system Chromium, against pytest-django's live server.

Playwright's own browser download is never used: the tests drive Debian's /usr/bin/chromium. When
it is missing the tests skip, unless REQUIRE_BROWSER_TESTS=1 (CI) makes them fail instead.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.browser import accessibility

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium tries to reach Google's services, and outbound connections are
    # refused on locked-down machines.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 10_000
SCREENSHOT_DIR = Path("/tmp")


def chromium_path() -> str | None:
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _cannot_run(reason: str) -> None:
    """Skip, or fail when the environment requires the browser tests to run."""
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        pytest.fail(
            f"REQUIRE_BROWSER_TESTS=1 but the browser tests cannot run: {reason}", pytrace=False
        )
    pytest.skip(f"{reason} (set REQUIRE_BROWSER_TESTS=1 to make this a failure)")


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        _cannot_run(
            "Chromium is not installed (no /usr/bin/chromium and no `chromium` on PATH; "
            "`make chromium` installs Debian's package)"
        )
    try:
        from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415 -- optional: skip without it
    except ImportError:
        _cannot_run("the Python package `playwright` is not installed (pip install -e '.[dev]')")

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    playwright = sync_playwright().start()
    # Playwright's sync API keeps an asyncio loop running in the main thread from here on, and
    # Django refuses ORM calls from a thread with a running loop. The ORM calls of the tests (and
    # of any test that runs after these in the same session) are plain synchronous code, so the
    # guard is lifted exactly while Playwright runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        try:
            chromium = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
        except Exception as error:
            # Chromium is there but does not start: that is broken, never a reason to skip.
            pytest.fail(f"{executable} did not start: {error}", pytrace=False)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


REFUSED_PAGE = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")


def _collect_console_error(message, errors: list[str], allowed: list[re.Pattern],
                           csp_violations: list[str]) -> None:
    url = message.location.get("url", "")
    # Chromium's words for a blocked (or, in report-only mode, reported) resource, at any level.
    if "Content Security Policy" in message.text:
        where = url or (message.page.url if message.page is not None else "")
        csp_violations.append(f"{message.text} ({where})")
        return
    if message.type != "error":
        return
    if any(pattern.search(f"{message.text} ({url})") for pattern in allowed):
        return
    # The portal has no favicon; the browser's automatic request for it is not the page's error.
    if url.endswith("/favicon.ico"):
        return
    # A refused form comes back as the page itself with status 400 or 409, which Chromium logs;
    # the test reads what the page says. A script's refused request is still an error.
    if REFUSED_PAGE.match(message.text) and message.page is not None and url == message.page.url:
        return
    errors.append(f"{message.text} ({url})")


# Every page reports what the content security policy blocked to the test (the binding is
# Playwright's, outside the page's policy), as well as Chromium's console message about it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.reportCspViolation([event.effectiveDirective, event.blockedURI, event.sourceFile,
                             event.lineNumber, event.sample].join(" | "));
});
"""


@pytest.fixture
def allowed_console_errors() -> list[re.Pattern]:
    """Console errors a test expects and checks itself (e.g. a throttled request that the page
    handles): the test appends a pattern, matched against "<message> (<url>)"."""
    return []


@pytest.fixture
def csp_violations() -> list[str]:
    """What the content security policy refused on the test's pages; any fails the test."""
    return []


@pytest.fixture
def axe_findings() -> accessibility.AxeFindings:
    """What axe-core found on each page the test loaded; a serious or critical violation fails
    the test."""
    return accessibility.AxeFindings()


def pytest_terminal_summary(terminalreporter):
    if accessibility.SESSION:
        for line in accessibility.summary_lines():
            terminalreporter.write_line(line)


@pytest.fixture
def page(browser, live_server, transactional_db, request, settings, allowed_console_errors,
         csp_violations, axe_findings):
    """A fresh browser context per test, on the live server; JavaScript errors, content
    security policy violations and serious accessibility violations fail the test."""
    settings.PORTAL_SITE_URL = live_server.url  # links in e-mails lead to the portal under test
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        timezone_id="Europe/Brussels",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.expose_function(
        "reportCspViolation", lambda text: csp_violations.append(f"{text} ({page.url})"))
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    accessibility.install(context, axe_findings)
    page = context.new_page()
    js_errors: list[str] = []
    page.on("pageerror", lambda error: js_errors.append(str(error)))
    page.on("console", lambda message: _collect_console_error(
        message, js_errors, allowed_console_errors, csp_violations))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        path = SCREENSHOT_DIR / f"browser-failure-{name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"Screenshot of the failed page: {path} ({page.url})")
        except Exception as error:  # the page may be gone; the test's own failure matters more
            print(f"No screenshot: {error}")
    context.close()
    if csp_violations and report is not None and report.passed:
        pytest.fail("Content security policy violations:\n" + "\n".join(csp_violations),
                    pytrace=False)
    failing = axe_findings.failing()
    if failing and report is not None and report.passed:
        pytest.fail("Accessibility violations (axe-core, WCAG 2.1 AA):\n" + "\n".join(failing),
                    pytrace=False)
    if js_errors and report is not None and report.passed:
        pytest.fail("JavaScript errors on the page:\n" + "\n".join(js_errors), pytrace=False)
