"""The trainer's summary of the designed test (test_summary_email.py) in a real browser: headless Debian chromium
through Playwright, the page's JavaScript off as in an email client, at desktop (1280 px) and phone (390 px) width.
Nothing scrolls sideways, the page is 640 px at the most, and each grade's bar is as wide as its count over the
largest count. Screenshots are kept in build/test-artifacts/ (trainer-summary-1280.png, trainer-summary-390.png)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from test_summary_email import designed_email

from tests.support.browser import ARTIFACTS, chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("width", [1280, 390])
def test_the_summary_fits_the_screen_and_its_bars_match_the_counts(browser: Browser, width: int) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.set_content(designed_email().html, wait_until="load")
        # Measured by the browser's own layout (evaluate runs even with the page's JavaScript off).
        scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll <= client, f"the summary is {scroll} px wide on a {client} px screen"
        page_width = page.evaluate("document.querySelector('table.page').getBoundingClientRect().width")
        assert page_width <= 640 and (page_width == 640 if width == 1280 else page_width <= width - 16)
        bars = page.evaluate(
            """[...document.querySelectorAll('table.grade-chart table.bar')].map(bar => ({
                grade: bar.dataset.grade, count: Number(bar.dataset.count),
                width: bar.getBoundingClientRect().width,
                track: bar.closest('td.track').getBoundingClientRect().width}))"""
        )
        assert [bar["grade"] for bar in bars] == ["5", "4", "2", "1", "0"]  # grade 3: nobody, no bar
        top = max(bar["count"] for bar in bars)
        for bar in bars:
            assert bar["track"] > 100, bar  # a chart one can read, even on the phone
            assert abs(bar["width"] - bar["track"] * bar["count"] / top) <= 1.5, bar
        assert page.locator("table.grade-chart td.track").count() == 6
        for heading in ("Grades", "Questions", "Students", "Regraded (2)", "Failures (1)"):
            assert page.get_by_role("heading", name=heading).is_visible(), heading
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"trainer-summary-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
    finally:
        context.close()
