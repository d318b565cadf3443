"""What an adversarial client sends besides bad ids (issue 18): every answer is a 4xx JSON error in the shape the
OpenAPI file documents (``invoke`` checks it), in plain words naming what is wrong, and nothing is stored.

The handlers run against the api suite's moto bucket with the published content (conftest.py). The integration
fuzz test (tests/integration/test_api_fuzz.py) covers what the OpenAPI description generates; these are the
cases it does not: bodies no schema describes, repeated parameters, odd encodings.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from api_support import BUCKET, check_against_spec, invoke, make_event, openapi

from testtime.handlers import get_test, list_tests, results, submit_test
from testtime.identity import api_key_digest

SUBJECT, TEST = "operating-systems", "test01"
TRAINER_KEY = "the-trainers-key-0002"
VALID_SUBMISSION = {"subjectName": SUBJECT, "testId": TEST, "answers": [{"questionId": "1", "answer": "a"}]}

# Words of Python's own exceptions that must never reach a student.
RAW_PHRASES = ("Traceback", "Exceeds the limit", "set_int_max_str_digits", "JSONDecodeError", "Expecting value:")

BODY_ROUTES: list[tuple[str, Callable[..., dict[str, Any]]]] = [
    ("/api/v1/tests", list_tests.handler),
    ("/api/v1/test", submit_test.handler),
]


@pytest.fixture
def content(published: Any) -> Any:
    published.put_object(
        Bucket=BUCKET, Key="trainer.json", Body=json.dumps({"api_key_sha256": api_key_digest(TRAINER_KEY)})
    )
    return published


def _keys(s3: Any) -> set[str]:
    return {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def post(handler: Any, path: str, raw: str | None, *, base64_body: bool = False, **headers: str) -> tuple[int, Any]:
    event = make_event("POST", path, raw_body=raw, base64_body=base64_body)
    for name, value in headers.items():
        event["headers"][name.replace("_", "-")] = value
    event["multiValueHeaders"] = {name: [value] for name, value in event["headers"].items()}
    return invoke(handler, event)


def refused(status: int, body: Any, starts: str, code: str = "bad_request") -> None:
    assert (status, body.get("error")) == (400, code), body
    assert body["message"].startswith(starts), body["message"]
    assert not any(phrase in body["message"] for phrase in RAW_PHRASES), body["message"]


# --- bodies that are not a JSON object of this API ---------------------------------------------------------------

MALFORMED_BODIES = [
    ("arrays nested 32000 deep", "[" * 32_000 + "]" * 32_000, "The request body is nested too deeply."),
    ("objects nested 10000 deep", '{"a":' * 10_000 + "1" + "}" * 10_000, "The request body is nested too deeply."),
    ("NaN", '{"subjectName": NaN}', "The request body is not valid JSON: NaN is not a number in JSON."),
    ("Infinity", '{"x": Infinity}', "The request body is not valid JSON: Infinity is not a number in JSON."),
    ("-Infinity", '{"x": -Infinity}', "The request body is not valid JSON: -Infinity is not a number in JSON."),
    ("a float beyond float", '{"x": 1e400}', "The request body contains a number too large to use."),
    ("5000 digits", '{"x": ' + "9" * 5000 + "}", "The request body contains a number of more than 100 digits."),
    ("long fraction", '{"x": 0.' + "1" * 200 + "}", "The request body contains a number of more than 100 digits."),
    ("trailing comma", '{"testId": "test01",}', "The request body is not valid JSON: "),
    ("two documents", '{"a": 1}{"b": 2}', "The request body is not valid JSON: extra data at line 1, column 9."),
    ("single quotes", "{'a': 1}", "The request body is not valid JSON: "),
    ("a NUL byte", '{"a": "\x00"}', "The request body is not valid JSON: "),
    ("a lone surrogate", '{"a": "\ud800"}', "The request body is not UTF-8 text."),
    ("an array", "[]", "The request body must be a JSON object, not an array."),
    ("a string", '"subjectName"', "The request body must be a JSON object, not a string."),
    ("true", "true", "The request body must be a JSON object, not a boolean."),
    ("null", "null", "The request body must be a JSON object, not null."),
]


@pytest.mark.parametrize(("path", "handler"), BODY_ROUTES, ids=[path for path, _ in BODY_ROUTES])
def test_a_body_that_is_not_a_json_object_is_refused_in_plain_words(content: Any, path: str, handler: Any) -> None:
    before = _keys(content)
    for case, raw, message in MALFORMED_BODIES:
        status, body = post(handler, path, raw)
        refused(status, body, message)
        assert body["message"] == message or message.endswith(": "), (case, body["message"])
    assert _keys(content) == before


DUPLICATES = [
    ('{"subjectName": "operating-systems", "testId": "test01", "testId": "net01", "answers": []}', "testId"),
    (
        '{"subjectName": "networks", "subjectName": "operating-systems", "testId": "test01", "answers": []}',
        "subjectName",
    ),
    ('{"subjectName": "operating-systems", "testId": "test01", "answers": [], "answers": []}', "answers"),
    (
        '{"subjectName": "operating-systems", "testId": "test01", "studentId": "student01", "studentId": "x"}',
        "studentId",
    ),
    (
        '{"subjectName": "operating-systems", "testId": "test01", '
        '"answers": [{"questionId": "1", "questionId": "2", "answer": "a"}]}',
        "questionId",
    ),
    (
        '{"subjectName": "operating-systems", "testId": "test01", '
        '"answers": [{"questionId": "1", "answer": "a", "answer": "b"}]}',
        "answer",
    ),
]


@pytest.mark.parametrize(("path", "handler"), BODY_ROUTES, ids=[path for path, _ in BODY_ROUTES])
def test_a_field_given_twice_is_refused_rather_than_the_last_one_taken(content: Any, path: str, handler: Any) -> None:
    before = _keys(content)
    for raw, field in DUPLICATES:
        status, body = post(handler, path, raw)
        refused(status, body, f"The request body gives the field {field!r} more than once; give each field once.")
    assert _keys(content) == before


# --- encodings and sizes ---------------------------------------------------------------------------------------------


def test_a_base64_body_is_decoded_and_stored(content: Any) -> None:
    status, body = post(submit_test.handler, "/api/v1/test", json.dumps(VALID_SUBMISSION), base64_body=True)
    assert (status, body["answered"]) == (201, 1)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not base64 at all!", "The request body is not valid base64."),
        (base64.b64encode(b'{"subjectName": "\xff\xfe"}').decode(), "The request body is not UTF-8 text."),
        (base64.b64encode('{"subjectName": "caf\xe9"}'.encode("latin-1")).decode(), "The request body is not UTF-8"),
        (base64.b64encode(b"\x00" * 70_000).decode(), "The request body is larger than 65536 bytes."),
    ],
)
def test_a_base64_body_that_is_not_utf8_json_is_refused(content: Any, raw: str, message: str) -> None:
    event = make_event("POST", "/api/v1/test", raw_body=raw)
    event["isBase64Encoded"] = True
    status, body = invoke(submit_test.handler, event)
    assert status == 400 and body["message"].startswith(message), body


@pytest.mark.parametrize(("path", "handler"), BODY_ROUTES, ids=[path for path, _ in BODY_ROUTES])
def test_a_huge_body_is_refused_before_it_is_parsed(content: Any, path: str, handler: Any) -> None:
    huge = json.dumps({**VALID_SUBMISSION, "padding": "x" * 1_000_000})
    status, body = post(handler, path, huge)
    assert (status, body["error"]) == (400, "payload_too_large")
    assert body["message"] == "The request body is larger than 65536 bytes."


@pytest.mark.parametrize(("path", "handler"), BODY_ROUTES, ids=[path for path, _ in BODY_ROUTES])
def test_a_body_over_what_a_function_can_be_sent_is_documented_as_api_gateways_413(path: str, handler: Any) -> None:
    # Lambda takes at most 6 MB per synchronous invocation; API Gateway answers a bigger request itself.
    check_against_spec("POST", path, 413, {"message": "Request Too Long"})


@pytest.mark.parametrize(
    ("answers", "code", "message"),
    [
        (
            [{"questionId": "1", "answer": "a"}] * 1500,
            "invalid_answer",
            "answers[1].questionId: question 1 is answered",
        ),
        (["a"] * 10_000, "bad_request", "answers[0]: must be an object with questionId and answer"),
        ([[[[]]]] * 5000, "bad_request", "answers[0]: must be an object"),
    ],
)
def test_a_huge_answer_list_is_refused_at_its_first_problem(
    content: Any, answers: list[Any], code: str, message: str
) -> None:
    raw = json.dumps({"subjectName": SUBJECT, "testId": TEST, "answers": answers})
    assert len(raw) <= 65536
    status, body = post(submit_test.handler, "/api/v1/test", raw)
    refused(status, body, message, code)


def test_the_event_body_must_be_text(content: Any) -> None:
    event = make_event("POST", "/api/v1/test")
    event["body"] = {"subjectName": SUBJECT}  # not what API Gateway sends, but never a 500
    status, body = invoke(submit_test.handler, event)
    refused(status, body, "The request body is not text.")


# --- types where strings are expected ---------------------------------------------------------------------------------

WRONG_TYPES = [
    (0, "a number"),
    (1.5, "a number"),
    (True, "a boolean"),
    (None, "null"),
    ([], "an array"),
    ({}, "an object"),
]


@pytest.mark.parametrize(("value", "kind"), WRONG_TYPES, ids=[kind + repr(value) for value, kind in WRONG_TYPES])
def test_a_wrong_type_is_refused_naming_the_field_and_the_type(content: Any, value: Any, kind: str) -> None:
    before = _keys(content)
    for field in ("subjectName", "testId"):
        status, body = post(submit_test.handler, "/api/v1/test", json.dumps({**VALID_SUBMISSION, field: value}))
        refused(status, body, f"{field}: must be a string, not {kind}")
    status, body = post(list_tests.handler, "/api/v1/tests", json.dumps({"subjectName": value}))
    refused(status, body, f"subjectName: must be a string, not {kind}")
    for field in ("questionId", "answer"):
        item = {"questionId": "1", "answer": "a", field: value}
        status, body = post(submit_test.handler, "/api/v1/test", json.dumps({**VALID_SUBMISSION, "answers": [item]}))
        refused(status, body, f"answers[0].{field}: must be a string, not {kind}")
    if kind != "an array":
        status, body = post(submit_test.handler, "/api/v1/test", json.dumps({**VALID_SUBMISSION, "answers": value}))
        refused(status, body, "answers: must be a list")
    assert _keys(content) == before


# --- fields the API does not know, Content-Type ----------------------------------------------------------------------


def test_unknown_fields_are_ignored_as_the_openapi_description_says(content: Any) -> None:
    spec = openapi()
    for name in ("Submission", "ListTestsRequest"):
        assert spec["components"]["schemas"][name]["additionalProperties"] is True
    extra = {**VALID_SUBMISSION, "colour": "blue", "SubjectName": "networks", "score": 100}
    schema = {"$ref": "#/components/schemas/Submission", "components": spec["components"]}
    jsonschema.Draft202012Validator(schema).validate(extra)
    status, body = post(submit_test.handler, "/api/v1/test", json.dumps(extra))
    assert (status, body["subjectName"], body["answered"]) == (201, SUBJECT, 1)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "APPLICATION/JSON"])
def test_a_json_body_is_read_whatever_its_content_type(content: Any, content_type: str | None) -> None:
    event = make_event("POST", "/api/v1/tests", raw_body="{}")
    del event["headers"]["Content-Type"]
    if content_type is not None:
        event["headers"]["content-type"] = content_type
    event["multiValueHeaders"] = {name: [value] for name, value in event["headers"].items()}
    status, _ = invoke(list_tests.handler, event)
    assert status == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_body_that_is_not_json_names_the_content_type_it_was_sent_as(content: Any, content_type: str) -> None:
    status, body = post(submit_test.handler, "/api/v1/test", "subjectName=operating-systems", Content_Type=content_type)
    refused(status, body, "The request body is not valid JSON: expecting value at line 1, column 1.")
    assert (
        f"It was sent as {content_type!r}; send a JSON object with Content-Type: application/json." in body["message"]
    )


def test_a_json_content_type_is_not_blamed(content: Any) -> None:
    for content_type in ("application/json; charset=utf-8", "application/problem+json"):
        status, body = post(submit_test.handler, "/api/v1/test", "{nope", Content_Type=content_type)
        refused(status, body, "The request body is not valid JSON: ")
        assert "Content-Type" not in body["message"]


# --- query parameters given twice ------------------------------------------------------------------------------------


def _get(path: str, handler: Any, query: dict[str, list[str]], key: str | None = None) -> tuple[int, Any]:
    event = make_event("GET", path, query={name: values[-1] for name, values in query.items()})
    if key is not None:
        event["headers"]["x-api-key"] = key
    # API Gateway: the last value in queryStringParameters, all of them in multiValueQueryStringParameters.
    event["multiValueQueryStringParameters"] = query
    return invoke(handler, event)


@pytest.mark.parametrize(
    ("path", "handler", "key"),
    [("/api/v1/test", get_test.handler, None), ("/api/v1/results", results.handler, TRAINER_KEY)],
    ids=["GET /api/v1/test", "GET /api/v1/results"],
)
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"subjectName": [SUBJECT], "testId": ["net01", TEST]}, "testId"),
        ({"subjectName": ["networks", SUBJECT], "testId": [TEST]}, "subjectName"),
        ({"subjectName": [SUBJECT, SUBJECT], "testId": [TEST]}, "subjectName"),
    ],
)
def test_a_query_parameter_given_twice_is_refused(
    content: Any, path: str, handler: Any, key: str | None, query: dict[str, list[str]], field: str
) -> None:
    status, body = _get(path, handler, query, key)
    refused(status, body, f"{field}: this query parameter is given 2 times; give it once")


def test_a_query_parameter_given_once_in_both_maps_is_read(content: Any) -> None:
    status, body = _get("/api/v1/test", get_test.handler, {"subjectName": [SUBJECT], "testId": [TEST]})
    assert (status, body["testId"]) == (200, TEST)
