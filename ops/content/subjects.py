"""The tests under ``subjects/<subject>/``: ``<testId>.yml`` files, or the original layout, a ``<testId>/`` folder
holding ``questions.json`` and ``questionsKey.json``. Both may be mixed, even within one subject."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from ops.content.documents import read_document
from ops.content.fields import FieldChecker, kind, name_problem
from ops.content.model import AuthoredQuestion, Choice, Question, Test
from ops.content.problems import FieldPath, Problem
from testtime.layout import SCORER_PREFIX, SUBMITTED_PREFIX

SUBJECTS_DIR = "subjects"
TEST_SUFFIXES = (".yml", ".yaml")
LEGACY_QUESTIONS = "questions.json"
LEGACY_KEY = "questionsKey.json"
# Top-level prefixes the service writes itself: a subject of that name would mix its tests with them.
RESERVED_SUBJECTS = frozenset({SUBMITTED_PREFIX.rstrip("/"), SCORER_PREFIX.rstrip("/")})

TestLoader = Callable[[Path, str, str, str, list[Problem]], Test | None]


def load_tests(folder: Path, problems: list[Problem]) -> list[Test]:
    root = folder / SUBJECTS_DIR
    tests: list[Test] = []
    for entry in _visible(root) if root.is_dir() else []:
        relative = f"{SUBJECTS_DIR}/{entry.name}"
        if entry.is_file():
            if entry.suffix in TEST_SUFFIXES:
                problems.append(
                    Problem(relative, f"a test belongs in a subject folder, e.g. {SUBJECTS_DIR}/<subject>/{entry.name}")
                )
            continue  # anything else (a README) is the trainer's business
        problem = name_problem(relative, entry.name, "a subject id")
        if problem is None and entry.name in RESERVED_SUBJECTS:
            problem = Problem(relative, f"the name {entry.name!r} is reserved for the service's own data")
        if problem is not None:
            problems.append(problem)
            continue
        tests.extend(_subject_tests(folder, entry, problems))
    return sorted(tests, key=lambda test: (test.subject, test.test_id))


def _visible(directory: Path) -> list[Path]:
    return sorted(entry for entry in directory.iterdir() if not entry.name.startswith("."))


def _subject_tests(folder: Path, subject_dir: Path, problems: list[Problem]) -> list[Test]:
    subject = subject_dir.name
    sources: dict[str, str] = {}  # test id -> the file or folder defining it
    tests: list[Test] = []
    for entry in _visible(subject_dir):
        relative = f"{SUBJECTS_DIR}/{subject}/{entry.name}"
        loader: TestLoader
        if entry.is_file() and entry.suffix in TEST_SUFFIXES:
            test_id, loader = entry.stem, _authored_test
        elif entry.is_dir():
            test_id, loader = entry.name, _legacy_test
        else:
            continue
        problem = name_problem(relative, test_id, "a test id")
        if problem is None and test_id in sources:
            problem = Problem(relative, f"test {test_id!r} is already defined by {sources[test_id]}")
        if problem is not None:
            problems.append(problem)
            continue
        sources[test_id] = relative
        test = loader(folder, subject, test_id, relative, problems)
        if test is not None:
            tests.append(test)
    return tests


def _authored_test(folder: Path, subject: str, test_id: str, relative: str, problems: list[Problem]) -> Test | None:
    document, parse_problems = read_document(folder, relative)
    problems.extend(parse_problems)
    if document is None:
        return None
    check = FieldChecker(document, problems)
    fields = check.mapping(document.data, (), ("title", "questions"), ("due",))
    if fields is None:
        return None
    title = check.get(fields, (), "title", check.text)
    due = check.due(fields["due"], ("due",)) if fields.get("due") is not None else None
    rows = check.get(fields, (), "questions", lambda value, where: check.items(value, where, "questions"))
    if rows is None:
        return None
    if not rows:
        check.report(("questions",), "needs at least 1 question")
    questions: list[AuthoredQuestion | None] = []
    seen: dict[str, int | None] = {}
    for index, row in enumerate(rows):
        where: FieldPath = ("questions", index)
        question = check.mapping(row, where, ("id", "text", "choices", "answer"))
        if question is None:
            questions.append(None)
            continue
        question_id = check.get(question, where, "id", check.label)
        check.unique(seen, question_id, (*where, "id"), "question id")
        text = check.get(question, where, "text", check.text)
        choices = check.get(question, where, "choices", lambda value, at: _authored_choices(check, value, at))
        answer = check.get(question, where, "answer", check.label)
        _check_answer(check, answer, choices, (*where, "answer"))
        questions.append(_question(question_id, text, choices, answer))
    return _test(subject, test_id, title, due, questions, relative)


def _authored_choices(check: FieldChecker, value: Any, where: FieldPath) -> list[Choice] | None:
    if not isinstance(value, dict):
        check.report(where, f"expected a mapping of choice id to text (a: ..., b: ...), found {kind(value)}")
        return None
    if len(value) < 2:
        check.report(where, f"needs at least 2 choices, found {len(value)}")
    return _choices(check, [(key, body, (*where, key), (*where, key)) for key, body in value.items()])


def _legacy_test(folder: Path, subject: str, test_id: str, relative: str, problems: list[Problem]) -> Test | None:
    missing = [name for name in (LEGACY_QUESTIONS, LEGACY_KEY) if not (folder / relative / name).is_file()]
    if missing:
        problems.append(
            Problem(
                relative, f"a test folder needs {LEGACY_QUESTIONS} and {LEGACY_KEY}; missing {' and '.join(missing)}"
            )
        )
        return None
    questions_doc, questions_problems = read_document(folder, f"{relative}/{LEGACY_QUESTIONS}")
    key_doc, key_problems = read_document(folder, f"{relative}/{LEGACY_KEY}")
    problems.extend(questions_problems + key_problems)
    if questions_doc is None or key_doc is None:
        return None
    check = FieldChecker(questions_doc, problems)
    rows = check.items(questions_doc.data, (), "questions") or []
    if not rows and isinstance(questions_doc.data, list):
        check.report((), "needs at least 1 question")
    parsed: list[tuple[str | None, str | None, list[Choice] | None]] = []
    seen: dict[str, int | None] = {}
    for index, row in enumerate(rows):
        question = check.mapping(row, (index,), ("questionId", "question", "answers"))
        if question is None:
            parsed.append((None, None, None))
            continue
        question_id = check.get(question, (index,), "questionId", check.label)
        check.unique(seen, question_id, (index, "questionId"), "questionId")
        text = check.get(question, (index,), "question", check.text)
        choices = check.get(question, (index,), "answers", lambda value, at: _legacy_choices(check, value, at))
        parsed.append((question_id, text, choices))
    answers = _legacy_answers(FieldChecker(key_doc, problems), {qid: choices for qid, _, choices in parsed if qid})
    questions = [_question(qid, text, choices, answers.get(qid) if qid else None) for qid, text, choices in parsed]
    return _test(subject, test_id, test_id, None, questions, relative)


def _legacy_choices(check: FieldChecker, value: Any, where: FieldPath) -> list[Choice] | None:
    rows = check.items(value, where, "answers ({answerId, answerBody})")
    if rows is None:
        return None
    if len(rows) < 2:
        check.report(where, f"needs at least 2 choices, found {len(rows)}")
    entries = []
    for index, row in enumerate(rows):
        fields = check.mapping(row, (*where, index), ("answerId", "answerBody"))
        if fields is not None:
            entries.append(
                (
                    fields.get("answerId"),
                    fields.get("answerBody"),
                    (*where, index, "answerId"),
                    (*where, index, "answerBody"),
                )
            )
    return _choices(check, entries)


def _legacy_answers(check: FieldChecker, choices_by_question: dict[str, list[Choice] | None]) -> dict[str, str]:
    """The answer of each question from ``questionsKey.json``, checked against ``questions.json``."""
    rows = check.items(check.document.data, (), "answers ({questionId, answer})") or []
    answers: dict[str, str] = {}
    seen: dict[str, int | None] = {}
    for index, row in enumerate(rows):
        entry = check.mapping(row, (index,), ("questionId", "answer"))
        if entry is None:
            continue
        question_id = check.get(entry, (index,), "questionId", check.label)
        check.unique(seen, question_id, (index, "questionId"), "questionId")
        answer = check.get(entry, (index,), "answer", check.label)
        if question_id is not None and question_id not in choices_by_question:
            check.report((index, "questionId"), f"{question_id!r} is not a questionId of {LEGACY_QUESTIONS}")
            continue
        if question_id is not None and answer is not None:
            _check_answer(check, answer, choices_by_question[question_id], (index, "answer"))
            answers.setdefault(question_id, answer)
    if isinstance(check.document.data, list):
        for question_id in choices_by_question:
            if question_id not in seen:
                check.report((), f"no answer for questionId {question_id!r}")
    return answers


def _choices(check: FieldChecker, entries: list[tuple[Any, Any, FieldPath, FieldPath]]) -> list[Choice]:
    """Choices from (id, body, where the id is, where the body is); ids must be unique."""
    choices: list[Choice] = []
    seen: dict[str, int | None] = {}
    for raw_id, raw_body, id_where, body_where in entries:
        choice_id = check.label(raw_id, id_where)
        check.unique(seen, choice_id, id_where, "choice id")
        body = check.text(raw_body, body_where)
        if choice_id is not None and body is not None:
            choices.append(Choice(choice_id, body))
    return choices


def _check_answer(check: FieldChecker, answer: str | None, choices: list[Choice] | None, where: FieldPath) -> None:
    if answer is None or choices is None:
        return
    ids = [choice.answer_id for choice in choices]
    if answer not in ids:
        check.report(where, f"{answer!r} is not one of the choices ({', '.join(ids)})")


def _question(
    question_id: str | None, text: str | None, choices: list[Choice] | None, answer: str | None
) -> AuthoredQuestion | None:
    if question_id is None or text is None or choices is None or answer is None:
        return None
    return AuthoredQuestion(Question(question_id, text, tuple(choices)), answer)


def _test(
    subject: str,
    test_id: str,
    title: str | None,
    due: datetime | None,
    questions: list[AuthoredQuestion | None],
    source: str,
) -> Test | None:
    """The test when every part of it is usable (problems were reported otherwise)."""
    if title is None or not questions or None in questions:
        return None
    return Test(subject, test_id, title, due, tuple(q for q in questions if q is not None), source)
