"""Right after a publication, the very next request sees it (issue 18, point 7), though warm containers cache.

Each case publishes version 1 with the real publisher (``ops.publish.publish`` over moto's S3 and API Gateway),
warms this process's caches through the handlers, and publishes version 2 the same way. Then, with no time passed
(``store.clock`` stands still), the requests made while the publisher waits out the API's caches: what would be
refused is read again and a submission decides on the bucket's current catalog. Then, once the publisher's wait is
over (the clock moved by the seconds it asked for, without sleeping), every request answers as version 2 says: a
test reopened or closed early, a new test, a new student, replaced questions.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from api_support import BUCKET, NOW, S3Calls, invoke, make_event

from ops.content import load_content
from ops.deployment import Settings, StackOutputs
from ops.publish import publish
from testtime import layout, store
from testtime.documents.catalog import parse_catalog
from testtime.handlers import get_test, list_tests, results, submit_test

SUBJECT = "networks"
OPEN_DUE = (NOW + timedelta(days=5)).isoformat()
PAST_DUE = (NOW - timedelta(hours=1)).isoformat()


def students_yml(*ids: str) -> str:
    return "".join(f"- id: {sid}\n  name: Student {sid[-2:]}\n  email: {sid}@example.com\n" for sid in ids)


def quiz_yml(
    due: str, *, question: str = "Which layer routes packets?", choices: str = "a: network\n      b: link"
) -> str:
    return (
        f"title: Layers\ndue: {due}\nquestions:\n"
        f"  - id: 1\n    text: {question}\n    choices:\n      {choices}\n    answer: a\n"
    )


V1_STUDENTS = students_yml("student01", "student02")


@dataclass
class Classroom:
    """A deployment's bucket and usage plan in moto, published to with the real publisher."""

    root: Path
    apigateway: Any
    outputs: StackOutputs
    now: float = 1000.0  # store.clock
    published: int = 0
    puts: list[str] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)  # what the publisher asked to wait, each publication

    def publish(self, files: dict[str, str]) -> None:
        """Publish a content folder of ``files`` (relative path -> text), as ``update-subjects-or-students.sh``;
        the publisher's wait is recorded, not spent: see ``wait_out``."""
        self.published += 1
        folder = self.root / f"content-v{self.published}"
        for relative, text in files.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(text, encoding="utf-8")
        when = NOW - timedelta(minutes=10 - self.published)  # version 2 a minute after version 1, before NOW
        content = load_content(folder)
        publish(
            content,
            self.outputs,
            Settings(),
            now=when,
            check=False,
            apigateway=self.apigateway,
            ses=None,
            settle=self.waits.append,
        )

    def wait_out(self) -> None:
        """The publisher's last wait, as if slept: the API's clock moves on by it."""
        assert self.waits, "the publisher did not wait for the API's caches"
        self.now += self.waits[-1]

    def key(self, student_id: str) -> str:
        items = self.apigateway.get_api_keys(includeValues=True, nameQuery=f"testtime-{student_id}")["items"]
        return str(next(item["value"] for item in items if item["name"] == f"testtime-{student_id}"))


@pytest.fixture
def classroom(s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Classroom]:
    apigateway = boto3.client("apigateway", region_name=s3.meta.region_name)
    plan = apigateway.create_usage_plan(name="testtime-students")
    outputs = StackOutputs(
        data_bucket=BUCKET,
        rest_api_id="api123",
        usage_plan_id=plan["id"],
        api_url="https://api123.execute-api.example/api",
        region=s3.meta.region_name,
    )
    room = Classroom(tmp_path, apigateway, outputs)
    monkeypatch.setattr(store, "clock", lambda: room.now)

    def record_put(params: dict[str, Any], **_: Any) -> None:
        room.puts.append(params["Key"])

    s3.meta.events.register("provide-client-params.s3.PutObject", record_put)
    yield room
    s3.meta.events.unregister("provide-client-params.s3.PutObject", record_put)
    for item in apigateway.get_api_keys()["items"]:
        apigateway.delete_api_key(apiKey=item["id"])
    apigateway.delete_usage_plan(usagePlanId=plan["id"])


def get(room: Classroom, test_id: str, student: str = "student01") -> tuple[int, Any]:
    query = {"subjectName": SUBJECT, "testId": test_id}
    return invoke(get_test.handler, make_event("GET", "/api/v1/test", key=room.key(student), query=query))


def listed(room: Classroom, student: str = "student01") -> list[str]:
    status, body = invoke(list_tests.handler, make_event("POST", "/api/v1/tests", key=room.key(student), body={}))
    assert status == 200
    return [test["testId"] for group in body["subjects"] for test in group["tests"]]


def submit(room: Classroom, test_id: str, answer: str = "a", student: str = "student01") -> tuple[int, Any]:
    body = {"subjectName": SUBJECT, "testId": test_id, "answers": [{"questionId": "1", "answer": answer}]}
    return invoke(submit_test.handler, make_event("POST", "/api/v1/test", key=room.key(student), body=body))


def stored(s3: Any, test_id: str, student: str = "student01") -> bool:
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=layout.submission_key(SUBJECT, test_id, student))
    return listing.get("KeyCount", 0) > 0


def catalog_etag(s3: Any) -> str:
    return str(s3.head_object(Bucket=BUCKET, Key=layout.CATALOG)["ETag"])


def test_a_reopened_test_is_open_at_once(classroom: Classroom, s3: Any) -> None:
    classroom.publish({"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": quiz_yml(PAST_DUE)})
    assert get(classroom, "t1")[0] == 410
    assert submit(classroom, "t1")[0] == 410 and listed(classroom) == []

    classroom.publish({"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE)})
    status, body = get(classroom, "t1")  # "closed" is a refusal: the catalog is read again first
    assert (status, body["deadline"]) == (200, OPEN_DUE)
    assert submit(classroom, "t1")[0] == 201 and stored(s3, "t1")


def test_a_reopened_test_is_listed_once_the_publisher_is_done(classroom: Classroom) -> None:
    classroom.publish({"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": quiz_yml(PAST_DUE)})
    assert listed(classroom) == []
    classroom.publish({"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE)})
    classroom.wait_out()
    assert listed(classroom) == ["t1"]


def test_a_test_closed_early_accepts_nothing(classroom: Classroom, s3: Any) -> None:
    classroom.publish({"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE)})
    assert get(classroom, "t1")[0] == 200 and listed(classroom) == ["t1"]

    classroom.publish({"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": quiz_yml(PAST_DUE)})
    classroom.wait_out()  # the publisher returns: from now on the test accepts nothing
    status, body = submit(classroom, "t1")
    assert (status, body["error"]) == (410, "test_closed")
    assert not stored(s3, "t1")
    assert get(classroom, "t1")[0] == 410
    assert listed(classroom) == []


def test_a_test_removed_from_the_content_is_closed_at_once(classroom: Classroom, s3: Any) -> None:
    both = {f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE), f"subjects/{SUBJECT}/t2.yml": quiz_yml(OPEN_DUE)}
    classroom.publish({"students.yml": V1_STUDENTS, **both})
    assert listed(classroom) == ["t1", "t2"] and get(classroom, "t2")[0] == 200

    classroom.publish({"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE)})
    classroom.wait_out()
    assert submit(classroom, "t2")[0] == 410 and not stored(s3, "t2")
    assert listed(classroom) == ["t1"] and get(classroom, "t2")[0] == 410


def test_a_new_test_is_listed_and_served_at_once(classroom: Classroom) -> None:
    classroom.publish({"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE)})
    assert listed(classroom) == ["t1"]
    assert get(classroom, "t2")[0] == 404

    both = {f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE), f"subjects/{SUBJECT}/t2.yml": quiz_yml(OPEN_DUE)}
    classroom.publish({"students.yml": V1_STUDENTS, **both})
    assert get(classroom, "t2")[0] == 200  # "not found" is a refusal: read again first
    classroom.wait_out()
    assert listed(classroom) == ["t1", "t2"]


def test_a_new_student_is_known_at_once_and_missing_in_the_results(classroom: Classroom) -> None:
    test_file = {f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE)}
    classroom.publish({"students.yml": V1_STUDENTS, **test_file})
    assert listed(classroom) == ["t1"]
    trainer = classroom.key("trainer")
    query = {"subjectName": SUBJECT, "testId": "t1"}
    status, body = invoke(results.handler, make_event("GET", "/api/v1/results", key=trainer, query=query))
    assert (status, body["tests"][0]["missing"]) == (200, ["student01", "student02"])

    classroom.publish({"students.yml": students_yml("student01", "student02", "student03"), **test_file})
    status, body = invoke(results.handler, make_event("GET", "/api/v1/results", key=trainer, query=query))
    assert body["tests"][0]["missing"] == ["student01", "student02", "student03"]  # the trainer's view: current
    assert listed(classroom, "student03") == ["t1"]  # an unknown key is a refusal: read again first


def test_replaced_questions_are_checked_at_once_and_served_once_the_publisher_is_done(
    classroom: Classroom, s3: Any
) -> None:
    classroom.publish({"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE)})
    status, body = get(classroom, "t1")
    assert [c["answerId"] for c in body["questions"][0]["answers"]] == ["a", "b"]

    replaced = quiz_yml(OPEN_DUE, question="Which layer carries frames?", choices="a: link\n      c: physical")
    classroom.publish({"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": replaced})
    status, body = submit(classroom, "t1", answer="c")  # checked against the questions of the current catalog
    assert (status, body["answered"]) == (201, 1)
    document = s3.get_object(Bucket=BUCKET, Key=layout.submission_key(SUBJECT, "t1", "student01"))["Body"].read()
    assert json.loads(document)["answers"] == [{"questionId": "1", "answer": "c"}]

    classroom.wait_out()
    status, body = get(classroom, "t1", student="student02")
    assert body["questions"][0]["question"] == "Which layer carries frames?"
    assert [c["answerId"] for c in body["questions"][0]["answers"]] == ["a", "c"]


def test_the_publisher_waits_out_the_api_caches_only_when_it_replaced_what_they_hold(classroom: Classroom) -> None:
    files = {"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE)}
    classroom.publish(files)
    assert classroom.waits == []  # a first publication: no function holds a previous copy
    classroom.publish({**files, f"subjects/{SUBJECT}/t1.yml": quiz_yml(PAST_DUE)})
    assert len(classroom.waits) == 1
    assert store.DEFAULT_TTL_SECONDS < classroom.waits[0] <= store.DEFAULT_TTL_SECONDS + 1
    classroom.publish({**files, f"subjects/{SUBJECT}/t1.yml": quiz_yml(PAST_DUE)})  # nothing changed
    classroom.publish({**files, f"subjects/{SUBJECT}/t2.yml": quiz_yml(OPEN_DUE)})  # a new test: a new catalog
    assert len(classroom.waits) == 2


def test_the_publisher_waits_as_long_as_the_deployment_keeps_its_copies(classroom: Classroom) -> None:
    """A deployment made with ``api_cache_ttl_seconds: 40`` says so in its stack outputs (ApiCacheTtlSeconds):
    the publisher waits that long, not the default."""
    classroom.outputs = dataclasses.replace(classroom.outputs, api_cache_seconds=40.0)
    files = {"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE)}
    classroom.publish(files)
    classroom.publish({**files, f"subjects/{SUBJECT}/t1.yml": quiz_yml(PAST_DUE)})
    assert len(classroom.waits) == 1 and 40 < classroom.waits[0] <= 41


def test_the_publisher_writes_the_catalog_last_naming_the_questions_it_points_at(classroom: Classroom, s3: Any) -> None:
    both = {f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE), f"subjects/{SUBJECT}/t2.yml": quiz_yml(PAST_DUE)}
    classroom.publish({"students.yml": V1_STUDENTS, **both})
    assert classroom.puts[-1] == layout.CATALOG and classroom.puts.count(layout.CATALOG) == 1
    catalog = json.loads(s3.get_object(Bucket=BUCKET, Key=layout.CATALOG)["Body"].read())
    for entry in catalog["tests"]:
        questions = layout.questions_key(entry["subject"], entry["testId"])
        assert classroom.puts.index(questions) < classroom.puts.index(layout.CATALOG)
        assert classroom.puts.index(layout.answer_key_key(entry["subject"], entry["testId"])) < len(classroom.puts) - 1
        body = s3.get_object(Bucket=BUCKET, Key=questions)["Body"].read()
        assert entry["questionsSha256"] == hashlib.sha256(body).hexdigest()

    classroom.puts.clear()
    classroom.publish({"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE)})
    after = json.loads(s3.get_object(Bucket=BUCKET, Key=layout.CATALOG)["Body"].read())["tests"]
    closed = {entry["testId"]: entry for entry in after}["t2"]
    assert closed["closedAt"] is not None and closed["questionsSha256"] == catalog["tests"][1]["questionsSha256"]
    assert classroom.puts == [layout.CATALOG]  # nothing else changed: no questions rewritten


def test_warm_requests_read_nothing_and_an_expired_catalog_is_revalidated(classroom: Classroom, s3: Any) -> None:
    """The questions are proven current by the catalog's digest; a warm submission makes only its two writes; the
    catalog, once its copy has expired, is revalidated with a conditional GET that S3 answers 304 while it is
    unchanged."""
    classroom.publish({"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE)})
    get(classroom, "t1")
    listed(classroom)
    calls = S3Calls()
    conditions: list[str | None] = []

    def record_condition(params: dict[str, Any], **_: Any) -> None:
        if params["Key"] == layout.CATALOG:
            conditions.append(params.get("IfNoneMatch"))

    s3.meta.events.register("provide-client-params.s3.*", calls)
    s3.meta.events.register("provide-client-params.s3.GetObject", record_condition)
    try:
        assert get(classroom, "t1")[0] == 200
        assert calls.names == ["HeadObject"]  # the caller's marker only: submitted already?
        calls.reset()
        assert submit(classroom, "t1")[0] == 201
        assert calls.names == ["PutObject", "PutObject"]
        calls.reset()
        classroom.now += store.DEFAULT_TTL_SECONDS + 1
        assert get(classroom, "t1")[0] == 200
        # Expired: the class list read again, the catalog revalidated, the questions not read (same digest).
        assert calls.names[:2] == ["GetObject", "GetObject"] and calls.keys[:2] == [
            layout.STUDENTS_LIST,
            layout.CATALOG,
        ]
        assert calls.names[2:] == ["HeadObject"]
    finally:
        s3.meta.events.unregister("provide-client-params.s3.*", calls)
        s3.meta.events.unregister("provide-client-params.s3.GetObject", record_condition)
    assert conditions == [catalog_etag(s3)]  # S3 answers 304, without a body, while the catalog is unchanged


def test_questions_of_a_catalog_without_digests_are_read_again_before_an_answer_is_refused(
    classroom: Classroom, s3: Any
) -> None:
    """A catalog written before ``questionsSha256`` existed is still read; its questions keep the TTL cache, and a
    submission naming a choice the cached copy lacks reads them once more."""
    classroom.publish({"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": quiz_yml(OPEN_DUE)})
    catalog = json.loads(s3.get_object(Bucket=BUCKET, Key=layout.CATALOG)["Body"].read())
    for entry in catalog["tests"]:
        entry.pop("questionsSha256", None)
    s3.put_object(Bucket=BUCKET, Key=layout.CATALOG, Body=json.dumps(catalog).encode())
    assert get(classroom, "t1")[0] == 200

    replaced = quiz_yml(OPEN_DUE, choices="a: link\n      c: physical")
    classroom.publish({"students.yml": V1_STUDENTS, f"subjects/{SUBJECT}/t1.yml": replaced})
    s3.put_object(Bucket=BUCKET, Key=layout.CATALOG, Body=json.dumps(catalog).encode())  # as the old publisher left it
    assert submit(classroom, "t1", answer="c")[0] == 201
    status, body = submit(classroom, "t1", answer="z", student="student02")
    assert (status, body["error"]) == (400, "invalid_answer")  # a choice of neither version is still refused


def test_a_damaged_digest_costs_the_cache_not_the_test() -> None:
    entry = {"subject": SUBJECT, "testId": "t1", "due": OPEN_DUE, "questionCount": 1}
    for digest in ("ABC", "g" * 64, "A" * 64, 7, None):
        document = {"version": 1, "tests": [{**entry, "questionsSha256": digest}]}
        parsed = parse_catalog(layout.CATALOG, json.dumps(document).encode())
        test = parsed.find(SUBJECT, "t1")
        assert test is not None and test.questions_sha256 is None and parsed.problems == []
    document = {"version": 1, "tests": [entry]}  # as every catalog before the digest
    assert parse_catalog(layout.CATALOG, json.dumps(document).encode()).find(SUBJECT, "t1") is not None
