"""Issue 15 in a real browser (headless Debian chromium through Playwright), the portal under gunicorn as
bin/portal.sh runs it, against the fake REST API: every page a student and the trainer meet (sign-in, open tests,
a test, its review, the confirmation, the history, a test already submitted, an empty list, error pages, the
trainer's results),
at a phone's 390 px and a desktop's 1280 px:

* the page never scrolls sideways (the document's scrollWidth is not larger than its clientWidth);
* every visible link, button, answer label and text field is a tap target at least 44 px high;
* axe-core (tests/support/axe, the version pinned in its package-lock.json) finds no serious or critical
  violation of WCAG 2 A/AA (contrast included);
* with CLASS_LANGUAGE=pl every page says ``lang="pl"`` and no text of the English catalog (of two words or more)
  is left in what the page shows.

Screenshots of every page go to build/test-artifacts/. The scan's browser context bypasses the page's
Content-Security-Policy (axe is injected as a script); tests/unit/portal/test_portal_taking_browser.py takes tests
under the policy, with JavaScript on and off.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import portal_support
import pytest
from playwright.sync_api import Browser, Page, expect
from portal_support import RICH_TEST, STUDENT_KEY, TEST, TRAINER_KEY, FakeApi, gunicorn, healthy
from test_portal_trainer_browser import results_document

from ops.catalogs import DOMAINS, extract
from portal.app import create_app
from tests.support.browser import ARTIFACTS, chromium

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "support" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (390, 1280)
MIN_TAP = 44
# Tap targets: links, buttons, the label of an answer (the whole line is the target) and text fields.
TARGETS = "a[href], button, input[type=submit], label:has(input[type=radio]), label:has(input[type=checkbox]), " \
          "input[type=password], input[type=text], input:not([type])"  # fmt: skip
PLACEHOLDER_OR_TAG = re.compile(r"%\([a-z_]+\)s|\{[a-z_]*\}|<[^>]+>")


@pytest.fixture(params=["en", "pl"])
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def portal_url(fake_api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str) -> Iterator[str]:
    fake_api.test = copy.deepcopy(RICH_TEST)
    monkeypatch.setattr(portal_support, "RESULTS", results_document())  # the fake API serves it from this process
    settings = {"CLASS_LANGUAGE": language, "PORTAL_TIMEZONE": "Europe/Warsaw"}
    with gunicorn(fake_api, tmp_path, healthy, ("--workers", "1"), "p" * 48, settings) as (port, log_path):
        yield f"http://127.0.0.1:{port}"
    assert "Traceback" not in log_path.read_text(), log_path.read_text()[-3000:]


@pytest.fixture
def browser() -> Iterator[Browser]:
    assert AXE.is_file(), "axe-core is missing: ./run-tests.sh installs it (npm ci in tests/support/axe)"
    with chromium() as launched:
        yield launched


def english_phrases() -> list[str]:
    """Every run of two words or more of the portal's English texts (the msgids), placeholders and tags cut out:
    none may remain on a page in another language."""
    phrases = set()
    for message in extract(DOMAINS["messages"]):
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            for piece in PLACEHOLDER_OR_TAG.split(text):
                piece = piece.strip(" .,:;()")
                if len(re.findall(r"[A-Za-z]{2,}", piece)) >= 2:
                    phrases.add(piece)
    return sorted(phrases)


def tap_problems(page: Page) -> list[str]:
    found = page.evaluate(
        """selector => Array.from(document.querySelectorAll(selector))
            .filter(element => element.getClientRects().length > 0 && getComputedStyle(element).visibility !== "hidden")
            .map(element => [element.outerHTML.slice(0, 90), element.getBoundingClientRect().height])""",
        TARGETS,
    )
    return [f"{html} is {height:.0f} px high" for html, height in found if height < MIN_TAP]


def axe_problems(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
        "'best-practice']}})"
    )
    assert len(result["passes"]) > 10, "axe ran hardly any rule"
    problems = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            nodes = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            problems.append(f"axe {violation['impact']} {violation['id']}: {violation['help']} -- at {nodes}")
    return problems


class Walk:
    """Checks each page it is shown at the page's width, and keeps what is wrong, page by page."""

    def __init__(self, page: Page, width: int, language: str) -> None:
        self.page, self.width, self.language = page, width, language
        self.problems: list[str] = []
        self.english = english_phrases() if language != "en" else []
        self.seen: list[str] = []

    def check(self, name: str) -> None:
        page = self.page
        self.seen.append(name)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"portal-{name}-{self.language}-{self.width}.png"), full_page=True)
        found = []
        scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if scroll > client:
            found.append(f"scrolls sideways: {scroll} px of content on a {client} px screen")
        found += tap_problems(page)
        found += axe_problems(page)
        lang = page.evaluate("document.documentElement.lang")
        if lang != self.language:
            found.append(f'<html lang="{lang}">, not "{self.language}"')
        if self.english:
            shown = page.evaluate("document.body.innerText")
            found += [f"English left: {phrase!r}" for phrase in self.english if phrase in shown]
        self.problems += [f"{name} ({self.width} px): {problem}" for problem in found]


def open_context(browser: Browser, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def sign_in(page: Page, portal_url: str, key: str) -> None:
    page.goto(f"{portal_url}/signin")
    page.fill("#api_key", key)
    page.click("form.card button[type=submit]")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_is_accessible_and_in_the_class_language(
    browser: Browser, portal_url: str, fake_api: FakeApi, language: str, width: int
) -> None:
    walk = Walk(open_context(browser, width), width, language)
    page = walk.page

    page.goto(f"{portal_url}/signin")
    walk.check("signin")
    page.fill("#api_key", "too short")
    page.click("form.card button[type=submit]")
    expect(page.locator("#signin-error")).to_be_visible()
    walk.check("signin-refused")

    sign_in(page, portal_url, STUDENT_KEY)
    expect(page.locator("table.listing")).to_be_visible()
    walk.check("tests")
    page.click("a[href='/test/networks/net01']")
    walk.check("test")
    page.check("#q-q2-x")
    page.click("#test-form button[type=submit]")
    expect(page.locator("p.warning")).to_be_visible()  # one question left unanswered
    walk.check("review-unanswered")
    page.click("form.actions button.secondary")  # back to the test, to change the answers
    page.check("#q-q1-A")
    page.click("#test-form button[type=submit]")
    expect(page.locator("#submit-answers")).to_be_visible()
    walk.check("review")
    page.click("#submit-answers")
    expect(page.locator("#confirmation")).to_be_visible()
    walk.check("submitted")
    page.goto(f"{portal_url}/history")
    expect(page.locator("section.history-test").first).to_be_visible()
    walk.check("history")
    page.goto(f"{portal_url}/tests")
    expect(page.locator(".submitted-note")).to_be_visible()
    walk.check("tests-resubmit")
    page.goto(f"{portal_url}/test/networks/net01")
    walk.check("test-resubmit")

    fake_api.test = copy.deepcopy(TEST)  # one submission only, already sent: the page says so, and no form
    page.goto(f"{portal_url}/test/networks/net01")
    expect(page.locator("#submitted-note")).to_be_visible()
    walk.check("test-closed")
    page.goto(f"{portal_url}/tests")
    walk.check("tests-empty")
    page.goto(f"{portal_url}/no-such-page")
    walk.check("error-404")
    page.goto(f"{portal_url}/signout")  # a GET: 405
    walk.check("error-405")
    page.click("header .signout button")
    walk.check("signed-out")

    sign_in(page, portal_url, TRAINER_KEY)
    expect(page.locator("#gradebook")).to_be_visible()
    walk.check("results")
    page.goto(f"{portal_url}/results?subjectName=no%20such%20thing")
    expect(page.locator("#results-error")).to_be_visible()
    walk.check("results-refused")

    assert len(walk.seen) == 17
    assert not walk.problems, "\n".join(walk.problems)


def test_the_check_for_english_finds_english(fake_api: FakeApi) -> None:
    """The Polish check is a real one: it finds the English sign-in page's texts, and none on the Polish one."""
    phrases = english_phrases()
    assert "Review my answers" in phrases and "questions are not answered; they will count as wrong" in phrases
    assert not [phrase for phrase in phrases if "%" in phrase or "{" in phrase or "<" in phrase]
    shown = {}
    for language in ("en", "pl"):
        environ = {"API_URL": fake_api.url, "PORTAL_SECRET_KEY": "e" * 48, "CLASS_LANGUAGE": language}
        html = create_app({"TESTING": True}, environ=environ).test_client().get("/signin").get_data(as_text=True)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<body>")[1]))
        shown[language] = [phrase for phrase in phrases if phrase in text]
    assert {"Sign in", "Your API key"} <= set(shown["en"])
    assert shown["pl"] == []
