"""testtime.log: one JSON object per line in Lambda's JSON log format, through the standard logging module.

The runtime's side is Lambda's own Python runtime interface client (awslambdaric), set up as Lambda's bootstrap
sets it up: its handler on the root logger, JSON or text as AWS_LAMBDA_LOG_FORMAT says.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from api_support import KEYS, invoke, make_event
from awslambdaric import bootstrap
from awslambdaric.lambda_runtime_log_utils import LogFormat

from testtime import log as log_module
from testtime.handlers import get_test, list_tests, submit_test
from testtime.log import bind, bound, configure, log

LAMBDA_REQUEST_ID = "8f507cfc-0000-4697-b07a-ac58fc914c95"


class Colour(Enum):
    RED = "red"


@pytest.fixture(autouse=True)
def clean_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts outside Lambda (no runtime handler, no format variable) and leaves it so."""
    root = logging.getLogger()
    handlers, level, converter = list(root.handlers), root.level, logging.Formatter.converter
    monkeypatch.delenv(log_module.LOG_FORMAT_VARIABLE, raising=False)
    monkeypatch.delenv(log_module.LOG_LEVEL_VARIABLE, raising=False)
    configure()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.Formatter.converter = converter
    bootstrap._GLOBAL_AWS_REQUEST_ID = None
    monkeypatch.delenv(log_module.LOG_FORMAT_VARIABLE, raising=False)
    monkeypatch.delenv(log_module.LOG_LEVEL_VARIABLE, raising=False)
    configure()


def lambda_runtime(monkeypatch: pytest.MonkeyPatch, log_format: str, log_level: str = "") -> None:
    """The root handler Lambda's Python runtime installs before importing the function's code."""
    monkeypatch.setenv(log_module.LOG_FORMAT_VARIABLE, log_format)
    if log_level:
        monkeypatch.setenv(log_module.LOG_LEVEL_VARIABLE, log_level)
    bootstrap._setup_logging(LogFormat.from_str(log_format), log_level, bootstrap.StandardLogSink())
    bootstrap._GLOBAL_AWS_REQUEST_ID = LAMBDA_REQUEST_ID
    configure()  # what importing testtime.log does in a fresh execution environment


def own_handlers() -> list[logging.Handler]:
    """testtime.log's handlers on the testtime logger (pytest adds its capturing handlers there too)."""
    handlers = logging.getLogger(log_module.LOGGER_NAME).handlers
    return [handler for handler in handlers if isinstance(handler, log_module.StdoutHandler)]


def lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


def records(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines(capsys)]


def test_a_line_is_one_json_object_in_lambdas_shape(capsys: pytest.CaptureFixture[str]) -> None:
    before = datetime.now(UTC)
    log("INFO", "submission stored", subject="os", testId="test01", studentId="student01", answered=3)
    [text] = lines(capsys)
    line = json.loads(text)
    assert list(line)[:4] == ["timestamp", "level", "message", "logger"]
    assert line["timestamp"].endswith("Z") and len(line["timestamp"]) == len("2026-12-01T22:00:00.123Z")
    when = datetime.fromisoformat(line["timestamp"].replace("Z", "+00:00"))
    assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= when <= datetime.now(UTC)
    assert {key: line[key] for key in list(line)[1:]} == {
        "level": "INFO",
        "message": "submission stored",
        "logger": "testtime",
        "subject": "os",
        "testId": "test01",
        "studentId": "student01",
        "answered": 3,
    }


def test_values_that_are_not_json_types_are_logged_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    log(
        "WARNING",
        "values",
        count=2,
        ratio=0.5,
        ok=True,
        nothing=None,
        ids=("a", "b"),
        nested={"k": [1, {"x": 2}]},
        students={"s2", "s1"},
        at=datetime(2026, 11, 30, 22, 0, tzinfo=UTC),
        colour=Colour.RED,
        path=Path("/tmp/x"),
        infinite=float("inf"),
        cycle=cycle,
        thing=object(),
    )
    [line] = records(capsys)
    assert line["level"] == "WARNING"
    assert (line["count"], line["ratio"], line["ok"], line["nothing"]) == (2, 0.5, True, None)
    assert line["ids"] == ["a", "b"] and line["nested"] == {"k": [1, {"x": 2}]}
    assert line["students"] == ["s1", "s2"]
    assert line["at"] == "2026-11-30T22:00:00+00:00" and line["colour"] == "red" and line["path"] == "/tmp/x"
    assert line["infinite"] == "inf" and line["cycle"] == "[[...]]"
    assert line["thing"].startswith("<object object at")


def test_a_field_named_like_lambdas_own_keys_or_a_record_attribute_is_renamed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log("INFO", "names", level="x", message="y", timestamp="z", requestId="r", name="n", module="m", args="a")
    [line] = records(capsys)
    assert (line["level"], line["message"], line["logger"]) == ("INFO", "names", "testtime")
    assert "requestId" not in line and "timestamp" in line
    renamed = {key: line[key] for key in ("level_", "message_", "timestamp_", "requestId_", "name_", "module_")}
    assert renamed == {
        "level_": "x",
        "message_": "y",
        "timestamp_": "z",
        "requestId_": "r",
        "name_": "n",
        "module_": "m",
    }
    assert line["args_"] == "a"


def test_levels_follow_the_application_log_level(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log("DEBUG", "hidden by default")
    log("WARN", "an alias of WARNING")
    log("no-such-level", "logged as INFO")
    assert [(line["level"], line["message"]) for line in records(capsys)] == [
        ("WARNING", "an alias of WARNING"),
        ("INFO", "logged as INFO"),
    ]
    monkeypatch.setenv(log_module.LOG_LEVEL_VARIABLE, "ERROR")
    configure()
    log("WARNING", "below ERROR")
    log("ERROR", "shown")
    assert [line["message"] for line in records(capsys)] == ["shown"]


def test_bound_ids_are_on_every_line_from_every_thread_until_the_block_ends(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with bound(requestId=LAMBDA_REQUEST_ID, runId="run-1", skipped=None):
        bind(subject="os")
        worker = threading.Thread(target=log, args=("INFO", "from a worker thread"), kwargs={"testId": "t1"})
        worker.start()
        worker.join()
        with bound(testId="t2"):
            log("INFO", "inner")
        log("INFO", "outer")
    log("INFO", "after")
    from_thread, inner, outer, after = records(capsys)
    for line in (from_thread, inner, outer):
        assert (line["requestId"], line["runId"], line["subject"]) == (LAMBDA_REQUEST_ID, "run-1", "os")
        assert "skipped" not in line
    assert (from_thread["testId"], inner["testId"]) == ("t1", "t2") and "testId" not in outer
    assert not {"requestId", "runId", "subject"} & set(after)


def test_two_blocks_open_at_once_leave_no_ids_behind_whichever_ends_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Two runs in one process (the scorer's tests run concurrent invocations): A opens, B opens, A ends, B ends.
    Restoring a snapshot on exit would bring A's ids back after B; each block removes only its own."""
    a, b = bound(runId="run-a", link=0), bound(runId="run-b", link=1)
    a.__enter__()
    b.__enter__()
    a.__exit__(None, None, None)
    log("INFO", "only b open")
    b.__exit__(None, None, None)
    log("INFO", "none open")
    only_b, none = records(capsys)
    assert (only_b["runId"], only_b["link"]) == ("run-b", 1)
    assert not {"runId", "link"} & set(none)


def test_plain_logging_calls_under_testtime_get_the_same_shape(capsys: pytest.CaptureFixture[str]) -> None:
    with bound(requestId=LAMBDA_REQUEST_ID):
        logging.getLogger("testtime.handlers.scorer").info("scorer run: %s", "done")
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("testtime.scorer").exception("failed")
    info, error = records(capsys)
    assert (info["message"], info["logger"], info["requestId"]) == (
        "scorer run: done",
        "testtime.handlers.scorer",
        LAMBDA_REQUEST_ID,
    )
    assert error["level"] == "ERROR" and error["errorType"] == "ValueError"
    assert any("ValueError: boom" in frame for frame in error["stackTrace"])


def test_text_format_on_lambda_prints_each_line_once_as_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lambda_runtime(monkeypatch, "Text")
    with bound(requestId=LAMBDA_REQUEST_ID):
        log("INFO", "test served", subject="os", testId="t1")
        logging.getLogger("testtime.handlers.scorer").warning("scorer run: %s", "x")
    logging.getLogger("botocore.example").warning("another library")
    printed = lines(capsys)
    assert len(printed) == 3, printed  # no second, plain-text copy of our lines from the runtime's root handler
    ours = [json.loads(text) for text in printed[:2]]
    assert [line["message"] for line in ours] == ["test served", "scorer run: x"]
    assert all(line["requestId"] == LAMBDA_REQUEST_ID for line in ours)
    assert printed[2].startswith("[WARNING]\t") and printed[2].endswith(f"{LAMBDA_REQUEST_ID}\tanother library")


def test_json_format_on_lambda_leaves_the_formatting_to_the_runtime(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lambda_runtime(monkeypatch, "JSON", "INFO")
    logger = logging.getLogger(log_module.LOGGER_NAME)
    assert logger.propagate and not own_handlers()
    with bound(requestId=LAMBDA_REQUEST_ID, apiRequestId="apigw-1"):
        log("INFO", "submission stored", subject="os", testId="t1", studentId="s1", students={"b", "a"})
        log("DEBUG", "below the application log level")
    logging.getLogger("testtime.handlers.scorer").info("scorer run: %s", "x")
    stored, scorer = records(capsys)  # each once: only the runtime's handler printed them
    assert {key: stored[key] for key in ("level", "message", "logger", "requestId", "apiRequestId")} == {
        "level": "INFO",
        "message": "submission stored",
        "logger": "testtime",
        "requestId": LAMBDA_REQUEST_ID,
        "apiRequestId": "apigw-1",
    }
    # The runtime's encoder has no fallback for a set: log() handed it a list.
    assert (stored["subject"], stored["testId"], stored["studentId"], stored["students"]) == (
        "os",
        "t1",
        "s1",
        ["a", "b"],
    )
    assert datetime.strptime(stored["timestamp"][:19], "%Y-%m-%dT%H:%M:%S").year == time.gmtime().tm_year
    assert (scorer["message"], scorer["logger"], scorer["requestId"]) == (
        "scorer run: x",
        "testtime.handlers.scorer",
        LAMBDA_REQUEST_ID,
    )


def test_switching_back_to_text_format_installs_one_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    logger = logging.getLogger(log_module.LOGGER_NAME)
    monkeypatch.setenv(log_module.LOG_FORMAT_VARIABLE, "JSON")
    configure()
    monkeypatch.setenv(log_module.LOG_FORMAT_VARIABLE, "Text")
    configure()
    configure()
    assert len(own_handlers()) == 1 and not logger.propagate


# --- the API's decision lines -------------------------------------------------------------------------------------

OS_TEST = {"subjectName": "operating-systems", "testId": "test01"}


def submit(key: str, answers: list[dict[str, str]]) -> int:
    return invoke(
        submit_test.handler, make_event("POST", "/api/v1/test", key=key, body={**OS_TEST, "answers": answers})
    )[0]


def test_the_api_logs_each_decision_with_the_ids_and_never_an_answer_or_a_key(
    published: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = KEYS["student01"], KEYS["student02"]
    chosen = [{"questionId": "1", "answer": "a"}, {"questionId": "2", "answer": "c"}]
    assert invoke(get_test.handler, make_event("GET", "/api/v1/test", key=first, query=OS_TEST))[0] == 200
    assert (submit(first, chosen), submit(first, chosen)) == (201, 409)
    assert submit(second, [{"questionId": "1", "answer": "my-secret-guess"}]) == 400
    assert invoke(list_tests.handler, make_event("POST", "/api/v1/tests", key=first, body={}))[0] == 200
    output = capsys.readouterr().out
    served, stored, duplicate, rejected, listed = [json.loads(line) for line in output.splitlines()]
    ids = {"subject": "operating-systems", "testId": "test01", "studentId": "student01"}
    assert served["message"] == "test served" and ids.items() <= served.items()
    assert stored["message"] == "submission stored" and ids.items() <= stored.items()
    assert (stored["level"], stored["answered"], stored["questionCount"]) == ("INFO", 2, 6)
    assert (duplicate["level"], duplicate["error"], duplicate["status"]) == ("WARNING", "already_submitted", 409)
    assert ids.items() <= duplicate.items()
    assert (rejected["error"], rejected["studentId"], rejected["testId"]) == ("invalid_answer", "student02", "test01")
    assert (listed["message"], listed["studentId"], listed["openTests"]) == ("open tests listed", "student01", 2)
    assert all(line["requestId"] == "lambda-request-id-1" for line in (served, stored, duplicate, rejected, listed))
    assert "my-secret-guess" not in output and '"answers"' not in output
    assert first not in output and second not in output
