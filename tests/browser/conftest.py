"""Fixtures for the browser tests: Debian's chromium driven by Playwright against ``live_server``.

- One headless chromium for the whole session (``/usr/bin/chromium``, or ``$CHROMIUM_PATH``).
  ``playwright install`` is never needed: it downloads browsers and fails without internet access.
  A missing chromium is an error, not a skip: CI installs it (``apt-get install -y chromium``).
- A fresh browser context (cookies, storage) per test, pointed at pytest-django's ``live_server``,
  which runs Django in a thread of this process against the test database. The tests therefore use
  a transactional database; ``serialized_rollback`` restores the reference data (organisations,
  roles, courts) that the migrations load and each flush removes.
- Playwright's sync API marks an asyncio event loop as running in this thread for as long as it
  is started. Two consequences for Django code in fixtures and tests:
  - the "async unsafe" guard would refuse ORM calls: ``DJANGO_ALLOW_ASYNC_UNSAFE`` turns it off
    while Playwright runs;
  - ``django.db.connections`` keeps one set of connections for plain sync code and another for
    code running "inside" an event loop, so the connection the tests use is not the one the test
    database was set up on (before Playwright started), and lacks the serialized reference data
    that ``serialized_rollback`` restores. ``playwright_instance`` copies it across.
- Every response with a 4xx/5xx status for a stylesheet, script, font or image fails the test, so a
  missing GOV.UK asset (a broken ``/static/`` or ``/assets/`` path) does not go unnoticed.
- On PostgreSQL, ``pytest tests/browser`` alone uses its own test database (``test_<name>_browser``)
  so that it does not drop or clash with the test database of a suite running at the same time.
  In a whole-suite run the suite's test database is used (pytest sets it up for the first test).
- ``BROWSER_SCREENSHOTS=/some/dir`` saves a full-page screenshot at the end of every test.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.factories import PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 10_000
ASSET_TYPES = {"stylesheet", "script", "font", "image"}


def chromium_path() -> str:
    """The chromium executable: ``$CHROMIUM_PATH`` or Debian's ``/usr/bin/chromium``."""
    path = os.environ.get("CHROMIUM_PATH", DEFAULT_CHROMIUM)
    resolved = shutil.which(path)
    if resolved is None:
        pytest.fail(
            f"Chromium not found at {path!r}. Install Debian's chromium "
            "(`apt-get install -y chromium`) or set CHROMIUM_PATH to a chromium executable. "
            "Do not run `playwright install`: it needs internet access.",
            pytrace=False,
        )
    return resolved


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings: None) -> None:
    """Suffix the PostgreSQL test database name with ``_browser`` (SQLite stays in memory)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        test = database.setdefault("TEST", {})
        test["NAME"] = (test.get("NAME") or f"test_{database['NAME']}") + "_browser"


@pytest.fixture(scope="session")
def live_server(django_db_setup: None, live_server: Any) -> Iterator[Any]:
    """pytest-django's live server, started after the test database is set up so that it stops
    before the test database is dropped.

    The browser closes first (it depends on this fixture); then the server's request threads,
    woken by their keep-alive sockets closing, close their database connections. Wait for them:
    otherwise PostgreSQL refuses to drop a test database still in use, and on SQLite a thread
    closes the shared in-memory connection after the server has stopped sharing it.
    """
    yield live_server
    deadline = time.monotonic() + 10
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=max(0.0, deadline - time.monotonic()))


@pytest.fixture(scope="session")
def playwright_instance(live_server: Any) -> Iterator[Playwright]:
    """Playwright, started after the test database and the live server (so it stops before them:
    its own HTTP client, ``page.request``, keeps connections to the server open until it exits).

    While it runs, Django's async-unsafe guard is off (set here rather than at import so that it
    does not leak into tests that never start a browser), and the test database's serialized
    contents are copied to the connections that code sees once Playwright's loop is running.
    """
    from django.db import connections

    serialized = {
        alias: connections[alias].__dict__.get("_test_serialized_contents") for alias in connections
    }
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            for alias, contents in serialized.items():
                if (
                    contents is not None
                    and connections[alias].__dict__.get("_test_serialized_contents") is None
                ):
                    setattr(connections[alias], "_test_serialized_contents", contents)  # noqa: B010
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """Closes before ``live_server`` stops: its keep-alive connections hold server threads, and
    each thread its database connection."""
    executable = chromium_path()
    try:
        browser = playwright_instance.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
    except PlaywrightError as error:
        pytest.fail(f"Chromium at {executable!r} did not start: {error}", pytrace=False)
    yield browser
    browser.close()


@pytest.fixture
def new_context(
    browser: Browser, live_server: Any, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """Make a browser context on the live server (``java_script_enabled=False`` and so on).

    At teardown, fails the test if any asset failed to load; saves screenshots on request.
    """
    contexts: list[BrowserContext] = []
    broken: list[str] = []

    def record(response: Any) -> None:
        if response.status >= 400 and response.request.resource_type in ASSET_TYPES:
            broken.append(f"{response.status} {response.request.resource_type} {response.url}")

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(base_url=live_server.url, locale="en-GB", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("response", record)
        contexts.append(context)
        return context

    yield make

    shots = os.environ.get("BROWSER_SCREENSHOTS")
    for number, context in enumerate(contexts):
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            for index, page in enumerate(context.pages):
                page.screenshot(path=f"{shots}/{name}-{number}-{index}.png", full_page=True)
        context.close()
    assert not broken, "Assets failed to load:\n" + "\n".join(broken)


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page in a fresh context with JavaScript on, as most users have it."""
    return new_context().new_page()


def _sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form; stays on the sign-in page if the page is already there (e.g.
    after a redirect that carries ``next``)."""
    if "/sign-in/" not in page.url:
        page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """``sign_in(page, username, password=PASSWORD)``: sign in through the sign-in form."""
    return _sign_in
