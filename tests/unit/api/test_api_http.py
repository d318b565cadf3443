"""http: body parsing, headers, responses, and the error wrapper with its JSON log lines and bound ids."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from api_support import Context, make_event
from hypothesis import given
from hypothesis import strategies as st

from testtime import http
from testtime.errors import ApiError
from testtime.log import bind, log
from testtime.submission import invalid_answer


def error_of(event: dict[str, Any], required: bool = True) -> ApiError:
    with pytest.raises(ApiError) as caught:
        http.parse_json_body(event, required)
    return caught.value


def test_object_body_is_parsed() -> None:
    assert http.parse_json_body(make_event("POST", "/x", body={"a": [1]})) == {"a": [1]}


@pytest.mark.parametrize("raw", [None, "", "  \n"])
def test_blank_body_is_empty_when_optional_and_400_when_required(raw: str | None) -> None:
    event = make_event("POST", "/x", raw_body=raw)
    assert http.parse_json_body(event, required=False) == {}
    assert error_of(event).code == "bad_request"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{", "The request body is not valid JSON"),
        ("{'a': 1}", "The request body is not valid JSON"),
        ('{"a": NaN}', "The request body is not valid JSON"),
        ("[1, 2]", "The request body must be a JSON object, not an array."),
        ('"text"', "The request body must be a JSON object, not a string."),
        ("null", "The request body must be a JSON object, not null."),
        ("3", "The request body must be a JSON object, not a number."),
        ("[" * 60000, "The request body is nested too deeply."),
    ],
)
def test_malformed_bodies_are_400(raw: str, message: str) -> None:
    error = error_of(make_event("POST", "/x", raw_body=raw))
    assert (error.status, error.code) == (400, "bad_request")
    assert error.message.startswith(message)


def test_body_limit_is_65536_bytes_of_utf8() -> None:
    exact = '{"a": "' + "x" * (65536 - 9) + '"}'
    assert len(exact.encode()) == 65536
    assert http.parse_json_body(make_event("POST", "/x", raw_body=exact))["a"]
    for over in ('{"a": "' + "x" * (65536 - 8) + '"}', '{"a": "' + "é" * 32765 + '"}'):
        assert len(over.encode()) > 65536
        error = error_of(make_event("POST", "/x", raw_body=over))
        assert (error.status, error.code) == (400, "payload_too_large")


def test_base64_bodies_are_decoded_and_limited_after_decoding() -> None:
    assert http.parse_json_body(make_event("POST", "/x", body={"é": 1}, base64_body=True)) == {"é": 1}
    big = '{"a": "' + "x" * 65536 + '"}'
    assert error_of(make_event("POST", "/x", raw_body=big, base64_body=True)).code == "payload_too_large"
    broken = make_event("POST", "/x", raw_body="{}")
    broken.update(body="not base64!", isBase64Encoded=True)
    assert error_of(broken).message == "The request body is not valid base64."
    latin1 = make_event("POST", "/x", raw_body="{}")
    latin1.update(body=base64.b64encode('{"a": "\xe9"}'.encode("latin-1")).decode(), isBase64Encoded=True)
    assert error_of(latin1).message == "The request body is not UTF-8 text."


@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_any_text_body_gives_an_object_or_a_400(raw: str) -> None:
    try:
        assert isinstance(http.parse_json_body(make_event("POST", "/x", raw_body=raw), required=False), dict)
    except ApiError as error:
        assert error.status == 400 and error.code in {"bad_request", "payload_too_large"}


def test_headers_are_case_insensitive() -> None:
    event = make_event("GET", "/x", key="k", key_header="X-Api-Key")
    assert http.header(event, "x-api-key") == "k"
    assert http.header({"headers": None, "multiValueHeaders": {"X-API-KEY": ["a", "b"]}}, "x-api-key") == "b"
    assert http.header({"headers": None}, "x-api-key") is None


def test_query_params() -> None:
    assert http.query_param(make_event("GET", "/x", query={"a": "1"}), "a") == "1"
    assert http.query_param(make_event("GET", "/x"), "a") is None


def test_json_response() -> None:
    response = http.json_response(201, {"é": 1})
    assert response["statusCode"] == 201
    assert response["headers"]["Content-Type"] == "application/json"
    assert json.loads(response["body"]) == {"é": 1}


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_api_error_becomes_its_response_and_is_logged_with_request_ids(capsys: pytest.CaptureFixture[str]) -> None:
    @http.api_handler
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise ApiError(404, "not_found", "testId: nothing here")

    response = handler(make_event("GET", "/api/v1/test", key="secret-key-value"), Context())
    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {"error": "not_found", "message": "testId: nothing here"}
    [line] = log_lines(capsys)
    # Lambda's JSON log format: requestId is the Lambda request id; API Gateway's is apiRequestId.
    assert line["requestId"] == "lambda-request-id-1" and line["apiRequestId"] == "apigw-request-id-1"
    assert line["message"] == "testId: nothing here" and line["logger"] == "testtime"
    assert (line["level"], line["status"], line["error"], line["route"]) == (
        "WARNING",
        404,
        "not_found",
        "GET /api/v1/test",
    )


def test_other_exceptions_become_a_bare_500(capsys: pytest.CaptureFixture[str]) -> None:
    @http.api_handler
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise KeyError("internal detail " + http.header(event, "x-api-key")[:0])

    response = handler(make_event("POST", "/api/v1/tests", key="secret-key-value"), Context())
    body = json.loads(response["body"])
    assert response["statusCode"] == 500 and response["headers"]["Content-Type"] == "application/json"
    assert body["error"] == "internal_error" and "apigw-request-id-1" in body["message"]
    assert "Traceback" not in response["body"] and "internal detail" not in response["body"]
    output = capsys.readouterr().out
    assert "secret-key-value" not in output
    [line] = [json.loads(text) for text in output.splitlines()]
    assert line["level"] == "ERROR" and line["exception"] == "KeyError" and "Traceback" in line["traceback"]
    assert line["apiRequestId"] == "apigw-request-id-1" and line["requestId"] == "lambda-request-id-1"


def test_an_answer_quoted_in_a_refusal_is_not_logged(capsys: pytest.CaptureFixture[str]) -> None:
    @http.api_handler
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise invalid_answer("answers[0].answer: 'my secret guess' is not a choice of question 1 (choices: a, b)")

    response = handler(make_event("POST", "/api/v1/test", key="k"), Context())
    assert "my secret guess" in json.loads(response["body"])["message"]  # the student is told what was wrong
    [line] = log_lines(capsys)
    assert line["error"] == "invalid_answer" and line["message"].startswith("answers[0].answer: ")
    assert "my secret guess" not in json.dumps(line)


def test_the_ids_a_handler_binds_are_on_its_lines_and_gone_after_it(capsys: pytest.CaptureFixture[str]) -> None:
    @http.api_handler
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        bind(studentId="student01")
        bind(subject="os", testId="t1")
        log("INFO", "decided")
        raise ApiError(409, "already_submitted", "You already submitted test 't1' of 'os'.")

    handler(make_event("POST", "/api/v1/test", key="k"), Context())
    log("INFO", "after")
    decided, refused, after = log_lines(capsys)
    for line in (decided, refused):
        assert (line["studentId"], line["subject"], line["testId"]) == ("student01", "os", "t1")
        assert line["route"] == "POST /api/v1/test"
    assert refused["error"] == "already_submitted"
    assert not {"studentId", "subject", "requestId", "apiRequestId", "route"} & set(after)


def test_log_outside_a_request_has_no_ids(capsys: pytest.CaptureFixture[str]) -> None:
    log("INFO", "hello", n=1)
    [line] = log_lines(capsys)
    assert line.pop("timestamp")
    assert line == {"level": "INFO", "message": "hello", "logger": "testtime", "n": 1}
