"""The portal in a real browser (headless Debian chromium through Playwright), served by gunicorn as
bin/portal.sh runs it, against the API deployed on the throwaway embedded AWS."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.integration.harness import LocalAws, api_key
from tests.integration.portal_support import (
    OPEN_TEST,
    RIGHT,
    SUBJECT,
    free_port,
    publish_portal_content,
    restore_sample_content,
)

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def portal_url(deployed: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The portal as a local process (bin/portal.sh) on a free port, with the portal's content published."""
    publish_portal_content(deployed)
    port = free_port()
    env = {
        "PORTAL_PORT": str(port),
        "PORTAL_STATE_DIR": str(tmp_path_factory.mktemp("portal")),
        "PORTAL_SECRET_KEY": "browser-test-" * 4,
    }
    started = deployed.run("bin/portal.sh", "start", **env)
    assert f"http://127.0.0.1:{port}" in started.stdout
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        deployed.run("bin/portal.sh", "stop", check=False, **env)
        restore_sample_content(deployed)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), (
        "Debian's chromium is missing: ./run-tests.sh installs it (apt-get install chromium)"
    )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(60_000)  # a cold Lambda on a busy machine
    try:
        yield page
    finally:
        context.close()


def test_the_portal_process_is_healthy(portal_url: str) -> None:
    with urllib.request.urlopen(f"{portal_url}/healthz", timeout=10) as response:
        assert response.status == 200
        assert response.headers["X-Frame-Options"] == "DENY"


def test_a_wrong_key_is_refused(portal_url: str, page: Page) -> None:
    page.goto(portal_url)
    assert page.url.endswith("/signin")
    page.fill("#api_key", "not-the-key-of-anybody-at-all")
    page.click("button[type=submit]")
    expect(page.locator("#signin-error")).to_contain_text("This API key was not accepted")
    assert page.url.endswith("/signin")
    page.goto(f"{portal_url}/tests")
    assert page.url.endswith("/signin"), "a refused key signs nobody in"


def test_a_student_signs_in_takes_a_test_and_sees_the_confirmation(
    deployed: LocalAws, portal_url: str, page: Page
) -> None:
    key = api_key(deployed, "portal03")
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    csp_errors: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and csp_errors.append(message.text))

    page.goto(f"{portal_url}/signin")
    page.fill("#api_key", key)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Open tests")
    expect(page.locator(".who")).to_contain_text("Portal Student Three")  # the class list's name, not the id

    page.click(f"a[href='/test/{SUBJECT}/{OPEN_TEST}']")
    expect(page.locator("h1")).to_have_text("Web basics")
    for question_id, choice in RIGHT.items():
        page.check(f"#q-{question_id}-{choice}")
    page.click("text=Review my answers")
    expect(page.locator("h1")).to_have_text("Review: Web basics")
    expect(page.locator("main")).to_contain_text("All 3 questions are answered")

    page.click("#submit-answers")
    expect(page.locator("#confirmation")).to_contain_text("3 of 3 questions answered")
    assert page.url.endswith("/submitted")

    page.click("text=Back to my open tests")
    expect(page.locator(f"a[href='/test/{SUBJECT}/{OPEN_TEST}']")).to_have_count(0)

    session = [c for c in page.context.cookies() if c["name"] == "tt_session"]
    assert session and session[0]["httpOnly"] is True and session[0]["sameSite"] == "Lax"
    assert visited and not any(key in url for url in visited), "the key must never be in a URL"
    assert csp_errors == [], "the pages must work under their own Content-Security-Policy"

    page.click("text=Sign out")
    expect(page.locator(".notice")).to_contain_text("You are signed out")
    page.goto(f"{portal_url}/tests")
    assert page.url.endswith("/signin")
