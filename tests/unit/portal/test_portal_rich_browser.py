"""Issue 16's pages in a real browser (headless Debian chromium through Playwright, JavaScript off, a 390 px wide
phone screen), the portal under gunicorn as bin/portal.sh runs it, against the fake REST API: a student ticks two
checkboxes of a multiple-answer question, reviews, sends, and sends a new version that replaces the first."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from portal_support import RICH_TEST, STUDENT_KEY, FakeApi, gunicorn, healthy

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PHONE_WIDTH = 390


@pytest.fixture
def portal_url(fake_api: FakeApi, tmp_path: Path) -> Iterator[str]:
    fake_api.test = copy.deepcopy(RICH_TEST)
    with gunicorn(fake_api, tmp_path, healthy, options=("--workers", "1"), secret="b" * 48) as (port, log_path):
        yield f"http://127.0.0.1:{port}"
    assert "Traceback" not in log_path.read_text(), log_path.read_text()[-3000:]


@pytest.fixture
def page() -> Iterator[Page]:
    assert Path(CHROMIUM).exists(), (
        "Debian's chromium is missing: ./run-tests.sh installs it (apt-get install chromium)"
    )
    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(java_script_enabled=False, viewport={"width": PHONE_WIDTH, "height": 800})
            opened = context.new_page()
            opened.set_default_timeout(30_000)
            yield opened
        finally:
            browser.close()


def assert_fits_the_phone(page: Page) -> None:
    # Measured by the browser's own layout (evaluate runs even with the page's JavaScript off).
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide on a {PHONE_WIDTH} px screen"


def test_a_student_ticks_two_choices_sends_them_and_replaces_them(
    portal_url: str, page: Page, fake_api: FakeApi
) -> None:
    page.goto(f"{portal_url}/signin")
    page.fill("#api_key", STUDENT_KEY)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Open tests")

    page.click("a[href='/test/networks/net01']")
    expect(page.locator("legend").nth(1)).to_contain_text("(2 points, partial credit)")
    expect(page.locator("#resubmit-note")).to_contain_text("a new submission replaces the earlier one")
    assert_fits_the_phone(page)
    page.check("#q-q1-A")
    page.check("#q-q1-C")
    page.check("#q-q2-x")
    page.click("text=Review my answers")
    expect(page.locator("h1")).to_have_text("Review: Layers")
    expect(page.locator("ul.picked li")).to_have_text(["C) data link", "A) network"])
    assert_fits_the_phone(page)

    page.click("#submit-answers")
    expect(page.locator("#confirmation")).to_contain_text("2 of 2 questions answered")
    assert fake_api.submissions[0]["answers"] == [
        {"questionId": "q2", "answer": "x"},
        {"questionId": "q1", "answer": ["C", "A"]},
    ]

    page.click("text=Back to my open tests")
    expect(page.locator(".submitted-note")).to_contain_text("you may send a new version until")
    assert_fits_the_phone(page)
    page.get_by_role("link", name="Send a new version").click()
    page.check("#q-q1-B")
    page.click("text=Review my answers")
    page.click("#submit-answers")
    expect(page.locator("#confirmation")).to_contain_text("replaced the earlier one (this is version 2)")
    assert_fits_the_phone(page)
    assert fake_api.submissions[1]["answers"] == [{"questionId": "q1", "answer": ["B"]}]
