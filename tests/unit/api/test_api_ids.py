"""Ids are exactly what the README says, on every route: 1 to 64 of A-Z, a-z, 0-9, '.', '_', '-', starting with a
letter or digit, without '..', matched whole (issue 18, point 2).

Each malformed id is refused with a 400 naming the field, in the shape the OpenAPI file documents (``invoke``
checks every answer against it); a well-formed id that is only a case variant of a published one is not found
(404), never served. The OpenAPI ``Id`` pattern is checked with both validators the project runs (jsonschema's
Python ``re.search`` and jsonschema_rs's ECMA-like engine), and the keys the scorer and the results route list
are judged by the same :func:`testtime.layout.is_safe_id`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
from api_support import BUCKET, invoke, make_event, openapi

from testtime import layout
from testtime.documents.catalog import parse_catalog
from testtime.handlers import get_test, list_tests, results, submit_test
from testtime.identity import api_key_digest
from testtime.scorer import grading
from testtime.submission import match_choice

SUBJECT, TEST = "operating-systems", "test01"
TRAINER_KEY = "the-trainers-key-0001"

# (case name, what a student might send for an id): every one must be refused as malformed.
MALFORMED = [
    ("trailing newline", "{}\n"),
    ("trailing CRLF", "{}\r\n"),
    ("leading newline", "\n{}"),
    ("leading space", " {}"),
    ("trailing space", "{} "),
    ("trailing tab", "{}\t"),
    ("NUL inside", "{}\x00"),
    ("Arabic-Indic digit", "{}\u0661"),
    ("fullwidth digit", "{}\uff11"),
    ("accented letter", "{}\u00e9"),
    ("zero-width space", "{}\u200b"),
    ("line separator", "{}\u2028"),
    ("next line", "{}\x85"),
    ("lone surrogate", "{}\ud800"),  # sent as the JSON escape \ud800, which Python's json accepts
    ("right-to-left override", "\u202e{}"),
    ("slash", "{}/x"),
    ("encoded slash left encoded", "{}%2Fx"),
    ("backslash", "{}\\x"),
    ("dot dot", "{}/../x"),
    ("dot dot alone", ".."),
    ("double dot inside", "a..{}"),
    ("leading dot", ".{}"),
    ("leading dash", "-{}"),
    ("empty", ""),
    ("65 characters", "{}" + "x" * 65),
]

# Well formed but not published: a case variant must not find the published test.
NOT_PUBLISHED = [("upper case", str.upper), ("title case", str.title), ("64 characters", lambda v: (v + "x" * 64)[:64])]


def _published_value(field: str) -> str:
    return SUBJECT if field == "subjectName" else TEST


def _variant(template: str, field: str) -> str:
    return template.replace("{}", _published_value(field))


# --- one builder per route: the event with ``value`` in ``field`` and every other id valid ---------------------------


def _list_tests(field: str, value: str) -> dict[str, Any]:
    return make_event("POST", "/api/v1/tests", body={field: value})


def _get_test(field: str, value: str) -> dict[str, Any]:
    return make_event("GET", "/api/v1/test", query={"subjectName": SUBJECT, "testId": TEST, field: value})


def _submit(field: str, value: str) -> dict[str, Any]:
    return make_event(
        "POST", "/api/v1/test", body={"subjectName": SUBJECT, "testId": TEST, "answers": [], field: value}
    )


def _results(field: str, value: str) -> dict[str, Any]:
    query = {"subjectName": value} if field == "subjectName" else {"subjectName": SUBJECT, "testId": value}
    return make_event("GET", "/api/v1/results", key=TRAINER_KEY, query=query)


Route = tuple[str, Callable[..., dict[str, Any]], Callable[[str, str], dict[str, Any]], str]
ROUTES: list[Route] = [
    ("POST /api/v1/tests", list_tests.handler, _list_tests, "subjectName"),
    ("GET /api/v1/test", get_test.handler, _get_test, "subjectName"),
    ("GET /api/v1/test", get_test.handler, _get_test, "testId"),
    ("POST /api/v1/test", submit_test.handler, _submit, "subjectName"),
    ("POST /api/v1/test", submit_test.handler, _submit, "testId"),
    ("GET /api/v1/results", results.handler, _results, "subjectName"),
    ("GET /api/v1/results", results.handler, _results, "testId"),
]
ROUTE_IDS = [f"{route} {field}" for route, _, _, field in ROUTES]


@pytest.fixture
def content(published: Any) -> Any:
    """The api suite's published content plus the trainer's key (for the results route)."""
    published.put_object(
        Bucket=BUCKET, Key="trainer.json", Body=json.dumps({"api_key_sha256": api_key_digest(TRAINER_KEY)})
    )
    return published


def _bucket_keys(s3: Any) -> set[str]:
    return {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


@pytest.mark.parametrize(("route", "handler", "build", "field"), ROUTES, ids=ROUTE_IDS)
def test_a_malformed_id_is_refused_naming_the_field(
    content: Any, route: str, handler: Any, build: Any, field: str
) -> None:
    before = _bucket_keys(content)
    for case, template in MALFORMED:  # one bucket per route: the cases only read it
        value = _variant(template, field)
        status, body = invoke(handler, build(field, value))
        assert (status, body["error"]) == (400, "bad_request"), (case, body)
        assert body["message"].startswith(f"{field}: {value[:80]!r} is not a valid id: "), (case, body["message"])
    assert _bucket_keys(content) == before  # nothing written, no marker, no submission


@pytest.mark.parametrize(("route", "handler", "build", "field"), ROUTES, ids=ROUTE_IDS)
def test_a_well_formed_id_that_differs_from_the_published_one_is_not_found(
    content: Any, route: str, handler: Any, build: Any, field: str
) -> None:
    for case, change in NOT_PUBLISHED:
        value = change(_published_value(field))
        assert layout.is_safe_id(value) and value != _published_value(field)
        status, body = invoke(handler, build(field, value))
        if route == "POST /api/v1/tests":  # a filter: nothing is open under a subject that does not exist
            assert (status, body["subjects"]) == (200, []), case
        else:
            assert (status, body["error"]) == (404, "not_found"), (case, body)
            assert body["message"].startswith(f"{field}: "), (case, body)


@pytest.mark.parametrize("route", ["POST /api/v1/tests", "POST /api/v1/test"])
def test_a_student_id_that_is_not_exactly_the_callers_is_refused(content: Any, route: str) -> None:
    handler, build = (
        (list_tests.handler, _list_tests) if route == "POST /api/v1/tests" else (submit_test.handler, _submit)
    )
    for case, template in MALFORMED:
        status, body = invoke(handler, build("studentId", template.replace("{}", "student01")))
        assert 400 <= status < 500 and body["message"].startswith("studentId: "), (case, body)


# Surrounding spaces and tabs around a choice id are documented as ignored; nothing else is.
_CHOICE_CASES = [(case, t) for case, t in MALFORMED if case not in {"leading space", "trailing space", "trailing tab"}]


@pytest.mark.parametrize("field", ["questionId", "answer"])
def test_a_question_or_choice_id_is_matched_whole(content: Any, field: str) -> None:
    for case, template in _CHOICE_CASES if field == "answer" else MALFORMED:
        item = {"questionId": "1", "answer": "a"}
        item[field] = template.replace("{}", item[field])
        event = make_event("POST", "/api/v1/test", body={"subjectName": SUBJECT, "testId": TEST, "answers": [item]})
        status, body = invoke(submit_test.handler, event)
        assert (status, body["error"]) == (400, "invalid_answer"), (case, body)
        assert body["message"].startswith(f"answers[0].{field}: "), (case, body)


def test_published_ids_are_accepted_on_every_route(content: Any) -> None:
    """The control of the tables above: the same builders with the published ids succeed."""
    for route, handler, build, field in ROUTES:
        status, _ = invoke(handler, build(field, _published_value(field)))
        assert status in (200, 201, 409), route  # 409: the second submission of the same test


# --- the one rule: layout.SAFE_ID, the OpenAPI Id pattern, and every reader of listed keys -------------------------

GOOD_IDS = ["a", "A", "0", "test01", "operating-systems", "net.v2_final-1", "x" * 64, "a.b.c"]


@pytest.mark.parametrize("value", GOOD_IDS)
def test_good_ids_pass_every_check(value: str) -> None:
    assert layout.is_safe_id(value)
    for find in (layout.SAFE_ID.match, layout.SAFE_ID.search, layout.SAFE_ID.fullmatch):
        assert find(value)


@pytest.mark.parametrize(("case", "template"), MALFORMED, ids=[case for case, _ in MALFORMED])
def test_the_id_rule_is_whole_string_with_every_re_function(case: str, template: str) -> None:
    value = template.replace("{}", "test01")
    assert not layout.is_safe_id(value)
    # re.match and re.search are what a later caller (or jsonschema's "pattern") would reach for.
    assert layout.SAFE_ID.match(value) is None and layout.SAFE_ID.search(value) is None


def test_ids_use_no_unicode_classes() -> None:
    assert not re.search(r"\\[dwsDWS]", layout.SAFE_ID.pattern)  # \d and \w match other scripts' digits and letters


ID_SCHEMAS = ["Id", "StudentId"]


def _id_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = openapi()["components"]["schemas"][name]
    return schema


@pytest.mark.parametrize("name", ID_SCHEMAS)
def test_the_openapi_id_pattern_is_the_code_s_rule(name: str) -> None:
    schema = _id_schema(name)
    assert schema["pattern"] == layout.SAFE_ID.pattern
    assert schema["maxLength"] == layout.SAFE_ID_MAX_LENGTH and schema["minLength"] == 1


@pytest.mark.parametrize("name", ID_SCHEMAS)
@pytest.mark.parametrize(("case", "template"), MALFORMED, ids=[case for case, _ in MALFORMED])
def test_the_openapi_id_schema_refuses_malformed_ids_in_both_validators(name: str, case: str, template: str) -> None:
    value = template.replace("{}", "test01")
    schema = _id_schema(name)
    assert not jsonschema.Draft202012Validator(schema).is_valid(value)  # Python's re.search
    if not any("\ud800" <= character <= "\udfff" for character in value):  # a Rust string cannot hold a surrogate
        assert not jsonschema_rs.validator_for(schema).is_valid(value)  # a Rust engine: `$` only at the end, as in ECMA


@pytest.mark.parametrize("name", ID_SCHEMAS)
@pytest.mark.parametrize("value", GOOD_IDS)
def test_the_openapi_id_schema_accepts_good_ids_in_both_validators(name: str, value: str) -> None:
    schema = _id_schema(name)
    assert jsonschema.Draft202012Validator(schema).is_valid(value)
    assert jsonschema_rs.validator_for(schema).is_valid(value)


def test_the_openapi_parameters_and_body_ids_use_the_id_schemas() -> None:
    spec = openapi()
    for path in ("/api/v1/test", "/api/v1/results"):
        for parameter in spec["paths"][path]["get"]["parameters"]:
            assert parameter["schema"] == {"$ref": "#/components/schemas/Id"}, (path, parameter["name"])
    schemas = spec["components"]["schemas"]
    for name in ("ListTestsRequest", "Submission"):
        properties = schemas[name]["properties"]
        assert properties["subjectName"] == {"$ref": "#/components/schemas/Id"}
        assert properties["studentId"] == {"$ref": "#/components/schemas/StudentId"}
    assert schemas["Submission"]["properties"]["testId"] == {"$ref": "#/components/schemas/Id"}


def test_a_listed_key_with_a_malformed_student_id_is_left_out_of_the_results(content: Any) -> None:
    for sid in ("student01\n", "student01 ", "student\u0661"):
        content.put_object(Bucket=BUCKET, Key=f"{SUBJECT}/{TEST}/{sid}/testResult.json", Body=b"{}")
    content.put_object(Bucket=BUCKET, Key=f"{SUBJECT}/{TEST}/student02/testResult.json", Body=b"{}")
    event = make_event("GET", "/api/v1/results", key=TRAINER_KEY, query={"subjectName": SUBJECT, "testId": TEST})
    status, body = invoke(results.handler, event)
    assert status == 200
    [test] = body["tests"]
    assert test["submittedNotScored"] == ["student02"]


def test_the_scorer_does_not_score_a_listed_key_with_a_malformed_student_id() -> None:
    """grading._jobs is where the scorer turns listed student folders into reads of their keys."""
    catalog = parse_catalog(
        "catalog.json",
        json.dumps(
            {
                "version": 1,
                "tests": [
                    {
                        "subject": SUBJECT,
                        "testId": TEST,
                        "title": "t",
                        "due": "2026-11-16T22:00:00Z",
                        "firstPublished": "2026-11-09T09:00:00Z",
                        "questionCount": 1,
                        "closedAt": None,
                    }
                ],
            }
        ).encode(),
    )
    test = catalog.find(SUBJECT, TEST)
    assert test is not None
    listed = [f"{SUBJECT}/{TEST}/{sid}/testResult.json" for sid in ("student01\n", "student01", "student\u0661", "..")]
    submitters = tuple(
        sorted(parsed[0] for key in listed if (parsed := layout.parse_test_folder_key(SUBJECT, TEST, key)))
    )
    work = grading.TestProgress(test, "v1", submitters=submitters)
    jobs = grading._jobs([work])
    assert [job.student_id for job in jobs] == ["student01"]
    assert set(work.corrupt) == {"student01\n", "student\u0661", ".."}


def test_a_catalog_entry_with_a_malformed_id_is_not_served() -> None:
    entry = {
        "subject": SUBJECT,
        "testId": "test01\n",
        "title": "t",
        "due": "2026-11-30T22:00:00Z",
        "firstPublished": "2026-11-09T09:00:00Z",
        "questionCount": 1,
        "closedAt": None,
    }
    catalog = parse_catalog("catalog.json", json.dumps({"version": 1, "tests": [entry]}).encode())
    assert catalog.find(SUBJECT, "test01\n") is None and catalog.find(SUBJECT, "test01") is None


@pytest.mark.parametrize(
    ("answer", "choices", "expected"),
    [
        ("A", ["a", "b"], "a"),  # ASCII case and surrounding spaces are ignored, as documented
        (" b\t", ["a", "b"], "b"),
        ("b\n", ["a", "b"], None),  # a line break is not a space
        ("\u212a", ["k", "z"], None),  # KELVIN SIGN casefolds to "k"
        ("\u017f", ["s", "t"], None),  # LATIN SMALL LETTER LONG S casefolds to "s"
        ("SS", ["\u00df", "x"], None),  # "ß" casefolds to "ss"
        ("\uff41", ["a", "b"], None),  # FULLWIDTH LATIN SMALL LETTER A
        ("\u00e4", ["\u00e4", "a"], "\u00e4"),  # a non-ASCII choice id matches exactly
    ],
)
def test_a_choice_matches_only_its_ascii_case_variants(answer: str, choices: list[str], expected: str | None) -> None:
    assert match_choice(answer, choices) == expected
