"""Browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser), and
the real app served by waitress on a free loopback port over a copy of the demo database.

Without Chromium the tests skip with the reason printed, except when ETSGW_REQUIRE_BROWSER=1
(CI, `.ci/run`), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.integration.web.helpers import build_template, copy_of, settings_for

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def chromium_path() -> str | None:
    for candidate in (os.environ.get("ETSGW_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str):
    if os.environ.get("ETSGW_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (ETSGW_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        _unavailable("Chromium not found (apt-get install chromium, or run .ci/system-deps.sh)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright is not installed: {exc}")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def browser_template(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("browser-template"))


@pytest.fixture
def live_url(browser_template, tmp_path):
    """The real app (waitress, own thread) on 127.0.0.1 and a free port, fresh data per test."""
    from webapp.serve import start_in_thread

    running = start_in_thread(settings_for(copy_of(browser_template, tmp_path)),
                              host="127.0.0.1", port=0, demo_accounts=False)
    yield running.url.rstrip("/")
    running.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15000)
    pg = context.new_page()
    yield pg
    context.close()


def screenshot(page, name: str) -> Path | None:
    """Save the page under docs/screenshots/ when asked (ETSGW_SCREENSHOTS=1, `make screenshots`)."""
    if os.environ.get("ETSGW_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
