"""What the trainer reads from the content checks, the API keys' progress and bin/pull-api-config.sh, in Polish
(``language: pl``): each content problem still names its file, line and field; plural forms are Polish ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from content_support import BUCKET, STUDENTS_YML, TEST_YML, FakeDeployment, MakeContent

import ops.deployment
import ops.publish
import ops.pull_api_config
import ops.target
from ops.apikeys import sync_api_keys
from ops.content import ContentError, load_content
from ops.deployment import Settings
from testtime import layout
from testtime.i18n import use_language

BROKEN_TEST = """\
title: Sieci
due: next week
shuffle: yes
questions:
  - id: 1
    text: Która warstwa?
    choices:
      a: sieciowa
    answer: c
    pointz: 2
  - id: 1
    text: ""
    choices: [a, b]
    answer: [a, a]
    points: 0
"""
BROKEN_STUDENTS = STUDENTS_YML + (
    "- id: Student01\n  name: Ala\n  email: ala@example.com\n- id: trainer\n  name: T\n  email: t@example.com\n"
)
T = "subjects/networks/test01.yml"
POLISH_PROBLEMS = [
    "students.yml: wiersz 10: [3].id: identyfikator ucznia 'Student01' różni się od 'student01' (wiersz 1) tylko "
    "wielkością liter",
    "students.yml: wiersz 13: [4].id: 'trainer' jest zarezerwowany (tak nazywa się klucz API trenera)",
    "subjects/bad name: nazwa 'bad name' nie może być identyfikatorem przedmiotu: użyj od 1 do 64 liter, cyfr, '.', "
    "'_' lub '-', zaczynając od litery lub cyfry",
    "subjects/networks/subject.yml: wiersz 1: title: ma 201 znaków; tytuł przedmiotu może mieć najwyżej 200 znaków",
    f"{T}: wiersz 2: due: 'next week' nie jest datą i godziną ISO 8601 (np. 2026-11-30T23:00:00+01:00 lub "
    "2026-11-30T23:00 Europe/Warsaw)",
    f"{T}: wiersz 3: shuffle: oczekiwano true lub false, jest: 'yes'",
    f"{T}: wiersz 10: questions[0].pointz: nieznany klucz (czy chodziło o 'points'?)",
    f"{T}: wiersz 7: questions[0].choices: potrzebne są co najmniej 2 warianty odpowiedzi, jest: 1",
    f"{T}: wiersz 9: questions[0].answer: 'c' nie jest żadnym z wariantów odpowiedzi (a)",
    f"{T}: wiersz 11: questions[1].id: identyfikator pytania '1' się powtarza (pierwszy raz w wierszu 5)",
    f"{T}: wiersz 12: questions[1].text: oczekiwano tekstu, jest: pusty tekst",
    f"{T}: wiersz 13: questions[1].choices: oczekiwano słownika identyfikator wariantu: tekst (a: ..., b: ...), "
    "jest: lista",
    f"{T}: wiersz 14: questions[1].answer[1]: wariant odpowiedzi 'a' się powtarza (pierwszy raz w wierszu 14)",
    f"{T}: wiersz 15: questions[1].points: liczba punktów musi być większa od 0, jest: 0",
]


def broken_content(make_content: MakeContent) -> Path:
    return make_content(
        {
            "students.yml": BROKEN_STUDENTS,
            T: BROKEN_TEST,
            "subjects/networks/subject.yml": "title: " + "x" * 201 + "\n",
            "subjects/bad name/test01.yml": TEST_YML,
        }
    )


def test_content_problems_in_polish_name_the_file_line_and_field(make_content: MakeContent) -> None:
    folder = broken_content(make_content)
    with use_language("pl"):
        with pytest.raises(ContentError) as raised:
            load_content(folder)
        assert [str(problem) for problem in raised.value.problems] == POLISH_PROBLEMS
        assert str(raised.value) == "\n".join(POLISH_PROBLEMS)
    # English stays the default: the same folder, the same problems, in English
    with pytest.raises(ContentError) as english:
        load_content(folder)
    assert str(english.value.problems[0]) == (
        "students.yml: line 10: [3].id: student id 'Student01' is the same as 'student01' (line 1) except for case"
    )
    assert len(english.value.problems) == len(POLISH_PROBLEMS)


@pytest.mark.parametrize(
    ("length", "words"), [(201, "ma 201 znaków"), (202, "ma 202 znaki"), (212, "ma 212 znaków"), (224, "ma 224 znaki")]
)
def test_a_too_long_title_takes_the_polish_plural_form(make_content: MakeContent, length: int, words: str) -> None:
    folder = make_content({"subjects/networks/subject.yml": "title: " + "x" * length + "\n"})
    with use_language("pl"):
        with pytest.raises(ContentError) as raised:
            load_content(folder)
        assert [str(problem) for problem in raised.value.problems] == [
            f"subjects/networks/subject.yml: wiersz 1: title: {words}; tytuł przedmiotu może mieć najwyżej 200 znaków"
        ]


def test_the_publisher_prints_the_content_problems_in_the_class_language(
    cli: FakeDeployment,
    make_content: MakeContent,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``language: pl`` in group_vars/all.yml: nothing is published, every problem is one Polish line."""
    monkeypatch.setattr(ops.deployment, "load_settings", lambda *args, **kwargs: Settings(language="pl"))
    with pytest.raises(SystemExit) as exited:
        ops.publish.main(["--content", str(broken_content(make_content))])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines() == POLISH_PROBLEMS
    assert "Contents" not in cli.s3.list_objects_v2(Bucket=BUCKET)


def test_the_api_keys_progress_in_polish(aws: FakeDeployment) -> None:
    """A class of 60: a line after 50 keys and one at the end (the default pace of ops.progress)."""
    lines: list[str] = []
    with use_language("pl"):
        sync_api_keys(aws.apigateway, aws.outputs.usage_plan_id, [f"s{n:02}" for n in range(60)], say=lines.append)
    assert len(lines) == 2, lines
    assert lines[0].startswith("klucze API: gotowe 50 z 61, zostało około ")
    assert lines[0].endswith(" s")
    assert lines[1].startswith("klucze API: gotowe wszystkie (61) w ")


def test_pull_api_config_speaks_the_class_language(
    cli: FakeDeployment, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = tmp_path / "stack-outputs.json"
    monkeypatch.setattr(ops.pull_api_config, "stack_outputs_path", lambda target: outputs)
    monkeypatch.setattr(ops.deployment, "load_settings", lambda *args, **kwargs: Settings(language="pl"))
    # The deployment is the moto account in this process: the command's target stays it, rather than the
    # embedded AWS of 127.0.0.1 that ops.target.enter_deployed would point the environment at.
    here = ops.target.Target("local", cli.outputs.region, tmp_path, None)
    monkeypatch.setattr(ops.target, "enter_deployed", lambda target, region=None: here)
    cli.s3.put_object(
        Bucket=BUCKET,
        Key=layout.STUDENTS_LIST,
        Body=json.dumps([{"student_id": "student01", "email": "student01@example.com"}]).encode(),
    )
    assert ops.pull_api_config.main(["--student", "nobody"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "błąd: nieznany uczeń 'nobody': nie ma go na opublikowanej liście klasy (content/students.yml, potem "
        "./update-subjects-or-students.sh)"
    ]
    assert ops.pull_api_config.main(["--student", "student01"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "błąd: uczeń 'student01' nie ma jeszcze klucza API: uruchom ./update-subjects-or-students.sh"
    ]
    sync_api_keys(cli.apigateway, cli.outputs.usage_plan_id, ["student01"])
    assert ops.pull_api_config.main(["--all"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [f"Adres API: {cli.outputs.api_url}"]
    assert captured.out.splitlines()[0] == "student_id,email,api_key,name,api_url,portal_url"  # CSV stays as it is
