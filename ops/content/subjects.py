"""The tests under ``subjects/<subject>/``: ``<testId>.yml`` files, or the original layout, a ``<testId>/`` folder
holding ``questions.json`` and ``questionsKey.json``. Both may be mixed, even within one subject."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ops.content.documents import is_present, read_document, visible_entries
from ops.content.fields import FieldChecker, Seen, identity, kind, name_problem, same_except_case
from ops.content.model import AuthoredQuestion, Choice, Question, Test
from ops.content.options import (
    QUESTION_OPTIONS,
    TEST_OPTIONS,
    QuestionOptions,
    TestOptions,
    question_options,
    test_options,
)
from ops.content.problems import FieldPath, Problem
from ops.content.subject_title import SUBJECT_FILE, load_subject_title, misnamed_subject_file
from ops.i18n import TRAINER
from testtime import layout
from testtime.layout import CATALOG, INVITATIONS_PREFIX, SCORER_PREFIX, STUDENTS_LIST, SUBMITTED_PREFIX

_ = TRAINER.gettext
_p = TRAINER.pgettext

SUBJECTS_DIR = "subjects"
TEST_SUFFIXES = (".yml", ".yaml")
LEGACY_QUESTIONS = "questions.json"
LEGACY_KEY = "questionsKey.json"
# Top-level names the service writes itself, in any case: a subject of a prefix's name would mix its tests with
# the service's data, one of an object's name would make that key both an object and a folder (no backup folder can
# hold both), and on a case-insensitive disk 'Scorer' is 'scorer'.
RESERVED_SUBJECTS = frozenset(
    identity(name)
    for name in (
        SUBMITTED_PREFIX.rstrip("/"),
        SCORER_PREFIX.rstrip("/"),
        INVITATIONS_PREFIX.rstrip("/"),
        STUDENTS_LIST,
        CATALOG,
        layout.TRAINER,  # the trainer's document, not the texts
    )
)
# A test (file or original folder) of such a name reads as a misplaced original test file.
RESERVED_TEST_IDS = frozenset(identity(name) for name in (LEGACY_QUESTIONS, LEGACY_KEY))
PUBLISHED_OPTIONS = ("points", "multiple", "partial")  # what questions.json carries of a question's options

# The class list's student ids by their identity (``fields.identity``); None when it is unusable.
Roster = Mapping[str, str] | None
TestLoader = Callable[[Path, str, str, str, list[Problem], Roster], Test | None]


def load_tests(
    folder: Path, problems: list[Problem], roster: Roster = None, titles: dict[str, str] | None = None
) -> list[Test]:
    """Every test; ``roster``: the class list, which a test's ``extensions`` must name students of (None: the class
    list has problems of its own and is not checked against). ``titles`` receives each subject's display title
    (its ``subject.yml``), subject id -> title."""
    root = folder / SUBJECTS_DIR
    tests: list[Test] = []
    subjects: dict[str, tuple[str, str]] = {}  # identity -> the subject id and its folder
    if not root.is_dir():
        # On a case-sensitive disk 'Subjects/' is not 'subjects/': publishing no tests would close every test.
        problems.extend(
            Problem(entry.name, _("the folder of subjects is named {name}, in lower case", name=repr(SUBJECTS_DIR)))
            for entry in sorted(folder.iterdir())
            if identity(entry.name) == SUBJECTS_DIR and entry.is_dir()
        )
    for entry in visible_entries(folder, SUBJECTS_DIR, problems, TEST_SUFFIXES):
        relative = f"{SUBJECTS_DIR}/{entry.name}"
        if entry.is_file():
            if entry.suffix in TEST_SUFFIXES:
                example = f"{SUBJECTS_DIR}/<subject>/{entry.name}"
                problems.append(
                    Problem(relative, _("a test belongs in a subject folder, e.g. {example}", example=example))
                )
            continue  # anything else (a README) is the trainer's business
        problem = name_problem(relative, entry.name, _p("cannot be used as", "a subject id"))
        if problem is None and identity(entry.name) in RESERVED_SUBJECTS:
            problem = Problem(
                relative, _("the name {name} is reserved for the service's own data", name=repr(entry.name))
            )
        if problem is None:
            problem = _defined_once(subjects, entry.name, _p("duplicate", "subject"), relative)
        if problem is not None:
            problems.append(problem)
            continue
        tests.extend(_subject_tests(folder, entry, problems, roster, titles))
    return sorted(tests, key=lambda test: (test.subject, test.test_id))


def _visible(directory: Path) -> list[Path]:
    return sorted(entry for entry in directory.iterdir() if not entry.name.startswith("."))


def _subject_tests(
    folder: Path, subject_dir: Path, problems: list[Problem], roster: Roster, titles: dict[str, str] | None
) -> list[Test]:
    subject = subject_dir.name
    sources: dict[str, tuple[str, str]] = {}  # identity -> the test id and the file or folder defining it
    tests: list[Test] = []
    for entry in visible_entries(folder, f"{SUBJECTS_DIR}/{subject}", problems, TEST_SUFFIXES):
        relative = f"{SUBJECTS_DIR}/{subject}/{entry.name}"
        loader: TestLoader
        if entry.name == SUBJECT_FILE:  # the subject's title, not a test
            title = load_subject_title(folder, relative, problems)
            if title is not None and titles is not None:
                titles[subject] = title
            continue
        misnamed = misnamed_subject_file(relative, entry.name)
        if misnamed is not None:
            problems.append(misnamed)
            continue
        if not entry.is_dir() and entry.suffix in TEST_SUFFIXES:  # a pipe too: reading it says what it is
            test_id, loader = entry.stem, _authored_test
        elif entry.is_file() and entry.suffix.lower() in TEST_SUFFIXES:  # left out unsaid, it would close a test
            suffixes = _(" or ").join(TEST_SUFFIXES)
            problems.append(
                Problem(relative, _("a test file's name ends in {suffixes}, in lower case", suffixes=suffixes))
            )
            continue
        elif entry.is_dir():
            test_id, loader = entry.name, _legacy_test
        elif identity(entry.name) in RESERVED_TEST_IDS:  # an original test's file out of its folder: not left unsaid
            example = f"{SUBJECTS_DIR}/{subject}/<testId>/{entry.name}"
            problems.append(
                Problem(
                    relative, _("an original test's files belong in a folder of their own: {example}", example=example)
                )
            )
            continue
        else:
            continue
        problem = name_problem(relative, test_id, _p("cannot be used as", "a test id"))
        if problem is None and identity(test_id) in RESERVED_TEST_IDS:
            problem = Problem(
                relative, _("the name {name} cannot be a test id: it names a test's own file", name=repr(test_id))
            )
        if problem is None:
            problem = _defined_once(sources, test_id, _p("duplicate", "test"), relative)
        if problem is not None:
            problems.append(problem)
            continue
        test = loader(folder, subject, test_id, relative, problems, roster)
        if test is not None:
            tests.append(test)
    return tests


def _defined_once(defined: dict[str, tuple[str, str]], name: str, what: str, relative: str) -> Problem | None:
    """A problem when an earlier file or folder defines ``name``, also in another case (on a case-insensitive disk,
    where trainers edit content, they are one file, and to a person one id); else ``name`` is recorded in ``defined``
    (its identity -> the name and ``relative``)."""
    first_name, first_relative = defined.setdefault(identity(name), (name, relative))
    if first_relative == relative:
        return None
    if first_name == name:
        return Problem(
            relative, _("{what} {name} is already defined by {first}", what=what, name=repr(name), first=first_relative)
        )
    return Problem(relative, same_except_case(what, name, first_name, first_relative))


def _authored_test(
    folder: Path, subject: str, test_id: str, relative: str, problems: list[Problem], roster: Roster
) -> Test | None:
    document, parse_problems = read_document(folder, relative)
    problems.extend(parse_problems)
    if document is None:
        return None
    check = FieldChecker(document, problems)
    fields = check.mapping(document.data, (), ("title", "questions"), ("due", *TEST_OPTIONS))
    if fields is None:
        return None
    title = check.get(fields, (), "title", check.text)
    due = check.due(fields["due"], ("due",)) if fields.get("due") is not None else None
    options = test_options(check, fields, due, roster)
    rows = check.get(
        fields, (), "questions", lambda value, where: check.items(value, where, _p("a list of", "questions"))
    )
    if rows is None:
        return None
    if not rows:
        check.report(("questions",), _("needs at least 1 question"))
    questions: list[AuthoredQuestion | None] = []
    seen: Seen = {}
    for index, row in enumerate(rows):
        where: FieldPath = ("questions", index)
        question = check.mapping(row, where, ("id", "text", "choices", "answer"), QUESTION_OPTIONS)
        if question is None:
            questions.append(None)
            continue
        question_id = check.get(question, where, "id", check.label)
        check.unique(seen, question_id, (*where, "id"), _p("duplicate", "question id"), ignore_case=True)
        text = check.get(question, where, "text", check.text)
        choices = check.get(question, where, "choices", lambda value, at: _authored_choices(check, value, at))
        questions.append(_question(question_id, text, choices, question_options(check, question, where, choices)))
    return _test(subject, test_id, title, due, questions, relative, options)


def _authored_choices(check: FieldChecker, value: Any, where: FieldPath) -> list[Choice] | None:
    if not isinstance(value, dict):
        check.report(
            where, _("expected a mapping of choice id to text (a: ..., b: ...), found {found}", found=kind(value))
        )
        return None
    if len(value) < 2:
        check.report(where, _("needs at least 2 choices, found {count}", count=len(value)))
    return _choices(check, [(key, body, (*where, key), (*where, key)) for key, body in value.items()])


def _legacy_test(
    folder: Path, subject: str, test_id: str, relative: str, problems: list[Problem], roster: Roster
) -> Test | None:
    missing = [name for name in (LEGACY_QUESTIONS, LEGACY_KEY) if not is_present(folder, f"{relative}/{name}")]
    if missing:
        message = _("a test folder needs {questions} and {key}; missing {missing}", questions=LEGACY_QUESTIONS,
                    key=LEGACY_KEY, missing=_(" and ").join(missing))  # fmt: skip
        problems.append(Problem(relative, message))
        return None
    questions_doc, questions_problems = read_document(folder, f"{relative}/{LEGACY_QUESTIONS}")
    key_doc, key_problems = read_document(folder, f"{relative}/{LEGACY_KEY}")
    problems.extend(questions_problems + key_problems)
    if questions_doc is None or key_doc is None:
        return None
    check = FieldChecker(questions_doc, problems)
    rows = check.items(questions_doc.data, (), _p("a list of", "questions")) or []
    if not rows and isinstance(questions_doc.data, list):
        check.report((), _("needs at least 1 question"))
    parsed: list[tuple[str | None, str | None, list[Choice] | None]] = []
    seen: Seen = {}
    for index, row in enumerate(rows):
        # The fields issue 16 publishes are read from the answer key, which decides them; here they may stand.
        question = check.mapping(row, (index,), ("questionId", "question", "answers"), PUBLISHED_OPTIONS)
        if question is None:
            parsed.append((None, None, None))
            continue
        question_id = check.get(question, (index,), "questionId", check.label)
        check.unique(seen, question_id, (index, "questionId"), "questionId", ignore_case=True)
        text = check.get(question, (index,), "question", check.text)
        choices = check.get(question, (index,), "answers", lambda value, at: _legacy_choices(check, value, at))
        parsed.append((question_id, text, choices))
    answers = _legacy_answers(FieldChecker(key_doc, problems), {qid: choices for qid, _, choices in parsed if qid})
    questions = [_question(qid, text, choices, answers.get(qid) if qid else None) for qid, text, choices in parsed]
    return _test(subject, test_id, test_id, None, questions, relative)


def _legacy_choices(check: FieldChecker, value: Any, where: FieldPath) -> list[Choice] | None:
    rows = check.items(value, where, _p("a list of", "answers ({fields})", fields="{answerId, answerBody}"))
    if rows is None:
        return None
    if len(rows) < 2:
        check.report(where, _("needs at least 2 choices, found {count}", count=len(rows)))
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


def _legacy_answers(
    check: FieldChecker, choices_by_question: dict[str, list[Choice] | None]
) -> dict[str, QuestionOptions | None]:
    """The answer (and the options of issue 16, as published) of each question from ``questionsKey.json``, checked
    against ``questions.json``."""
    what = _p("a list of", "answers ({fields})", fields="{questionId, answer}")
    rows = check.items(check.document.data, (), what) or []
    answers: dict[str, QuestionOptions | None] = {}
    seen: Seen = {}  # exact: these name the questions of questions.json, which must match as typed
    for index, row in enumerate(rows):
        entry = check.mapping(row, (index,), ("questionId", "answer"), QUESTION_OPTIONS)
        if entry is None:
            continue
        question_id = check.get(entry, (index,), "questionId", check.label)
        check.unique(seen, question_id, (index, "questionId"), "questionId")
        if question_id is not None and question_id not in choices_by_question:
            check.report(
                (index, "questionId"),
                _("{value} is not a questionId of {file}", value=repr(question_id), file=LEGACY_QUESTIONS),
            )
            continue
        choices = choices_by_question[question_id] if question_id is not None else None
        options = question_options(check, entry, (index,), choices)
        if question_id is not None:
            answers.setdefault(question_id, options)
    if isinstance(check.document.data, list):
        for question_id in choices_by_question:
            if question_id not in seen:
                check.report((), _("no answer for questionId {value}", value=repr(question_id)))
    return answers


def _choices(check: FieldChecker, entries: list[tuple[Any, Any, FieldPath, FieldPath]]) -> list[Choice]:
    """Choices from (id, body, where the id is, where the body is); ids must be unique."""
    choices: list[Choice] = []
    seen: Seen = {}
    for raw_id, raw_body, id_where, body_where in entries:
        choice_id = check.label(raw_id, id_where)
        check.unique(seen, choice_id, id_where, _p("duplicate", "choice id"), ignore_case=True)
        body = check.text(raw_body, body_where)
        if choice_id is not None and body is not None:
            choices.append(Choice(choice_id, body))
    return choices


def _question(
    question_id: str | None, text: str | None, choices: list[Choice] | None, options: QuestionOptions | None
) -> AuthoredQuestion | None:
    if question_id is None or text is None or choices is None or options is None:
        return None
    question = Question(
        question_id, text, tuple(choices), points=options.points, multiple=options.multiple, partial=options.partial
    )
    return AuthoredQuestion(question, options.answer, options.explanation)


def _test(
    subject: str,
    test_id: str,
    title: str | None,
    due: datetime | None,
    questions: list[AuthoredQuestion | None],
    source: str,
    options: TestOptions | None = None,
) -> Test | None:
    """The test when every part of it is usable (problems were reported otherwise)."""
    if title is None or not questions or None in questions:
        return None
    options = options or TestOptions()
    authored = tuple(q for q in questions if q is not None)
    return Test(subject, test_id, title, due, authored, source, options.shuffle, options.resubmit, options.extensions)
