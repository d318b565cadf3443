"""Hostile content: parsing is bounded in memory and time (alias bombs, deep nesting, huge files, pipes, tags), and
content stays inside its folder (symbolic links pointing outside, or to nothing, are refused and named).

The bounded cases run in a child process limited to 1 GB of address space and a timeout, so a regression fails the
test instead of eating the machine or hanging it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from content_support import REPO, STUDENTS_YML, TEST_YML, FakeDeployment, MakeContent

import ops.publish
from ops.content import ContentError, load_content

T = "subjects/networks/test02.yml"
LEGACY = "subjects/networks/test03"
LEGACY_QUESTIONS = json.dumps(
    [
        {
            "questionId": "1",
            "question": "Q?",
            "answers": [{"answerId": "a", "answerBody": "A"}, {"answerId": "b", "answerBody": "B"}],
        }
    ]
)
LEGACY_KEY = json.dumps([{"questionId": "1", "answer": "a"}])
ADDRESS_SPACE = 1024**3
# Not a speed target (bench/content_limits.py prints the real figures): a bound no bounded parse comes near even on a
# loaded machine, which an unbounded one (minutes to hours for these files) passes by far.
NO_BLOW_UP_SECONDS = 30
_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
    from ops.content import ContentError, load_content
    started = time.monotonic()
    try:
        load_content(Path(sys.argv[1]))
        problems = []
    except ContentError as error:
        problems = [str(problem) for problem in error.problems]
    print(json.dumps({"problems": problems, "seconds": time.monotonic() - started}))
    """
)


def load_bounded(folder: Path) -> tuple[list[str], float]:
    """The problems of ``folder`` and the seconds taken, loaded in a child of 1 GB address space at most."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "lambda_src")])}
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(folder), str(ADDRESS_SPACE)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    result = json.loads(child.stdout)
    return result["problems"], result["seconds"]


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ContentError) as raised:
        load_content(folder)
    return [str(problem) for problem in raised.value.problems]


def billion_laughs(levels: int = 9) -> str:
    """The classic bomb: each anchor a list of 9 aliases of the one before, 9**9 values once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnopqrstuvwxyz"
    for level in range(1, levels):
        lines.append(f"{names[level]}: &{names[level]} [{', '.join([f'*{names[level - 1]}'] * 9)}]")
    return "\n".join(lines) + "\n"


def mapping_bomb() -> str:
    lines = ["a: &a {x: 1, y: 2, z: 3, w: 4, v: 5, u: 6, t: 7, s: 8}"]
    for level, name in enumerate("bcdefghij", 1):
        previous = "abcdefghij"[level - 1]
        lines.append(f"{name}: &{name} {{{', '.join(f'k{n}: *{previous}' for n in range(8))}}}")
    return "\n".join(lines) + "\n"


def deep_by_aliases() -> str:
    """No line nests deeper than 30, but each anchor holds the one before 30 levels down: 150 once expanded."""
    lines = ["l0: &l0 x"]
    for level in range(1, 6):
        lines.append(f"l{level}: &l{level} {'[' * 30}*l{level - 1}{']' * 30}")
    return "\n".join(lines) + "\n"


def test_the_540_byte_bomb_is_refused_at_its_alias_in_a_fraction_of_a_second(make_content: MakeContent) -> None:
    bomb = billion_laughs()
    assert len(bomb.encode()) < 600
    problems, seconds = load_bounded(make_content({T: bomb}))
    assert problems == [f"{T}: line 5: holds more than 20,000 values once the alias *d is expanded"]
    assert seconds < NO_BLOW_UP_SECONDS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (mapping_bomb(), "line 5: holds more than 20,000 values once the alias *d is expanded"),
        ("a: &a x\nb: [" + ", ".join(["*a"] * 501) + "]\n", "line 2: uses more than 500 aliases (*name)"),
        ("a: &a [1, *a]\n", "line 1: the alias *a is inside the value it stands for"),
        ("a: &a {b: [x, {c: *a}]}\n", "line 1: the alias *a is inside the value it stands for"),
        (deep_by_aliases(), "line 3: nested more than 50 levels deep once the alias *l1 is expanded"),
        ("[" + "0, " * 30_000 + "0]\n", "line 1: holds more than 20,000 values"),
        ("- 0\n" * 30_000, "line 20000: holds more than 20,000 values"),
    ],
    ids=[
        "mapping bomb",
        "too many aliases",
        "alias to itself",
        "alias to its parent",
        "deep by aliases",
        "flow",
        "block",
    ],
)
def test_documents_past_a_limit_are_one_problem_at_their_line(
    make_content: MakeContent, text: str, expected: str
) -> None:
    problems, seconds = load_bounded(make_content({T: text}))
    assert problems == [f"{T}: {expected}"]
    assert seconds < NO_BLOW_UP_SECONDS


@pytest.mark.parametrize(
    ("relative", "text", "line"),
    [
        (T, "[" * 5000 + "]" * 5000, 1),
        (T, "a: {" * 3000 + "}" * 3000, 1),
        (T, "".join("  " * level + "a:\n" for level in range(400)), 50),
        (T, "- " * 2000 + "x\n", 1),
        (f"{LEGACY}/questions.json", "[" * 100_000 + "]" * 100_000, 1),
        (f"{LEGACY}/questions.json", '[{"a": "[[[[[[", "b":\n' + "[" * 60 + "]" * 60 + "}]", 2),
    ],
    ids=["flow lists", "flow mappings", "block mappings", "block lists", "json", "json brackets in a string"],
)
def test_deep_nesting_is_one_problem_with_its_line_not_a_recursion_error(
    make_content: MakeContent, relative: str, text: str, line: int
) -> None:
    files = {relative: text}
    if relative.startswith(LEGACY):
        files[f"{LEGACY}/questionsKey.json"] = LEGACY_KEY
    started = time.monotonic()
    assert problems_of(make_content(files)) == [f"{relative}: line {line}: nested more than 50 levels deep"]
    assert time.monotonic() - started < NO_BLOW_UP_SECONDS


def test_a_file_over_the_size_limit_is_refused_without_being_read(make_content: MakeContent) -> None:
    folder = make_content()
    with (folder / T).open("wb") as sparse:
        sparse.truncate(8 * 1024**3)  # 8 GB of nothing on disk: reading it whole would pass the 1 GB limit
    (folder / "subjects/networks/test04.yml").write_text("a: " + "x" * 2_000_000 + "\n")
    problems, seconds = load_bounded(folder)
    assert problems == [
        f"{T}: is too large (8,589,934,592 bytes): a content file may be at most 2,000,000 bytes (2 MB)",
        "subjects/networks/test04.yml: is too large (2,000,004 bytes): a content file may be at most 2,000,000 "
        "bytes (2 MB)",
    ]
    assert seconds < NO_BLOW_UP_SECONDS


def test_long_texts_within_the_size_limit_are_fine(make_content: MakeContent) -> None:
    long_text = "word " * 300_000  # 1.5 MB
    folder = make_content({T: TEST_YML.replace("Which layer routes packets?", long_text.strip())})
    started = time.monotonic()
    content = load_content(folder)
    assert time.monotonic() - started < NO_BLOW_UP_SECONDS
    assert [len(test.questions[0].question.text) for test in content.tests] == [27, 1_499_999]


def test_a_long_key_is_a_problem_with_its_line_not_a_traceback(make_content: MakeContent) -> None:
    folder = make_content({T: "title: T\n" + "k" * 1_500_000 + ": v\n"})
    problems, seconds = load_bounded(folder)
    assert problems == [
        f"{T}: line 2: not valid YAML: while scanning a simple key, could not find expected ':' (column 1500001)"
    ]
    assert seconds < NO_BLOW_UP_SECONDS


def test_a_real_test_of_200_questions_sharing_choices_by_alias_passes_quickly(make_content: MakeContent) -> None:
    rows = ["title: Long", "questions:"]
    for number in range(1, 201):
        choices = "&abcd {a: one, b: two, c: three, d: four}" if number == 1 else "*abcd"
        rows += [
            f"  - id: {number}",
            f"    text: Question {number} about {'networks ' * 10}",
            f"    choices: {choices}",
        ]
        rows.append("    answer: b")
    started = time.monotonic()
    content = load_content(make_content({T: "\n".join(rows) + "\n"}))
    assert time.monotonic() - started < NO_BLOW_UP_SECONDS
    assert [len(test.questions) for test in content.tests] == [2, 200]


def test_pipes_sockets_and_folders_are_refused_without_being_opened(
    make_content: MakeContent, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_content({"students.yml": None})
    os.mkfifo(folder / "students.yml")  # opening it would wait for a writer forever
    os.mkfifo(folder / "subjects/networks/test09.yml")
    (folder / "subjects/networks/test05.yml").mkdir()  # a folder named like a test: a legacy test folder
    (folder / LEGACY).mkdir()
    (folder / LEGACY / "questions.json").mkdir()
    (folder / LEGACY / "questionsKey.json").write_text(LEGACY_KEY)
    monkeypatch.chdir(folder)  # a socket's path is limited to 108 bytes: bind it by its relative path
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(T)
        problems, _ = load_bounded(folder)
    assert problems == [
        "students.yml: is a named pipe, not a file",
        f"{T}: is a socket, not a file",
        f"{LEGACY}/questions.json: is a folder, not a file",
        "subjects/networks/test05.yml: a test folder needs questions.json and questionsKey.json; missing "
        "questions.json and questionsKey.json",
        "subjects/networks/test09.yml: is a named pipe, not a file",
    ]


def test_a_tag_never_runs_anything_and_is_refused_with_its_line(make_content: MakeContent, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    tagged = TEST_YML.replace(
        "text: Which layer routes packets?", f"text: !!python/object/apply:os.system ['touch {marker}']"
    )
    custom = TEST_YML.replace("title: Networks", "title: !secret Networks")
    folder = make_content({T: tagged, "subjects/networks/test06.yml": custom})
    assert problems_of(folder) == [
        f"{T}: line 4: the YAML tag !!python/object/apply:os.system is not allowed: write plain values",
        "subjects/networks/test06.yml: line 1: the YAML tag !secret is not allowed: write plain values",
    ]
    assert not marker.exists()


def test_tags_that_only_restate_the_value_are_plain_text(make_content: MakeContent) -> None:
    folder = make_content({T: TEST_YML.replace("id: 1", "id: !!str 010").replace("title: Networks", "title: !!str N")})
    tests = {test.test_id: test for test in load_content(folder).tests}
    assert (tests["test02"].title, tests["test02"].questions[0].question.question_id) == ("N", "010")


def outside(tmp_path: Path, name: str, text: str | None = None) -> Path:
    """A file (or, with no text, a folder) outside every content folder."""
    target = tmp_path / "elsewhere" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if text is None:
        target.mkdir()
    else:
        target.write_text(text)
    return target


OUTSIDE = "which points outside the content folder"


def test_links_pointing_outside_the_content_folder_are_refused_and_named(
    make_content: MakeContent, tmp_path: Path
) -> None:
    folder = make_content({"students.yml": None})
    (folder / LEGACY).mkdir()
    links = {
        "students.yml": outside(tmp_path, "students.yml", STUDENTS_YML),
        T: outside(tmp_path, "test02.yml", TEST_YML),
        "subjects/history": outside(tmp_path, "history"),
        "subjects/networks/test07": outside(tmp_path, "test07"),
        f"{LEGACY}/questions.json": outside(tmp_path, "questions.json", LEGACY_QUESTIONS),
        f"{LEGACY}/questionsKey.json": outside(tmp_path, "questionsKey.json", LEGACY_KEY),
    }
    (links["subjects/history"] / "test01.yml").write_text(TEST_YML)
    for link, target in links.items():
        (folder / link).symlink_to(target)
    assert problems_of(folder) == [
        f"students.yml: is a symbolic link to {links['students.yml']}, {OUTSIDE}",
        f"subjects/history: is a symbolic link to {links['subjects/history']}, {OUTSIDE}",
        f"{T}: is a symbolic link to {links[T]}, {OUTSIDE}",
        f"{LEGACY}/questions.json: is a symbolic link to {links[f'{LEGACY}/questions.json']}, {OUTSIDE}",
        f"{LEGACY}/questionsKey.json: is a symbolic link to {links[f'{LEGACY}/questionsKey.json']}, {OUTSIDE}",
        f"subjects/networks/test07: is a symbolic link to {links['subjects/networks/test07']}, {OUTSIDE}",
    ]


def test_a_subjects_folder_pointing_outside_is_refused(make_content: MakeContent, tmp_path: Path) -> None:
    folder = make_content({"subjects/networks/test01.yml": None})
    target = outside(tmp_path, "subjects")
    (target / "networks").mkdir()
    (target / "networks/test01.yml").write_text(TEST_YML)
    relative_target = os.path.relpath(target, folder)  # a relative link is followed from where it sits
    (folder / "subjects").symlink_to(relative_target)
    assert problems_of(folder) == [f"subjects: is a symbolic link to {relative_target}, {OUTSIDE}"]


def test_dangling_and_looping_links_are_a_clear_problem(make_content: MakeContent) -> None:
    folder = make_content({"students.yml": None})
    (folder / "students.yml").symlink_to("class.yml")
    (folder / T).symlink_to("test99.yml")
    (folder / "subjects/networks/test08.yml").symlink_to("test09.yml")
    (folder / "subjects/networks/test09.yml").symlink_to("test08.yml")
    (folder / "subjects/networks/README.md").symlink_to("/nowhere/README.md")  # not content: the trainer's own
    assert problems_of(folder) == [
        "students.yml: is a symbolic link to class.yml, which does not exist",
        f"{T}: is a symbolic link to test99.yml, which does not exist",
        "subjects/networks/test08.yml: is a symbolic link to test09.yml, which leads back to itself",
        "subjects/networks/test09.yml: is a symbolic link to test08.yml, which leads back to itself",
    ]


def test_links_inside_the_content_folder_and_a_linked_content_folder_work(
    make_content: MakeContent, tmp_path: Path
) -> None:
    folder = make_content({"shared/class.yml": STUDENTS_YML, "students.yml": None})
    (folder / "students.yml").symlink_to("shared/class.yml")
    (folder / "subjects/routing").symlink_to("networks")
    (folder / T).symlink_to(folder / "subjects/networks/test01.yml")  # absolute, but inside
    linked = tmp_path / "linked-content"
    linked.symlink_to(folder)
    content = load_content(linked)
    assert [(test.subject, test.test_id) for test in content.tests] == [
        ("networks", "test01"),
        ("networks", "test02"),
        ("routing", "test01"),
        ("routing", "test02"),
    ]
    assert [student.student_id for student in content.students] == ["student01", "student02", "student03"]


@pytest.mark.parametrize("case", ["bomb", "link"])
def test_the_publish_cli_prints_the_problem_and_writes_nothing(
    cli: FakeDeployment,
    make_content: MakeContent,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    if case == "bomb":
        folder = make_content({T: billion_laughs(levels=5)})  # 9**5 values: harmless in-process, were it expanded
        expected = f"{T}: line 5: holds more than 20,000 values once the alias *d is expanded"
    else:
        folder = make_content()
        target = outside(tmp_path, "secret.yml", TEST_YML)
        (folder / T).symlink_to(target)
        expected = f"{T}: is a symbolic link to {target}, {OUTSIDE}"
    with pytest.raises(SystemExit) as exited:
        ops.publish.main(["--content", str(folder)])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines() == [expected]
    assert (cli.objects(), cli.keys()) == ({}, {})
