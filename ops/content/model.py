"""The trainer's content once loaded and validated, whatever the file format it came from.

The shapes the bucket stores are :mod:`testtime.documents`' own (``Student``, ``Question``, ``Choice``); this
module adds only what authoring has and the published documents do not: a question's answer and explanation, a test
whose ``due`` may be left to the default, and the file each test came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from testtime.documents.class_list import Student
from testtime.documents.questions import Choice, KeyEntry, Question

__all__ = ["AuthoredQuestion", "Choice", "Content", "Question", "Student", "Test"]


@dataclass(frozen=True)
class AuthoredQuestion:
    """A question as published (``question``: what ``questions.json`` holds) and its answer (``questionsKey.json``).

    Held next to the published question rather than in a subclass of it, so that a ``Question`` handed to a writer
    can never carry the answer to the students' file.
    """

    question: Question  # with its points, and whether it is a multiple-answer question scored with partial credit
    answer: str | tuple[str, ...]  # the answer_id of the right choice; the right choices, in choice order
    explanation: str | None = None  # shown with the right answer once the test is closed for everybody

    def key_entry(self) -> KeyEntry:
        """The question's entry in ``questionsKey.json``."""
        question = self.question
        return KeyEntry(question.question_id, self.answer, question.points, question.partial, self.explanation)


@dataclass(frozen=True)
class Test:
    __test__ = False  # a domain class, not a pytest test case

    subject: str
    test_id: str
    title: str
    due: datetime | None  # None: the default deadline after first publication applies
    questions: tuple[AuthoredQuestion, ...]
    source: str  # the file or folder it came from, relative to the content folder
    shuffle: bool = False  # each student gets the questions and choices in an order of their own
    resubmit: bool = False  # a student may replace their submission until their deadline
    extensions: tuple[tuple[str, datetime], ...] = ()  # student id -> their own due, sorted by student id

    def published_questions(self) -> tuple[Question, ...]:
        """The questions as students see them, without the answers."""
        return tuple(authored.question for authored in self.questions)

    def key_entries(self) -> tuple[KeyEntry, ...]:
        """The answer key, in question order."""
        return tuple(authored.key_entry() for authored in self.questions)


@dataclass(frozen=True)
class Content:
    students: tuple[Student, ...]  # no api_key_sha256: the publisher adds the digests when it renders
    tests: tuple[Test, ...]  # sorted by (subject, test_id)
    # subject id -> its display title (subjects/<subject>/subject.yml); a subject without one is shown by its id
    subject_titles: Mapping[str, str] = field(default_factory=dict)

    def student_ids(self) -> list[str]:
        return [student.student_id for student in self.students]
