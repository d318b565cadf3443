"""One-click sign-in from the invitation (contract §5), in headless chromium against the portal as bin/portal.sh
runs it and the API deployed on a throwaway embedded AWS: ``<portal>/signin#key=<key>`` signs the student in, and
the key is in no URL the browser asked for, not in the address, not in the history and not in the portal's log.
With JavaScript off the link opens the plain sign-in form."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.integration.harness import LocalAws, api_key
from tests.integration.portal_support import free_port
from tests.support.browser import ARTIFACTS, chromium
from tests.support.throwaway_aws import ThrowawayAws

pytestmark = [pytest.mark.integration, pytest.mark.browser]

STUDENT = "student01"  # of content/students.yml: Anna Kowalska


@dataclass(frozen=True)
class Portal:
    aws: LocalAws
    url: str
    log: Path


@pytest.fixture(scope="module")
def portal(throwaway_aws: ThrowawayAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """The sample content published, and the portal as a local process on a free port, logging to its state folder."""
    with throwaway_aws("signin-link", publish=True) as aws:
        state = tmp_path_factory.mktemp("portal")
        env = {"PORTAL_PORT": str(free_port()), "PORTAL_STATE_DIR": str(state), "PORTAL_SECRET_KEY": "link-test-" * 5}
        started = aws.run("bin/portal.sh", "start", **env)
        url = f"http://127.0.0.1:{env['PORTAL_PORT']}"
        assert url in started.stdout, started.stdout
        try:
            yield Portal(aws, url, state / "portal.log")
        finally:
            aws.run("bin/portal.sh", "stop", check=False, **env)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def new_page(browser: Browser, javascript: bool = True) -> Page:
    page = browser.new_context(java_script_enabled=javascript, viewport={"width": 390, "height": 844}).new_page()
    page.set_default_timeout(60_000)  # a cold Lambda on a busy machine
    return page


def test_the_invitations_link_signs_the_student_in_and_the_key_goes_nowhere(portal: Portal, browser: Browser) -> None:
    key = api_key(portal.aws, STUDENT)
    page = new_page(browser)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{portal.url}/signin#key={quote(key, safe='')}")
    page.wait_for_url(f"{portal.url}/tests")
    assert page.locator("h1").inner_text() == "Open tests"
    assert "Anna Kowalska" in page.locator("header").inner_text(), "signed in as the link's student"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "signin-link-390.png"), full_page=True)

    # What a browser sends never has the fragment; nothing the page asked for afterwards carries the key either.
    assert any(urlsplit(url).path == "/signin" for url in requested) and any("/tests" in url for url in requested)
    sent = [urlsplit(url)._replace(fragment="").geturl() for url in requested]
    assert not [url for url in sent if key in url or quote(key, safe="") in url], sent
    assert key not in page.evaluate("location.href")

    # Every history entry this tab can reach: back through them all, none holds the key. (Chromium replaces the
    # sign-in page's entry with the form's submission, which the script makes while the page loads.)
    entries, visited = int(page.evaluate("history.length")), [page.url]
    for _ in range(entries):
        if page.go_back() is None and page.url == visited[-1]:
            break
        visited.append(page.evaluate("location.href"))
    assert entries >= 2 and len(visited) == entries, (entries, visited)
    assert not [url for url in visited if key in url or "#key=" in url], visited

    log = portal.log.read_text(encoding="utf-8")
    assert "POST /signin" in log and "GET /tests" in log, "the portal's access log is the one read here"
    assert key not in log and quote(key, safe="") not in log
    page.context.close()


def test_the_key_leaves_the_address_before_the_form_is_sent(portal: Portal, browser: Browser) -> None:
    """The form's POST answered with 204 No Content, so the browser stays on the sign-in page as the script left it."""
    key = api_key(portal.aws, STUDENT)
    page = new_page(browser)
    posted: list[str] = []

    def hold(route: Route) -> None:
        if route.request.method != "POST":
            return route.continue_()
        posted.append(route.request.post_data or "")
        return route.fulfill(status=204)

    page.route(f"{portal.url}/signin", hold)
    # Not until "load": the script's submission, answered with nothing, leaves that wait pending.
    page.goto(f"{portal.url}/signin#key={quote(key, safe='')}", wait_until="commit")
    for _ in range(300):  # the route's handler runs while Playwright waits
        if posted:
            break
        page.wait_for_timeout(100)
    page.wait_for_function("document.readyState === 'complete'")
    assert page.evaluate("location.href") == f"{portal.url}/signin"
    assert page.evaluate("history.length") == 2, "the key's entry was replaced, not added to"
    assert len(posted) == 1 and f"api_key={quote(key, safe='')}" in posted[0], "sent in the POST's body only"
    page.context.close()


def test_without_javascript_the_link_opens_the_plain_form(portal: Portal, browser: Browser) -> None:
    key = api_key(portal.aws, STUDENT)
    page = new_page(browser, javascript=False)
    page.goto(f"{portal.url}/signin#key={quote(key, safe='')}")
    assert page.locator("h1").inner_text() == "Sign in"
    assert page.locator("#api_key").input_value() == "", "nothing filled in, nothing sent"
    page.fill("#api_key", key)  # the student pastes the key from the email
    page.click("button[type=submit]")
    page.wait_for_url(f"{portal.url}/tests")
    page.context.close()


def test_a_link_with_a_wrong_key_ends_on_the_form_with_the_reason(portal: Portal, browser: Browser) -> None:
    page = new_page(browser)
    page.goto(f"{portal.url}/signin#key=not-a-key-of-this-class-0000")
    page.wait_for_selector("#signin-error")
    assert page.url == f"{portal.url}/signin" and "#key=" not in page.evaluate("location.href")
    assert "not accepted" in page.locator("#signin-error").inner_text()
    page.context.close()
