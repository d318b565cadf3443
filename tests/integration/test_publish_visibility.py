"""A publication is visible to the deployed functions the moment ``update-subjects-or-students.sh`` returns.

Against the shared local deployment (the ``deployed`` session fixture): this module publishes a copy of content/
plus its own students (vis01, vis02) and subject ``visibility``, warms every function's caches, publishes again with
one test's questions replaced and another closed early, and asserts that the very next requests see that, through
API Gateway and the real functions (whose caches keep the catalog and the class list for 15 s). At the end it
publishes content/ again, which disables its students' keys and closes its tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.integration.api_content import Api, restore_sample_content, wait_for_content
from tests.integration.harness import LocalAws, api_key, copy_sample_content

pytestmark = pytest.mark.integration

SUBJECT = "visibility"
REPLACED, CLOSING = "replaced01", "closing01"
STUDENTS = ("vis01", "vis02")


def write_content(dest: Path, *, replaced_choices: tuple[str, str], closing_due: datetime) -> Path:
    copy_sample_content(dest)
    class_list = yaml.safe_load((dest / "students.yml").read_text(encoding="utf-8"))
    class_list += [{"id": sid, "name": f"Visibility {sid}", "email": f"{sid}@example.com"} for sid in STUDENTS]
    (dest / "students.yml").write_text(yaml.safe_dump(class_list, allow_unicode=True), encoding="utf-8")
    week_ahead = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    tests = {
        REPLACED: (week_ahead, replaced_choices),
        CLOSING: (closing_due, ("a", "b")),
    }
    folder = dest / "subjects" / SUBJECT
    folder.mkdir(parents=True)
    for test_id, (due, choices) in tests.items():
        question = {"id": 1, "text": f"{test_id}: pick one", "choices": {c: f"choice {c}" for c in choices}}
        document = {"title": test_id, "due": due.isoformat(), "questions": [{**question, "answer": choices[0]}]}
        (folder / f"{test_id}.yml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def api(deployed: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    workdir = tmp_path_factory.mktemp("visibility")
    week_ahead = datetime.now(UTC) + timedelta(days=7)
    content = write_content(workdir / "v1", replaced_choices=("a", "b"), closing_due=week_ahead)
    deployed.run("update-subjects-or-students.sh", "--content", str(content))
    client = Api(deployed.outputs()["ApiUrl"])
    try:
        yield client
    finally:
        restore_sample_content(deployed)


def choices(api: Api, key: str) -> list[str]:
    reply = api.get_test(key, REPLACED, SUBJECT)
    assert reply.status == 200, reply.raw[:300]
    return [choice["answerId"] for choice in reply.json["questions"][0]["answers"]]


def test_the_next_requests_after_a_publication_see_it(api: Api, deployed: LocalAws, tmp_path: Path) -> None:
    first, second = (api_key(deployed, sid) for sid in STUDENTS)
    wait_for_content(api, first, SUBJECT, REPLACED)  # every function has read version 1 and keeps it
    listed = api.list_tests(second).json["subjects"]
    assert CLOSING in [t["testId"] for group in listed if group["subjectName"] == SUBJECT for t in group["tests"]]
    assert choices(api, first) == ["a", "b"]

    past = datetime.now(UTC) - timedelta(minutes=1)
    content = write_content(tmp_path / "v2", replaced_choices=("c", "d"), closing_due=past)
    deployed.run("update-subjects-or-students.sh", "--content", str(content))

    assert choices(api, first) == ["c", "d"]  # the new questions, not the cached ones
    closing = api.submit(second, {"subjectName": SUBJECT, "testId": CLOSING, "answers": []})
    assert (closing.status, closing.json["error"]) == (410, "test_closed")
    listed = api.list_tests(second).json["subjects"]
    assert CLOSING not in [t["testId"] for group in listed if group["subjectName"] == SUBJECT for t in group["tests"]]
    stored = api.submit(
        first, {"subjectName": SUBJECT, "testId": REPLACED, "answers": [{"questionId": "1", "answer": "d"}]}
    )
    assert stored.status == 201, stored.raw[:300]
