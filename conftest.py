"""Project-wide pytest fixtures: the shared test region (`world`) and categories."""

from __future__ import annotations

import os

import pytest

from gongwucang.core.testing import PASSWORD, World, ensure_categories, make_world


@pytest.fixture(autouse=True)
def _default_language():  # type: ignore[no-untyped-def]
    """LocaleMiddleware activates a request's language in the test's thread and leaves it active;
    after a test that switched to English, put zh-hans back so the next test in the same worker
    does not get English messages (domain refusals are translated)."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    ensure_categories()
    return make_world()


@pytest.fixture
def categories(db):  # type: ignore[no-untyped-def]
    return ensure_categories()


# --- Browser tests (marked `browser`): Playwright for Python driving Debian's Chromium. ---

CHROMIUM = os.environ.get("GWC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Without Chromium, browser tests are skipped loudly — unless GWC_REQUIRE_BROWSER=1 (CI), where
    a missing browser is a failure."""
    if os.path.exists(CHROMIUM) or os.environ.get("GWC_REQUIRE_BROWSER") == "1":
        return
    skip = pytest.mark.skip(reason=f"浏览器测试需要 {CHROMIUM}（apt-get install chromium）")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def _playwright_browser():  # type: ignore[no-untyped-def]
    # The sync API runs an event loop in this thread; the ORM calls our tests make between page
    # actions are plain synchronous calls, so Django's async-safety guard is lifted for them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_context(_playwright_browser, live_server):  # type: ignore[no-untyped-def]
    """A fresh browser context (own cookies) against the live test server, Chinese locale."""
    context = _playwright_browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):  # type: ignore[no-untyped-def]
    return browser_context.new_page()


def login(page, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Log in through the real form."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
