"""Checks run on a page in the browser: axe-core's accessibility rules, and nothing wider than
the screen.

axe-core comes from npm (``package.json``'s devDependencies, installed by ``make setup``'s
``npm ci``) and is injected into the page from ``node_modules``: no network is needed. The
service's Content Security Policy refuses scripts it did not send, axe's included, so a page to
be checked is opened in a context made with :data:`AXE_CONTEXT` (Playwright's ``bypass_csp``;
the policy itself is tested in ``tests/core/test_content_security_policy.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_CONTEXT: dict[str, Any] = {"bypass_csp": True}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def axe_violations(page: Page, *, disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (every rule axe runs by default, best
    practices included), minus the rules in ``disable``."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make setup).", pytrace=False)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    options = {"rules": {rule: {"enabled": False} for rule in disable}}
    result: dict[str, Any] = page.evaluate(
        "options => axe.run(document, options)", {"resultTypes": ["violations"], **options}
    )
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['failureSummary'].splitlines()[-1]}")
    return "\n".join(lines)


def assert_accessible(page: Page, *, disable: tuple[str, ...] = ()) -> None:
    violations = axe_violations(page, disable=disable)
    assert not violations, f"axe-core on {page.url}:\n{describe(violations)}"


def too_wide(page: Page) -> list[str]:
    """What does not fit the viewport's width: the page scrolling sideways, a box that scrolls
    sideways inside it, or a table or a piece of text whose right edge is off the screen (unless
    an ancestor clips it, as visually hidden text is clipped)."""
    found: list[str] = page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
            + (typeof el.className === 'string' && el.className.trim()
               ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
          const out = [];
          if (document.documentElement.scrollWidth > width) {
            out.push(`the page: ${document.documentElement.scrollWidth}px wide in ${width}px`);
          }
          for (const el of document.querySelectorAll('body *')) {
            const style = getComputedStyle(el);
            if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
              out.push(`${name(el)} scrolls sideways (${el.scrollWidth}px in ${el.clientWidth}px)`);
            }
            const box = el.getBoundingClientRect();
            if (!box.width || !box.height || box.right <= width + 0.5) continue;
            if (el.tagName !== 'TABLE' && el.children.length > 0) continue;
            let clipped = false;
            for (let up = el.parentElement; up && !clipped; up = up.parentElement) {
              clipped = getComputedStyle(up).overflowX !== 'visible'
                && up.getBoundingClientRect().right <= width + 0.5;
            }
            if (!clipped) out.push(`${name(el)}: right edge at ${Math.round(box.right)}px`);
          }
          return out.slice(0, 10);
        }"""
    )
    return found


def assert_fits(page: Page) -> None:
    wide = too_wide(page)
    assert not wide, f"Wider than the screen on {page.url}:\n" + "\n".join(wide)


def csp_errors(page: Page) -> list[str]:
    """The Content Security Policy refusals the page reports from now on (a list that fills as
    the page runs): a script or style the service did not send is an error in the console."""
    errors: list[str] = []
    page.on(
        "console",
        lambda message: errors.append(message.text)
        if message.type == "error" and "Content Security Policy" in message.text
        else None,
    )
    return errors
