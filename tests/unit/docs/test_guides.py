"""The user guides and the screenshots cannot drift apart: every image a guide (or the
screenshots' README) links exists in docs/screenshots/, every name the browser tests pass to
``screenshot(`` is linked from a guide or that README, and every committed PNG is linked."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
GUIDES = ROOT / "docs" / "guides"
SCREENSHOTS = ROOT / "docs" / "screenshots"
BROWSER_TESTS = ROOT / "tests" / "e2e" / "web"
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(\.\./screenshots/([^)\s]+)\)")
README_NAME = re.compile(r"`([\w<>.-]+)\.png`")
SCREENSHOT_CALL = re.compile(r"""screenshot\(\s*\w+\s*,\s*(f?)["']([^"']+)["']""")


def guide_files() -> list[Path]:
    return sorted(GUIDES.glob("*.md"))


def guide_links() -> dict[str, list[str]]:
    """Linked image file → the guides linking it."""
    links: dict[str, list[str]] = {}
    for guide in guide_files():
        for name in IMAGE_LINK.findall(guide.read_text(encoding="utf-8")):
            links.setdefault(name, []).append(guide.name)
    return links


def readme_names() -> set[str]:
    """Names the screenshots' README mentions as `name.png` (templates like home-<login> too)."""
    return set(README_NAME.findall((SCREENSHOTS / "README.md").read_text(encoding="utf-8")))


def screenshot_names() -> list[tuple[str, bool, str]]:
    """(name, is a template, test file) for every screenshot call of the browser tests."""
    found = []
    for test in sorted(BROWSER_TESTS.glob("test_*.py")):
        for is_f, name in SCREENSHOT_CALL.findall(test.read_text(encoding="utf-8")):
            found.append((name, bool(is_f) and "{" in name, test.name))
    return found


def _template(name: str) -> re.Pattern[str]:
    """f"home-{username}" → a pattern matching home-unit_demo, home-staff_gz, …"""
    parts = re.split(r"\{[^}]*\}", name)
    return re.compile(r"[\w-]+".join(re.escape(p) for p in parts) + r"$")


def test_the_guides_exist_and_the_index_links_each_one():
    index = (GUIDES / "README.md").read_text(encoding="utf-8")
    guides = [g.name for g in guide_files() if g.name != "README.md"]
    assert len(guides) >= 5, guides
    missing = [g for g in guides if f"({g})" not in index]
    assert not missing, f"docs/guides/README.md does not link {missing}"


def test_every_linked_image_exists():
    missing = {name: where for name, where in guide_links().items()
               if not (SCREENSHOTS / name).is_file()}
    assert not missing, f"linked but not in docs/screenshots/ (run `make screenshots`): {missing}"


def test_every_screenshot_the_browser_tests_take_is_linked():
    linked = {Path(n).stem for n in guide_links()}
    documented = linked | readme_names()
    calls = screenshot_names()
    assert calls, "no screenshot( calls found in tests/e2e/web"
    unlinked = []
    for name, is_template, test in calls:
        if is_template:
            pattern = _template(name)
            if not any(pattern.match(n) for n in documented) and \
                    re.sub(r"\{[^}]*\}", "<login>", name) not in documented:
                unlinked.append((test, name))
        elif name not in documented:
            unlinked.append((test, name))
    assert not unlinked, f"taken by a browser test but linked from no guide nor README: {unlinked}"


def test_every_committed_screenshot_is_linked_or_documented():
    linked = {Path(n).stem for n in guide_links()}
    documented = linked | readme_names()
    templates = [_template(re.sub(r"<[^>]*>", "{x}", n)) for n in readme_names() if "<" in n]
    stray = [p.name for p in sorted(SCREENSHOTS.glob("*.png"))
             if p.stem not in documented and not any(t.match(p.stem) for t in templates)]
    assert not stray, f"PNG in docs/screenshots/ that no guide nor README mentions: {stray}"
