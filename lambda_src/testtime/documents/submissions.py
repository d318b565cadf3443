"""A student's ``<subject>/<test>/<studentId>/testResult.json``: written once by the API, read by the scorer.

Three stored shapes are read, one is written:

* today's object ``{"studentId", "subjectName", "testId", "receivedAt", "answers": [{"questionId", "answer"}]}``;
* the original 2019 client's body ``{"testResult": [...]}`` (a list of pairs or a ``{questionId: answer}`` object);
* what the 2019 service actually stored: the bare list of ``{"questionId", "answer"}`` it received.

A multiple-answer question's answer is a list of choice ids. A test that takes resubmissions keeps every version a
student sent (:func:`testtime.layout.submission_version_key`); versions from 2 on carry their ``version``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from testtime.documents.codec import MalformedDocument, dumps, is_count, loads, require
from testtime.documents.questions import answer_pairs, normalise

Given = str | frozenset[str] | None  # a choice, the choices of a multiple-answer question, or no answer


@dataclass(frozen=True)
class Submission:
    student_id: str
    answers: Mapping[str, Given]  # question id -> normalised answer (None: unanswered)
    received_at: str | None
    legacy: bool  # stored by the 2019 service (no receivedAt)
    version: int = 1


def normalise_given(answer: Any) -> Given:
    """A stored answer as it compares: a choice normalised, a list as the set of its choices (None when empty)."""
    if isinstance(answer, list):
        choices = frozenset(choice for choice in map(normalise, answer) if choice is not None)
        return choices or None
    return normalise(answer)


def parse_submission(key: str, body: bytes | None, student_id: str) -> Submission:
    """A submission from its bytes; ``student_id`` comes from the key, which the API wrote."""
    raw = loads(key, require(key, body))
    if isinstance(raw, list):
        stored, legacy, what = raw, True, ""
    elif isinstance(raw, dict):
        legacy = "answers" not in raw
        if legacy and "testResult" not in raw:
            raise MalformedDocument(key, 'has neither "answers" nor "testResult"')
        field = "testResult" if legacy else "answers"
        stored, what = raw[field], f"{field} "  # a problem names the field it is in
    else:
        raise MalformedDocument(key, "is neither a JSON object nor a list of answers")
    answers: dict[str, Given] = {}
    for qid, answer in answer_pairs(key, stored, what):
        answers.setdefault(qid, normalise_given(answer))  # a repeated question counts once, first answer wins
    received = raw.get("receivedAt") if isinstance(raw, dict) else None
    version = raw.get("version", 1) if isinstance(raw, dict) else 1
    if not is_count(version) or version < 1:
        raise MalformedDocument(key, f"has version {version!r}, not a whole number from 1")
    return Submission(student_id, answers, received if isinstance(received, str) else None, legacy, version)


def submission_document(
    student_id: str,
    subject: str,
    test_id: str,
    answers: Sequence[Mapping[str, str | list[str]]],
    received_at: str,
    version: int = 1,
) -> bytes:
    """``testResult.json`` (or version ``version`` of it) as the API stores it: ``answers`` already validated
    against the published questions."""
    document: dict[str, Any] = {
        "studentId": student_id,
        "subjectName": subject,
        "testId": test_id,
        "receivedAt": received_at,
        "answers": [dict(answer) for answer in answers],
    }
    if version != 1:
        document["version"] = version
    return dumps(document)
