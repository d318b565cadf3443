"""Issue 12, point 10: every AWS call each function makes in the week's scenarios is allowed by that function's
own role as rendered, judged with IAM enforced (see enforced_account.py for what judges and why), and no role
grants an action on a resource that none of its function's calls needed.

The scenarios are those of the integration tests: a student lists the open tests, reads one, submits it (and
submits again: 409); the trainer reads the results; the scorer scores, emails through SES, runs out of time and
hands over to itself, and the follow-up finishes with the trainer's summary; the trainer reads the results again.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.iam import policy_eval
from tests.iam.deployment import (
    ALL_CLOSED,
    AS_OF,
    GET,
    HISTORY,
    KEYS,
    LIST,
    RESUBMIT_TEST_ID,
    RESULTS,
    SCORER,
    SUBJECT,
    SUBMIT,
    TEST_ID,
    TRAINER_KEY,
    ClientRecord,
    Deployment,
    LambdaContext,
    api_event,
)
from tests.iam.enforced_account import JudgedCall
from tests.iam.rendered_policies import FunctionRole
from testtime import deadlines
from testtime.handlers import get_test, history, list_tests, results, scorer, submit_test
from testtime.mailer import Mailer

# Grants no code of ours exercises, each with the reason it stays.
USED_BY_LAMBDA_ITSELF = {"OwnLogs": "the Lambda service writes the function's logs with the role, not our code"}


class FakeClock:
    """The scorer's pacing and remaining time on one fake time line, so the hand-over needs no real waiting."""

    def __init__(self) -> None:
        self.t = 0.0

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)


@dataclass
class Week:
    records: dict[str, list[ClientRecord]] = field(default_factory=lambda: defaultdict(list))
    outcomes: dict[str, Any] = field(default_factory=dict)

    def judged(self, function: str) -> list[JudgedCall]:
        return [call for record in self.records[function] for call in record.judged]


def _api(
    week: Week, deployment: Deployment, function: str, handler: Callable[..., Any], event: Any, at: Any = None
) -> Any:
    """One API call as ``function``; ``at`` sets the clock (as_function's is before the deadline)."""
    with deployment.as_function(function) as record, pytest.MonkeyPatch.context() as patch:
        if at is not None:
            patch.setattr(deadlines, "utc_now", lambda: at)
        response = handler(event, LambdaContext(function))
    week.records[function].append(record)
    return response["statusCode"], json.loads(response["body"])


def _scorer(week: Week, deployment: Deployment, event: dict[str, Any], budget_ms: float, qualifier: str = "") -> Any:
    """One scorer invocation; its outcome and the hand-over's Invoke parameters, if it handed over."""
    clock = FakeClock()
    with pytest.MonkeyPatch.context() as patch, deployment.as_function(SCORER) as record:
        patch.setattr(scorer, "Mailer", functools.partial(Mailer, clock=clock.monotonic, sleep=clock.sleep))
        context = LambdaContext(SCORER, lambda: budget_ms - clock.t * 1000, qualifier)
        outcome = scorer.handler(event, context)
    week.records[SCORER].append(record)
    invokes = [params for service, op, params in record.api_calls if (service, op) == ("lambda", "Invoke")]
    return outcome, invokes


@pytest.fixture(scope="module")
def week(deployment: Deployment) -> Week:
    deployment.publish()
    week, student = Week(), KEYS["student01"]
    test = {"subjectName": SUBJECT, "testId": TEST_ID}
    answers = {**test, "answers": [{"questionId": "1", "answer": "a"}, {"questionId": "2", "answer": "a"}]}
    outcomes = week.outcomes
    outcomes["list"] = _api(week, deployment, LIST, list_tests.handler, api_event("POST", "/api/v1/tests", student))
    outcomes["get"] = _api(
        week, deployment, GET, get_test.handler, api_event("GET", "/api/v1/test", student, None, test)
    )
    submit = api_event("POST", "/api/v1/test", student, answers)
    outcomes["submit"] = _api(week, deployment, SUBMIT, submit_test.handler, submit)
    outcomes["resubmit"] = _api(week, deployment, SUBMIT, submit_test.handler, submit)
    # A test that allows resubmission: the replacement is version 2 (testResult.2.json), the GET reads the marker.
    replaceable = {"subjectName": SUBJECT, "testId": RESUBMIT_TEST_ID}
    replacing = api_event("POST", "/api/v1/test", student, {**answers, **replaceable})
    outcomes["first version"] = _api(week, deployment, SUBMIT, submit_test.handler, replacing)
    outcomes["second version"] = _api(week, deployment, SUBMIT, submit_test.handler, replacing)
    outcomes["get replaced"] = _api(
        week, deployment, GET, get_test.handler, api_event("GET", "/api/v1/test", student, None, replaceable)
    )
    for other in ("student02", "student03"):
        outcomes[f"submit {other}"] = _api(
            week, deployment, SUBMIT, submit_test.handler, api_event("POST", "/api/v1/test", KEYS[other], answers)
        )
    outcomes["list after submitting"] = _api(
        week, deployment, LIST, list_tests.handler, api_event("POST", "/api/v1/tests", student)
    )
    trainer_view = api_event("GET", "/api/v1/results", TRAINER_KEY, None, test)
    outcomes["results before scoring"] = _api(week, deployment, RESULTS, results.handler, trainer_view)
    # 2.5 s of budget, a 1 s safety margin and SES's 1 email per second: one email, then the hand-over. The
    # schedule invokes the function unqualified; the second link runs as a version (qualified ARN), as it does
    # when the function is invoked through a version or an alias.
    outcomes["scorer"], outcomes["hand-over"] = _scorer(week, deployment, {"asOf": AS_OF}, budget_ms=2500)
    second_event = json.loads(outcomes["hand-over"][0]["Payload"])
    # A chain at the scorer's bound of links may not hand over: it records itself in the on-failure queue.
    at_the_bound = {**second_event, "continuation": {**second_event["continuation"], "link": 9}}
    outcomes["stopped chain"], _ = _scorer(week, deployment, at_the_bound, budget_ms=1500)
    outcomes["second link"], outcomes["second hand-over"] = _scorer(week, deployment, second_event, 2500, "7")
    last_event = json.loads(outcomes["second hand-over"][0]["Payload"])
    outcomes["scorer follow-up"], _ = _scorer(week, deployment, last_event, budget_ms=900_000)
    outcomes["results after scoring"] = _api(week, deployment, RESULTS, results.handler, trainer_view)
    # The student's history: scored (test01), submitted but not scored (test02, a resubmit test: its marker's
    # HEAD); before the tests close for everybody without the key, after with it.
    own = api_event("GET", "/api/v1/history", student)
    outcomes["history"] = _api(week, deployment, HISTORY, history.handler, own)
    outcomes["history after closing"] = _api(week, deployment, HISTORY, history.handler, own, at=ALL_CLOSED)
    # The results come from the scorer's state cache; a score it lacks (here the 2019 service's, of a student who
    # has left the class) is read from its score.json.
    legacy = f"{SUBJECT}/{TEST_ID}/student09/score.json"
    deployment.put(legacy, {"score": 4})
    try:
        outcomes["results with a 2019 score"] = _api(week, deployment, RESULTS, results.handler, trainer_view)
    finally:
        deployment.delete(legacy)
    return week


def test_the_scenarios_behave_as_in_the_integration_tests(week: Week) -> None:
    outcomes = week.outcomes
    assert outcomes["list"][0] == 200 and outcomes["list"][1]["subjects"], outcomes["list"]
    assert outcomes["get"][0] == 200 and len(outcomes["get"][1]["questions"]) == 2, outcomes["get"]
    assert outcomes["submit"][0] == 201 and outcomes["resubmit"][0] == 409, (outcomes["submit"], outcomes["resubmit"])
    assert outcomes["submit student02"][0] == outcomes["submit student03"][0] == 201
    assert outcomes["first version"][0] == 201 and outcomes["second version"][0] == 200, outcomes["second version"]
    assert outcomes["second version"][1]["version"] == 2
    replaced = outcomes["get replaced"]
    assert replaced[0] == 200 and replaced[1]["submitted"] and replaced[1]["submittedAt"], replaced
    listed = outcomes["list after submitting"]  # only the resubmit test, marked as submitted
    assert listed[0] == 200 and [t["testId"] for s in listed[1]["subjects"] for t in s["tests"]] == [RESUBMIT_TEST_ID]
    assert listed[1]["subjects"][0]["tests"][0]["submitted"] is True, listed
    before = outcomes["results before scoring"]
    assert before[0] == 200 and before[1]["tests"][0]["submittedNotScored"] == ["student01", "student02", "student03"]
    first = outcomes["scorer"]
    assert first["testsScored"] == 1 and first["emailsSent"] == 1 and first["handedOver"], first
    assert outcomes["hand-over"][0]["InvocationType"] == "Event", outcomes["hand-over"]
    stopped = outcomes["stopped chain"]
    assert stopped["emailsSent"] == 0 and not stopped["handedOver"], stopped
    assert outcomes["second link"]["emailsSent"] == 1 and outcomes["second link"]["handedOver"]
    assert outcomes["second hand-over"][0]["FunctionName"].endswith(":testtime-scorer:7")
    follow_up = outcomes["scorer follow-up"]
    assert follow_up["emailsSent"] == 1 and follow_up["summarySent"] and not follow_up["handedOver"], follow_up
    after = outcomes["results after scoring"]
    assert after[0] == 200 and after[1]["tests"][0]["scored"] and len(after[1]["tests"][0]["results"]) == 3, after
    assert after[1]["tests"][0]["analysis"]["submitted"] == 3, after
    early, late = outcomes["history"], outcomes["history after closing"]
    assert early[0] == late[0] == 200, (early, late)
    assert {t["testId"]: t["status"] for t in late[1]["tests"]} == {TEST_ID: "scored", RESUBMIT_TEST_ID: "submitted"}
    # Before the close the score comes alone (no review: own answers beside a score give the key away); after it
    # the review has the right answers, read through the key the role may read.
    assert not [t for t in early[1]["tests"] if "review" in t], early
    shown = [set(item) for t in late[1]["tests"] for item in t.get("review", [])]
    assert shown and all({"right", "correct", "answer"} <= item for item in shown), late
    legacy = outcomes["results with a 2019 score"]
    rows = {row["studentId"]: row for row in legacy[1]["tests"][0]["results"]}
    assert legacy[0] == 200 and rows["student09"]["grade"] == 4 and len(rows) == 4, legacy


def _refused(call: JudgedCall) -> bool:
    """Denied by the role. Not so a read its role grants of an object that does not exist (S3's 403 to a role
    without s3:ListBucket): the code reads that as "absent" (a caller's marker before they submit, a score not
    written yet), and tests/iam/test_missing_objects.py proves it does."""
    return not call.allowed and not call.note.startswith("missing object")


def test_no_call_of_any_function_was_denied(week: Week, roles: dict[str, FunctionRole]) -> None:
    for function, role in roles.items():
        calls = week.judged(function)
        assert calls, f"{function}: no scenario ran it"
        assert {call.role for call in calls} == {role.role_name}, f"{function} ran with another role's credentials"
        denied = [f"{c.request.action} {c.request.resource} {dict(c.request.context)} {c.note}" for c in calls]
        denied = [line for line, call in zip(denied, calls, strict=True) if _refused(call)]
        assert not denied, f"{function} was denied:\n" + "\n".join(denied)


def test_every_request_the_code_sent_was_judged(week: Week) -> None:
    """boto3's requests (botocore's before-send, retries included) plus the lean client's are exactly the
    requests the evaluator judged, span by span: nothing reached the account unjudged."""
    for function, records in week.records.items():
        for record in records:
            assert len(record.judged) == len(record.http_sends) + record.lean_requests, (
                function,
                record.http_sends,
                record.lean_requests,
                [(c.request.action, c.request.resource) for c in record.judged],
            )
    scorer_calls = week.judged(SCORER)
    lean = [call.request.action for call in scorer_calls if call.lean_client]
    assert "s3:GetObject" in lean and "s3:PutObject" in lean, "the scorer's lean client was not judged"
    actions = {call.request.action for call in scorer_calls}
    assert {"ses:SendEmail", "ses:GetSendQuota", "lambda:InvokeFunction", "sqs:SendMessage"} <= actions


def _unused_grants(role: FunctionRole, calls: list[JudgedCall]) -> list[tuple[str, str, str]]:
    """(Sid, action, resource) of every single grant of the role that no allowed call needed."""
    unused = []
    for statement in policy_eval.statements(role.policies.values()):
        if statement["Effect"] != "Allow" or statement.get("Sid") in USED_BY_LAMBDA_ITSELF:
            continue
        for action in policy_eval._as_list(statement["Action"]):
            for resource in policy_eval._as_list(statement["Resource"]):
                grant = {**statement, "Action": action, "Resource": resource}
                if not any(call.allowed and policy_eval.statement_applies(grant, call.request) for call in calls):
                    unused.append((str(statement.get("Sid")), action, resource))
    return unused


def test_no_role_grants_what_its_function_never_needed(week: Week, roles: dict[str, FunctionRole]) -> None:
    problems = []
    for function, role in roles.items():
        for sid, action, resource in _unused_grants(role, week.judged(function)):
            problems.append(f"{function} ({sid}): {action} on {resource}")
    assert not problems, "granted but never needed:\n" + "\n".join(problems)
