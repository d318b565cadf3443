"""Issue 14's trainer page in a real browser (headless Debian chromium through Playwright, JavaScript off) at a
desktop's 1280 px and a phone's 390 px, the portal under gunicorn as bin/portal.sh runs it, against the fake REST
API: the grade chart's bars are as long as their counts say (CSS classes, under the page's Content-Security-Policy),
the page never scrolls sideways (on a phone each table row is a card), and the gradebook link downloads the CSV.
Screenshots go to build/test-artifacts/."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import portal_support
import pytest
from playwright.sync_api import Browser, Page, expect
from portal_support import TRAINER_KEY, FakeApi, gunicorn, healthy
from test_portal_trainer_report import RESULTS

from tests.support.browser import ARTIFACTS, chromium

pytestmark = pytest.mark.browser

GRADES = {"5": 4, "4": 2, "3": 1, "2": 0, "1": 1, "0": 0}  # bars 4 : 2 : 1 : 0 : 1 : 0


def results_document() -> dict[str, Any]:
    document = copy.deepcopy(RESULTS)
    quiz = document["tests"][1]
    quiz["analysis"]["grades"] = GRADES
    quiz["analysis"]["submitted"] = sum(GRADES.values())
    # A long flag and many choices: the questions table is wider than a phone.
    quiz["analysis"]["questions"][1]["choices"] = {f"choice-{n}": n for n in range(8)}
    return document


@pytest.fixture
def portal_url(fake_api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(portal_support, "RESULTS", results_document())  # the fake API serves it from this process
    with gunicorn(fake_api, tmp_path, healthy, options=("--workers", "1"), secret="t" * 48) as (port, log_path):
        yield f"http://127.0.0.1:{port}"
    assert "Traceback" not in log_path.read_text(), log_path.read_text()[-3000:]


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def signed_in_page(browser: Browser, portal_url: str, width: int) -> tuple[Page, list[str]]:
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{portal_url}/signin")
    page.fill("#api_key", TRAINER_KEY)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Results")
    return page, console


def bar_widths(page: Page) -> dict[str, float]:
    widths = {}
    for row in page.locator("#chart-stats-quiz01 tbody tr").all():
        box = row.locator(".gbar").bounding_box()
        widths[str(row.get_attribute("data-grade"))] = box["width"] if box else 0.0
    return widths


@pytest.mark.parametrize("width", [1280, 390])
def test_the_trainer_page_at_desktop_and_phone_width(browser: Browser, portal_url: str, width: int) -> None:
    page, console = signed_in_page(browser, portal_url, width)
    expect(page.locator("#figures-stats-quiz01")).to_contain_text("Standard deviation")
    expect(page.locator("#questions-stats-quiz01")).to_contain_text("few got it right")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"portal-trainer-page-{width}.png"), full_page=True)

    widths = bar_widths(page)
    assert widths["5"] > 40, widths  # the widest bar is drawn (the stylesheet's classes apply under the CSP)
    assert abs(widths["4"] - widths["5"] / 2) <= 1.5 and abs(widths["3"] - widths["5"] / 4) <= 1.5, widths
    assert widths["1"] == pytest.approx(widths["3"], abs=0.5) and widths["2"] <= 0.5, widths
    assert not [line for line in console if "Content Security Policy" in line], console

    # Measured by the browser's own layout (evaluate runs even with the page's JavaScript off).
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    table = page.locator("#questions-stats-quiz01")
    shown_as = table.locator("tbody tr").first.evaluate("row => getComputedStyle(row).display")
    assert shown_as == ("block" if width == 390 else "table-row"), "on a phone each question is a card of its own"
    assert table.evaluate("element => element.scrollWidth <= element.clientWidth"), "the table fits, unscrolled"


def test_the_gradebook_link_downloads_the_csv(browser: Browser, portal_url: str) -> None:
    page, _ = signed_in_page(browser, portal_url, 1280)
    with page.expect_download() as download_info:
        page.click("#gradebook")
    download = download_info.value
    assert download.suggested_filename == "gradebook.csv"
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbfid,name,email,") and "Łukasz Łukaszewicz".encode() in body
