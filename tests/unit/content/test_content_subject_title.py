"""A subject's display title (subjects/<subject>/subject.yml): validated like the rest of the content, written
into every catalog entry of the subject as subjectTitle, its change previewed and published; without the file
nothing changes (the original layout's bytes stay those it always had)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from content_support import LEGACY_CONTENT, REPO, TEST_YML, FakeDeployment, MakeContent

from ops.content import ContentError, build_catalog, load_content, render_objects
from ops.deployment import Settings
from ops.publish import PublishReport, publish
from testtime import layout

NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
TITLE_FILE = "subjects/networks/subject.yml"


def published_entries(folder: Path) -> list[dict[str, object]]:
    content = load_content(folder)
    catalog = build_catalog(None, content, NOW, "Europe/Warsaw")
    entries: list[dict[str, object]] = json.loads(render_objects(content, catalog, {}, None)[layout.CATALOG])["tests"]
    return entries


def test_the_title_goes_into_every_entry_of_its_subject_only(make_content: MakeContent) -> None:
    folder = make_content(
        {
            TITLE_FILE: "# shown instead of the folder's name\ntitle: Sieci komputerowe\n",
            "subjects/networks/test02.yml": TEST_YML.replace("title: Networks", "title: Routing"),
            "subjects/databases/sql01.yml": TEST_YML.replace("title: Networks", "title: SQL"),
        }
    )
    assert load_content(folder).subject_titles == {"networks": "Sieci komputerowe"}
    titles = {(entry["subject"], entry["testId"]): entry.get("subjectTitle") for entry in published_entries(folder)}
    assert titles == {
        ("databases", "sql01"): None,  # no subject.yml: no subjectTitle at all, people see the id
        ("networks", "test01"): "Sieci komputerowe",
        ("networks", "test02"): "Sieci komputerowe",
    }
    # subject.yml is the subject's title, not a test named "subject"
    assert [test.test_id for test in load_content(folder).tests] == ["sql01", "test01", "test02"]


def test_the_title_is_trimmed_and_may_be_quoted(make_content: MakeContent) -> None:
    folder = make_content({TITLE_FILE: 'title: "  Systemy: operacyjne  "\n'})
    assert load_content(folder).subject_titles == {"networks": "Systemy: operacyjne"}


CASES: dict[str, tuple[str, list[str]]] = {
    "another key": (
        "title: Sieci\ncolour: blue\n",
        [f"{TITLE_FILE}: line 2: colour: unknown key (expected one of title)"],
    ),
    "a misspelt key": (
        "titel: Sieci\n",
        [
            f"{TITLE_FILE}: line 1: titel: unknown key (did you mean 'title'?)",
            f"{TITLE_FILE}: line 1: missing required key 'title'",
        ],
    ),
    "an empty file": ("", [f"{TITLE_FILE}: expected a mapping with keys title, found nothing"]),
    "a list": ("- Sieci\n", [f"{TITLE_FILE}: line 1: expected a mapping with keys title, found a list"]),
    "an empty title": ("title: ''\n", [f"{TITLE_FILE}: line 1: title: expected text, found empty text"]),
    "no title": ("title:\n", [f"{TITLE_FILE}: line 1: title: expected text, found nothing"]),
    "a title of two lines": (
        "title: |\n  Sieci\n  komputerowe\n",
        [
            f"{TITLE_FILE}: line 1: title: a subject's title is one line of text, without line breaks or control "
            "characters"
        ],
    ),
    "a title too long": (
        f"title: {'x' * 201}\n",
        [f"{TITLE_FILE}: line 1: title: is 201 characters long; a subject's title may be at most 200"],
    ),
    "not YAML": (
        "title: [Sieci\n",
        [
            f"{TITLE_FILE}: line 2: not valid YAML: while parsing a flow sequence, expected ',' or ']', but got "
            "'<stream end>' (column 1)"
        ],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_wrong_title_file_is_a_content_error(make_content: MakeContent, case: str) -> None:
    text, expected = CASES[case]
    with pytest.raises(ContentError) as raised:
        load_content(make_content({TITLE_FILE: text}))
    assert [str(problem) for problem in raised.value.problems] == expected


def test_the_longest_title_is_accepted(make_content: MakeContent) -> None:
    title = "Ż" * 200  # characters, not bytes
    assert load_content(make_content({TITLE_FILE: f"title: {title}\n"})).subject_titles == {"networks": title}


@pytest.mark.parametrize("name", ["Subject.yml", "subject.yaml", "SUBJECT.YML"])
def test_a_title_file_named_otherwise_is_refused_not_read_as_a_test(make_content: MakeContent, name: str) -> None:
    with pytest.raises(ContentError) as raised:
        load_content(make_content({f"subjects/networks/{name}": "title: Sieci\n"}))
    assert [str(problem) for problem in raised.value.problems] == [
        f"subjects/networks/{name}: a subject's title belongs in a file named subject.yml, in lower case"
    ]


def test_the_original_layout_loads_and_renders_unchanged_without_titles() -> None:
    """tests/fixtures/legacy-content has no subject.yml: no title, no subjectTitle in its catalog (its rendered
    bytes are compared with the golden ones in test_content_render.py)."""
    content = load_content(LEGACY_CONTENT)
    assert content.subject_titles == {}
    assert not list(LEGACY_CONTENT.rglob("subject.yml"))
    assert all("subjectTitle" not in entry for entry in published_entries(LEGACY_CONTENT))


def test_the_sample_content_takes_a_title(tmp_path: Path) -> None:
    """content/ ships subjects/operating-systems/subject.yml: its title is loaded, and the file is no test."""
    folder = tmp_path / "content"
    shutil.copytree(REPO / "content", folder)
    content = load_content(folder)
    assert content.subject_titles == {"operating-systems": "Operating systems"}
    assert [test.test_id for test in content.tests] == ["test01", "test02"]
    (folder / "subjects" / "operating-systems" / "subject.yml").unlink()
    assert load_content(folder).subject_titles == {}


def run(aws: FakeDeployment, folder: Path, *, check: bool = False, now: datetime = NOW) -> PublishReport:
    return publish(
        load_content(folder), aws.outputs, Settings(), now=now, check=check, apigateway=aws.apigateway, ses=aws.ses
    )


def test_changing_the_title_republishes_the_catalog(aws: FakeDeployment, make_content: MakeContent) -> None:
    run(aws, make_content())
    titled = make_content({TITLE_FILE: "title: Sieci komputerowe\n"})
    later = NOW + timedelta(hours=1)
    plan = run(aws, titled, check=True, now=later).lines(check=True, verbose=True)
    assert "update     catalog.json" in plan
    assert "subject title   networks: Sieci komputerowe" in plan
    assert "subjectTitle" not in aws.objects()[layout.CATALOG].decode()  # --check wrote nothing

    report = run(aws, titled, now=later)
    assert report.objects[layout.CATALOG] == "update"
    assert [entry["subjectTitle"] for entry in json.loads(aws.objects()[layout.CATALOG])["tests"]] == [
        "Sieci komputerowe"
    ]
    assert run(aws, titled, now=later).objects[layout.CATALOG] == "unchanged"

    removed = run(aws, make_content(), check=True, now=later).lines(check=True)
    assert "subject title   networks: none (the id is shown)" in removed


def test_a_title_file_linked_outside_the_content_is_one_problem(make_content: MakeContent, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yml"
    outside.write_text("title: Sieci\n", encoding="utf-8")
    folder = make_content()
    (folder / TITLE_FILE).symlink_to(outside)
    with pytest.raises(ContentError) as raised:
        load_content(folder)
    assert [str(problem) for problem in raised.value.problems] == [
        f"{TITLE_FILE}: is a symbolic link to {outside}, which points outside the content folder"
    ]
