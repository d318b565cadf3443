"""The original 2019 folder loads unchanged, and the rendered objects keep the original shapes and bytes (those the
publisher always wrote: tests/unit/content/fixtures/legacy-rendered)."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta

from content_support import FIXTURES, LEGACY_CONTENT, REPO, MakeContent

from ops.content import build_catalog, load_content, read_catalog, render_objects
from testtime import layout
from testtime.documents.codec import dumps

NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
LEGACY_TEST = "subjects/operating-systems/test01"


def test_the_original_folder_loads_unchanged() -> None:
    content = load_content(LEGACY_CONTENT)
    assert [(s.student_id, s.name, s.email) for s in content.students] == [
        (f"student0{n}", f"student0{n}", f"student0{n}@makemycloud.pl") for n in range(1, 5)
    ]
    [test] = content.tests
    assert (test.subject, test.test_id, test.title, test.due, test.source) == (
        "operating-systems",
        "test01",
        "test01",
        None,
        LEGACY_TEST,
    )
    assert [q.answer for q in test.questions] == ["a", "c", "a", "c", "a", "d"]


def test_the_original_test_renders_to_the_original_files() -> None:
    content = load_content(LEGACY_CONTENT)
    objects = render_objects(content, build_catalog(None, content, NOW, "Europe/Warsaw"), {}, None)
    for name in ("questions.json", "questionsKey.json"):
        original = (LEGACY_CONTENT / LEGACY_TEST / name).read_bytes()
        rendered = objects[f"operating-systems/test01/{name}"]
        assert json.loads(rendered) == json.loads(original)
        assert rendered == dumps(json.loads(original))  # byte-stable serialisation


def test_mixed_content_yaml_class_with_original_test_folder(make_content: MakeContent) -> None:
    folder = make_content()
    shutil.copytree(LEGACY_CONTENT / "subjects", folder / "subjects", dirs_exist_ok=True)
    content = load_content(folder)
    assert [(t.subject, t.test_id) for t in content.tests] == [("networks", "test01"), ("operating-systems", "test01")]


def test_mixed_fixture_folder_loads() -> None:
    content = load_content(FIXTURES / "mixed")
    assert [s.student_id for s in content.students] == ["student01", "student02"]
    assert [(t.subject, t.test_id, t.title) for t in content.tests] == [
        ("databases", "sql01", "SQL basics"),
        ("operating-systems", "test01", "test01"),
    ]


def test_the_sample_content_is_valid() -> None:
    content = load_content(REPO / "content")
    assert [s.student_id for s in content.students] == ["student01", "student02", "student03"]
    assert all(s.email.endswith("@example.com") and s.name for s in content.students)
    assert [(test.subject, test.test_id, len(test.questions)) for test in content.tests] == [
        ("operating-systems", "test01", 6),
        ("operating-systems", "test02", 4),  # every option of issue 16: test_content_options
    ]


def test_rendered_objects_keep_the_contract(make_content: MakeContent) -> None:
    content = load_content(make_content())
    catalog = build_catalog(None, content, NOW, "Europe/Warsaw")
    digests = {"student01": "d1", "student02": "d2", "student03": "d3"}
    objects = render_objects(content, catalog, digests, "dt")
    assert list(objects) == [
        "networks/test01/questions.json",
        "networks/test01/questionsKey.json",
        layout.STUDENTS_LIST,
        layout.TRAINER,
        layout.CATALOG,  # last: a test is listed only once its questions are in place
    ]
    questions = json.loads(objects["networks/test01/questions.json"])
    assert questions[1] == {
        "questionId": "2",
        "question": "Which protocol is connectionless?",
        "answers": [
            {"answerId": "a", "answerBody": "TCP"},
            {"answerId": "b", "answerBody": "UDP"},
            {"answerId": "c", "answerBody": "SCTP"},
        ],
    }
    assert all("answer" not in question for question in questions)
    assert json.loads(objects["networks/test01/questionsKey.json"]) == [
        {"questionId": "1", "answer": "a"},
        {"questionId": "2", "answer": "b"},
    ]
    assert json.loads(objects[layout.STUDENTS_LIST])[0] == {
        "student_id": "student01",
        "email": "student01@example.com",
        "name": "Anna Kowalska",
        "api_key_sha256": "d1",
    }
    assert json.loads(objects[layout.TRAINER]) == {"api_key_sha256": "dt"}
    assert objects == render_objects(content, catalog, digests, "dt")  # same input, same bytes


def test_the_rendered_bytes_are_those_the_publisher_always_wrote() -> None:
    """Equal content, equal bytes, equal ETags: a deployed class's second run must upload nothing."""
    golden = FIXTURES / "legacy-rendered"
    content = load_content(LEGACY_CONTENT)
    digests = {s.student_id: hashlib.sha256(s.student_id.encode()).hexdigest() for s in content.students}
    now = datetime(2026, 11, 18, 9, 30, 12, 345678, tzinfo=UTC)  # sub-second: stored to the second
    catalog = build_catalog(None, content, now, "Europe/Warsaw")
    objects = render_objects(content, catalog, digests, "ab" * 32)
    assert objects == {key: (golden / "published" / key).read_bytes() for key in objects}

    before = json.loads(objects[layout.CATALOG])
    before["tests"].append(
        {
            "subject": "zz-gone",
            "testId": "t9",
            "title": "Gone",
            "due": "2026-11-23T22:00:00+00:00",
            "firstPublished": "2026-11-01T10:00:00+00:00",
            "questionCount": 3,
            "closedAt": None,
        }
    )
    before["tests"].insert(
        0,
        {
            "subject": "aa-closed",
            "testId": "t1",
            "title": "Closed",
            "due": "2026-11-02T22:00:00+00:00",
            "firstPublished": "2026-10-01T10:00:00+00:00",
            "questionCount": 2,
            "closedAt": "2026-10-05T10:00:00+00:00",
        },
    )
    later = build_catalog(read_catalog(dumps(before)), content, now + timedelta(days=10, seconds=7), "Europe/Warsaw")
    republished = render_objects(content, later, digests, "ab" * 32)
    assert republished[layout.CATALOG] == (golden / "republished" / layout.CATALOG).read_bytes()
