"""documents.codec: the one serialisation of the bucket's documents and the one error of a malformed one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testtime.documents.codec import MalformedDocument, dumps, is_count, loads, require

KEY = "operating-systems/test01/student01/testResult.json"

# JSON values as the bucket holds them: finite numbers, text without lone surrogates (not UTF-8 encodable).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=20,
)


def test_dumps_writes_indented_utf8_json_with_a_final_newline_in_the_given_key_order() -> None:
    assert dumps({"b": 1, "a": ["żółw", None]}) == '{\n  "b": 1,\n  "a": [\n    "żółw",\n    null\n  ]\n}\n'.encode()


@given(JSON_VALUES)
def test_what_dumps_writes_loads_reads_back_unchanged(value: Any) -> None:
    assert loads(KEY, dumps(value)) == value


@given(JSON_VALUES)
def test_equal_values_give_equal_bytes(value: Any) -> None:
    assert dumps(json.loads(json.dumps(value))) == dumps(value)


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_dumps_refuses_numbers_that_json_has_not(number: float) -> None:
    # loads refuses NaN and Infinity, so a writer must never store them: the document would be unreadable.
    with pytest.raises(ValueError):
        dumps({"percent": number})


def test_loads_accepts_a_utf8_byte_order_mark() -> None:
    assert loads(KEY, b'\xef\xbb\xbf{"score": 5}') == {"score": 5}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "is not JSON: Expecting value: line 1 column 1 (char 0)"),
        (b'{"score": 5', "is not JSON: Expecting ',' delimiter: line 1 column 12 (char 11)"),
        (b'{"answer": "\xff"}', "is not UTF-8 text (byte 12)"),
        (b'{"percent": NaN}', "is not JSON: NaN is not a JSON number"),
        (b"[Infinity]", "is not JSON: Infinity is not a JSON number"),
        (b"[-Infinity]", "is not JSON: -Infinity is not a JSON number"),
    ],
)
def test_loads_names_the_key_and_the_problem(body: bytes, problem: str) -> None:
    with pytest.raises(MalformedDocument) as caught:
        loads(KEY, body)
    assert caught.value.key == KEY
    assert caught.value.problem == problem
    assert str(caught.value) == f"{KEY} {problem}"


def test_a_malformed_document_is_a_value_error_that_names_its_file() -> None:
    error = MalformedDocument(KEY, "is missing")
    assert isinstance(error, ValueError)
    assert error.file == "testResult.json"
    assert error.in_file() == "testResult.json is missing"
    assert MalformedDocument("catalog.json", "is missing").file == "catalog.json"


def test_require_passes_bytes_through_and_names_a_missing_object() -> None:
    assert require(KEY, b"[]") == b"[]"
    assert require(KEY, b"") == b""  # an empty object exists: loads judges it
    with pytest.raises(MalformedDocument, match=f"^{KEY} is missing$"):
        require(KEY, None)


@pytest.mark.parametrize(("value", "expected"), [(0, True), (7, True), (-1, False), (True, False), (1.0, False)])
def test_is_count_is_a_non_negative_integer_not_a_bool(value: object, expected: bool) -> None:
    assert is_count(value) is expected
