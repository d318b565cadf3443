"""The trainer's and the students' week, end to end, on a throwaway embedded AWS, with the real scripts only:
deploy; publish the sample class; one student takes the test in the terminal, one in the portal (a real
browser), the third misses it; the scorer runs after the deadline; the outbox holds both students' emails and
the trainer's summary naming the missing student; a redeploy changes nothing; a remove without --purge-data
keeps every submission and score and a new deploy serves them; a remove with --purge-data --yes leaves nothing
of the project behind."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import yaml
from playwright.sync_api import expect, sync_playwright

from tests.integration.harness import ROOT, LocalAws, api_key
from tests.support.throwaway_aws import ThrowawayAws
from testtime.deadlines import parse_instant, to_iso

pytestmark = [pytest.mark.integration, pytest.mark.browser]

SUBJECT, TEST = "operating-systems", "test01"
# content/subjects/operating-systems/subject.yml: people read the title, ids stay in URLs and keys.
SUBJECT_TITLE = "Operating systems"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def sample_test() -> list[dict]:
    return yaml.safe_load((ROOT / "content" / "subjects" / SUBJECT / f"{TEST}.yml").read_text())["questions"]


def wrong_choice(question: dict) -> str:
    return next(choice for choice in question["choices"] if str(choice) != str(question["answer"]))


def take_test_in_the_portal(aws: LocalAws, student: str, choices: dict[str, str]) -> None:
    portal = f"http://127.0.0.1:{aws.portal_port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{portal}/signin")
            page.fill("#api_key", api_key(aws, student))
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_have_text("Open tests")
            page.click(f"a[href='/test/{SUBJECT}/{TEST}']")
            for question_id, choice in choices.items():
                page.check(f"#q-{question_id}-{choice}")
            page.click("text=Review my answers")
            page.click("#submit-answers")
            expect(page.locator("#confirmation")).to_contain_text(f"{len(choices)} of {len(choices)} questions")
        finally:
            browser.close()


def project_leftovers(aws: LocalAws) -> list[str]:
    """Every stack, bucket and log group of the project that still exists."""
    stacks = [
        s["StackName"]
        for s in aws.client("cloudformation").describe_stacks()["Stacks"]
        if s["StackName"].startswith("testtime-") and s["StackStatus"] != "DELETE_COMPLETE"
    ]
    buckets = [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"] if b["Name"].startswith("testtime-")]
    logs = aws.client("logs")
    groups = [
        g["logGroupName"]
        for prefix in ("/aws/lambda/testtime-", "/aws/apigateway/testtime-", "/ecs/testtime", "/aws/ecs/testtime")
        for g in logs.describe_log_groups(logGroupNamePrefix=prefix)["logGroups"]
    ]
    return stacks + buckets + groups


@pytest.fixture(scope="module")
def aws(throwaway_aws: ThrowawayAws) -> Iterator[LocalAws]:
    """Monday: deployed with the portal started as on a trainer's machine, the sample class published."""
    with throwaway_aws("week", deploy_env={"PORTAL_AUTOSTART": "1"}, publish=True) as local:
        yield local


def test_the_whole_week(aws: LocalAws) -> None:
    # Monday (the fixture): deployed, with the portal started as on a trainer's machine; sample class published.
    assert f"http://127.0.0.1:{aws.portal_port}" in aws.deploy_output

    questions = sample_test()
    # student01 takes the test in the terminal and gets everything right.
    aws.run("bin/pull-api-config.sh", "--student", "student01", "--save")
    answers = "".join(f"{q['answer']}\n" for q in questions) + "y\n"
    client = aws.run("bin/test-time.sh", "--subject", SUBJECT, "--test", TEST, input=answers)
    assert "Stored" in client.stdout
    # student02 takes it in the browser and gets the first question wrong.
    portal_choices = {str(q["id"]): str(q["answer"]) for q in questions}
    portal_choices[str(questions[0]["id"])] = wrong_choice(questions[0])
    take_test_in_the_portal(aws, "student02", portal_choices)
    # student03 misses it.

    # After the deadline the scorer runs (as the weekly schedule would) and emails everybody.
    bucket = aws.outputs()["DataBucketName"]
    s3 = aws.client("s3")
    catalog = json.loads(s3.get_object(Bucket=bucket, Key="catalog.json")["Body"].read())
    due = next(t["due"] for t in catalog["tests"] if (t["subject"], t["testId"]) == (SUBJECT, TEST))
    after_due = to_iso(parse_instant(due) + timedelta(minutes=1))
    aws.run("bin/score-now.sh", "--as-of", after_due, "--yes")

    outbox = json.loads(aws.run("bin/outbox.sh", "--json").stdout)
    by_recipient = {tuple(mail["to"]): mail for mail in outbox}
    n = len(questions)
    first = by_recipient[("student01@example.com",)]
    assert first["subject"] == f"[{SUBJECT_TITLE}] [{TEST}] Test score"
    assert f"Score: {n} of {n} correct" in first["text"]
    second = by_recipient[("student02@example.com",)]
    assert f"Score: {n - 1} of {n} correct" in second["text"]
    assert ("student03@example.com",) not in by_recipient
    summary = by_recipient[("trainer@example.com",)]
    assert re.search(r"Missing \(1\): student03\b", summary["text"]), summary["text"]
    assert len(outbox) == 3

    # Nothing new: a second scorer run sends nothing, a redeploy changes nothing.
    aws.run("bin/score-now.sh", "--as-of", after_due, "--yes")
    assert len(json.loads(aws.run("bin/outbox.sh", "--json").stdout)) == 3
    assert "nothing changed since the last deploy" in aws.run("deploy-api-gateway.sh").stdout

    # Remove everything but the data; deploy again; the data is served again.
    kept = [
        f"{SUBJECT}/{TEST}/{student}/{name}"
        for student in ("student01", "student02")
        for name in ("testResult.json", "score.json")
    ]
    before = {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in kept}
    aws.run("remove-api-gateway.sh")
    assert {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in kept} == before
    aws.run("deploy-api-gateway.sh")
    assert aws.outputs()["DataBucketName"] == bucket
    assert {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in kept} == before
    aws.run("bin/pull-api-config.sh", "--student", "student03", "--save")
    open_for_student03 = aws.run("bin/test-time.sh", "--list")
    assert TEST in open_for_student03.stdout, "the kept class list and test are served after the redeploy"

    # Remove everything, data included.
    aws.run("remove-api-gateway.sh", "--purge-data", "--yes")
    assert project_leftovers(aws) == []
