"""Taking a test in a real browser (headless Debian chromium through Playwright, a 390 px phone screen, the page's
Content-Security-Policy in force), the portal under gunicorn against the fake REST API:

* with JavaScript on (static/taking.js): the "2 of 2 answered" count follows each tick, announced politely; the
  answers are kept in the browser across a reload and forgotten once the submission is confirmed, when the test
  comes closed, and on the sign-in page (signing out, on a shared computer);
* with JavaScript off: the whole flow works all the same, and the test opened again says it was submitted before
  any question, with no form.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from portal_support import RICH_TEST, STUDENT_KEY, FakeApi, gunicorn, healthy

from tests.support.browser import ARTIFACTS, chromium

pytestmark = pytest.mark.browser

STORE = "testtime:answers:student07:networks:net01"


@pytest.fixture
def portal_url(fake_api: FakeApi, tmp_path: Path) -> Iterator[str]:
    with gunicorn(fake_api, tmp_path, healthy, ("--workers", "1"), "j" * 48) as (port, log_path):
        yield f"http://127.0.0.1:{port}"
    assert "Traceback" not in log_path.read_text(), log_path.read_text()[-3000:]


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def signed_in(browser: Browser, portal_url: str, javascript: bool) -> tuple[Page, list[str]]:
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{portal_url}/signin")
    page.fill("#api_key", STUDENT_KEY)
    page.click("form.card button[type=submit]")
    expect(page.locator("h1")).to_have_text("Open tests")
    return page, console


def kept(page: Page) -> object:
    return page.evaluate(f"JSON.parse(localStorage.getItem({STORE!r}))")


def test_the_count_follows_the_ticks_and_the_answers_survive_a_reload(
    browser: Browser, portal_url: str, fake_api: FakeApi
) -> None:
    fake_api.test = copy.deepcopy(RICH_TEST)
    page, console = signed_in(browser, portal_url, javascript=True)
    page.goto(f"{portal_url}/test/networks/net01")
    progress = page.locator("#progress")
    expect(progress).to_have_attribute("aria-live", "polite")
    expect(progress).to_have_text("0 of 2 answered")
    page.click("label[for=q-q2-x]")  # the label's text: the whole line is the target
    expect(progress).to_have_text("1 of 2 answered")
    page.check("#q-q1-A")
    page.check("#q-q1-C")
    expect(progress).to_have_text("2 of 2 answered")
    page.uncheck("#q-q1-A")
    page.uncheck("#q-q1-C")
    expect(progress).to_have_text("1 of 2 answered")
    page.check("#q-q1-B")
    assert kept(page) == {"answer.q2": ["x"], "choices.q1": ["B"]}

    page.reload()
    expect(page.locator("#q-q2-x")).to_be_checked()
    expect(page.locator("#q-q1-B")).to_be_checked()
    expect(page.locator("#q-q1-A")).not_to_be_checked()
    expect(progress).to_have_text("2 of 2 answered")
    page.goto(f"{portal_url}/tests")
    page.goto(f"{portal_url}/test/networks/net01")  # opened again from the list: the answers are still there
    expect(page.locator("#q-q1-B")).to_be_checked()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portal-taking-restored-390.png"), full_page=True)

    page.click("text=Review my answers")
    expect(page.locator("#resubmit-note")).to_contain_text("a new submission replaces the earlier one")
    page.click("#submit-answers")
    expect(page.locator("#confirmation")).to_contain_text("2 of 2 questions answered")
    assert fake_api.submissions[0]["answers"] == [
        {"questionId": "q2", "answer": "x"},
        {"questionId": "q1", "answer": ["B"]},
    ]
    # The confirmation page's deferred script forgets them: wait for it (a busy machine runs it late), then check.
    page.wait_for_load_state("load")
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(f"localStorage.getItem({STORE!r}) === null", timeout=10_000)
    assert kept(page) is None, "the answers are forgotten once the submission is confirmed"
    page.goto(f"{portal_url}/test/networks/net01")
    expect(page.locator("#submitted-note")).to_contain_text("Submitted on")
    expect(page.locator("#q-q1-B")).not_to_be_checked()
    assert not [line for line in console if "Content Security Policy" in line or "Refused" in line], console


def test_without_javascript_a_student_takes_and_sends_a_test(
    browser: Browser, portal_url: str, fake_api: FakeApi
) -> None:
    page, _ = signed_in(browser, portal_url, javascript=False)
    page.click("a[href='/test/networks/net01']")
    expect(page.locator("#progress")).to_have_text("0 of 2 answered")
    page.click("label[for=q-q1-A]")
    page.click("text=Review my answers")
    expect(page.locator("#final-note")).to_contain_text("Sending is final")
    expect(page.locator(".warning")).to_contain_text("1 of 2 questions are not answered")
    page.click("text=Change my answers")
    expect(page.locator("#q-q1-A")).to_be_checked()
    expect(page.locator("#progress")).to_have_text("1 of 2 answered")
    page.check("#q-q2-y")
    page.click("text=Review my answers")
    page.click("#submit-answers")
    expect(page.locator("#confirmation")).to_contain_text("Your answers to Layers (Computer networks) are stored")
    sent = fake_api.submissions[0]["answers"]
    assert sent == [{"questionId": "q1", "answer": "A"}, {"questionId": "q2", "answer": "y"}]

    page.goto(f"{portal_url}/test/networks/net01")  # a bookmark, after sending
    note = page.locator("#submitted-note")
    expect(note).to_contain_text("Submitted on Wednesday 18 November 2026, 12:00 UTC")
    assert page.locator("fieldset, form#test-form").count() == 0, "no question, no form"
    page.get_by_role("link", name="See my history").wait_for()
    page.screenshot(path=str(ARTIFACTS / "portal-taking-closed-390.png"), full_page=True)


def answers_kept(page: Page) -> list[str]:
    """The portal's answer keys in this browser, once the page's scripts ran (deferred: after the heading shows)."""
    page.wait_for_load_state("load")
    return list(
        page.evaluate(
            "Object.keys(localStorage).filter(function (name) { return name.indexOf('testtime:answers:') === 0; })"
        )
    )


def test_signing_out_leaves_no_answers_in_the_browser(browser: Browser, portal_url: str) -> None:
    """A shared computer: the next student to sign in must not read the answers the last one kept here."""
    page, console = signed_in(browser, portal_url, javascript=True)
    page.goto(f"{portal_url}/test/networks/net01")
    page.check("#q-q1-A")
    assert kept(page) == {"answer.q1": ["A"]}
    page.evaluate("localStorage.setItem('testtime:answers:student08:networks:net02', '{}')")  # another one's
    page.evaluate("localStorage.setItem('unrelated', 'stays')")
    page.click("form.signout button[type=submit]")
    expect(page.locator("h1")).to_have_text("Sign in")
    assert answers_kept(page) == [], "signed out: no answers in this browser"
    assert page.evaluate("localStorage.getItem('unrelated')") == "stays", "only the portal's answers go"
    page.goto(f"{portal_url}/signin")  # the sign-in page opened by hand, answers kept meanwhile: forgotten too
    page.evaluate(f"localStorage.setItem({STORE!r}, '{{}}')")
    page.reload()
    assert answers_kept(page) == []
    assert not [line for line in console if "Content Security Policy" in line or "Refused" in line], console


def test_a_closed_test_forgets_its_answers(browser: Browser, portal_url: str, fake_api: FakeApi) -> None:
    """Sent from another device (or the confirmation never showed): the test opened again is closed, and what this
    browser kept for it goes; what it kept for another test stays."""
    page, _ = signed_in(browser, portal_url, javascript=True)
    page.goto(f"{portal_url}/test/networks/net01")
    page.check("#q-q1-A")
    assert kept(page) == {"answer.q1": ["A"]}
    other = "testtime:answers:student07:networks:net02"
    page.evaluate(f"localStorage.setItem({other!r}, '{{}}')")
    fake_api.submissions.append({"answers": []})  # submitted elsewhere; the test takes one submission
    page.reload()
    expect(page.locator("#submitted-note")).to_contain_text("cannot be changed")
    assert kept(page) is None, "the closed test's answers are forgotten"
    assert answers_kept(page) == [other]
